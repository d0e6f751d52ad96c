"""Traced stand-ins for scipy functions that convert their input before NumPy sees it.

scipy.linalg's solvers (and scipy.special's logsumexp family, in prims.special)
call ``np.asarray`` on their arguments first, so a traced value never reaches
NumPy's dispatch.  While a user's code is traced, :mod:`frontends.coerce` puts
these in their place; each computes what scipy computes, from NumPy operations
adcheck can differentiate, reading only the triangle scipy's LAPACK call reads
and returning the same layout (scipy's ``cho_factor`` leaves the other triangle
of ``a`` in place).  Triangular systems are solved with ``np.linalg.solve``: the
same solution, to rounding.
"""

from __future__ import annotations

import numpy as np


def _used(a, lower):
    """The symmetric matrix LAPACK sees when it reads only one triangle of ``a``."""
    if lower:
        return np.tril(a) + np.swapaxes(np.tril(a, -1), -1, -2)
    return np.triu(a) + np.swapaxes(np.triu(a, 1), -1, -2)


def _transposed(a):
    return np.swapaxes(a, -1, -2)


def solve(a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True, assume_a=None,
          transposed=False):
    """scipy.linalg.solve: a general solve, or from one triangle for assume_a 'sym'/'her'/'pos'."""
    if assume_a in ("sym", "her", "pos", "symmetric", "hermitian", "positive definite"):
        a = _used(a, lower)
    elif assume_a in ("lower triangular", "upper triangular", "diagonal"):
        a = np.tril(a) if assume_a == "lower triangular" else np.triu(a) if assume_a == "upper triangular" else (
            a * np.eye(np.shape(a)[-1]))
    if transposed:
        a = _transposed(a)
    return np.linalg.solve(a, b)


def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """scipy.linalg.cholesky: L (lower) or U = Lᵀ, zeros in the other triangle."""
    L = np.linalg.cholesky(_used(a, lower))
    return L if lower else _transposed(L)


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """scipy.linalg.cho_factor: (c, lower), the factor in one triangle, a's entries in the other."""
    c = cholesky(a, lower)
    rest = np.triu(a, 1) if lower else np.tril(a, -1)
    return c + rest, lower


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """scipy.linalg.cho_solve: x with (L Lᵀ) x = b from cho_factor's output."""
    c, lower = c_and_lower
    if lower:
        L = np.tril(c)
        return np.linalg.solve(_transposed(L), np.linalg.solve(L, b))
    U = np.triu(c)
    return np.linalg.solve(U, np.linalg.solve(_transposed(U), b))


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False, check_finite=True):
    """scipy.linalg.solve_triangular."""
    t = np.tril(a) if lower else np.triu(a)
    if unit_diagonal:
        n = np.shape(a)[-1]
        t = t * (1.0 - np.eye(n)) + np.eye(n)
    if trans in (1, 2, "T", "C"):
        t = _transposed(t)
    return np.linalg.solve(t, b)


def inv(a, overwrite_a=False, check_finite=True):
    return np.linalg.inv(a)


def det(a, overwrite_a=False, check_finite=True):
    return np.linalg.det(a)


def norm(a, ord=None, axis=None, keepdims=False, check_finite=True):
    return np.linalg.norm(a, ord=ord, axis=axis, keepdims=keepdims)


LINALG = {"solve": solve, "cholesky": cholesky, "cho_factor": cho_factor, "cho_solve": cho_solve,
          "solve_triangular": solve_triangular, "inv": inv, "det": det, "norm": norm}


def table(name, module) -> dict:
    """{original function: traced implementation} for the loaded scipy module ``name``."""
    if name == "scipy.special":
        from adcheck.prims import special

        functions = special.FUNCTIONS
    else:
        functions = LINALG
    return {getattr(module, f): traced for f, traced in functions.items() if hasattr(module, f)}
