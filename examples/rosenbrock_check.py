"""Rosenbrock's function with a hand-written gradient and Hessian-vector product, for ``adcheck check``.

    f(x) = Σ_{i<n-1} 100 (x_{i+1} - x_i²)² + (1 - x_i)²

Every coordinate but the last starts a term, and every coordinate but the
first ends one, so with r_i = x_{i+1} - x_i² (one residual per term)

    ∂f/∂x_i = -400 x_i r_i - 2 (1 - x_i)      (i starts a term)
            + 200 r_{i-1}                      (i ends a term)

The Hessian is tridiagonal:

    H_ii     = 1200 x_i² - 400 x_{i+1} + 2    (i starts a term)
             + 200                             (i ends a term)
    H_i,i+1  = H_i+1,i = -400 x_i

so H·v needs no n × n matrix.  Nothing here imports adcheck: ``rosen_grad``
and ``rosen_hvp`` are found by their names, the points by ``ADCHECK_POINTS``,
and ``ADCHECK_CHECKS`` adds four random points in the box [-2, 2]⁴ to the
gradient check (reproducible with ``adcheck check --seed S``).

    adcheck check examples/rosenbrock_check.py
"""

import numpy as np


def rosen(x):
    """Rosenbrock's banana function in n dimensions (minimum 0 at x = 1)."""
    r = x[1:] - x[:-1] ** 2
    return np.sum(100.0 * r ** 2 + (1.0 - x[:-1]) ** 2)


def rosen_grad(x):
    """∇f by the formula in the module docstring."""
    x = np.asarray(x, dtype=float)
    r = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[:-1] += -400.0 * x[:-1] * r - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * r
    return g


def rosen_hvp(x, v):
    """H(x)·v with the tridiagonal Hessian of the module docstring."""
    x, v = np.asarray(x, dtype=float), np.asarray(v, dtype=float)
    diag = np.zeros_like(x)
    diag[:-1] += 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    diag[1:] += 200.0
    off = -400.0 * x[:-1]
    hv = diag * v
    hv[:-1] += off * v[1:]
    hv[1:] += off * v[:-1]
    return hv


ADCHECK_POINTS = {"rosen": [-1.2, 1.0, 0.5, 2.0]}
ADCHECK_CHECKS = {"rosen": {"grad": rosen_grad, "box": [-2.0, 2.0], "points": 4}}
