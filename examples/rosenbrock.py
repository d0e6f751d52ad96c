"""Rosenbrock's function in five dimensions, written the way SciPy's test problem is.

    f(x) = Σ_{i<n-1} 100 (x_{i+1} - x_i²)² + (1 - x_i)²

A classic for optimisers: a narrow curved valley with its minimum f = 0 at
x = (1, …, 1).  ``adcheck grad`` checks its gradient by forward and reverse
mode against the exact symbolic one; ``adcheck hvp`` its Hessian-vector
product.  SciPy ships hand-written ``rosen_der`` and ``rosen_hess_prod``;
the tests compare adcheck's results with them.

    adcheck grad examples/rosenbrock.py
    adcheck hvp examples/rosenbrock.py --at -1.2,1,0.8,1.5,0.3 --v 1,0,0,0,0
"""

import numpy as np


def rosen(x):
    """The n-dimensional Rosenbrock function."""
    x = np.asarray(x)
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0, axis=0)


ADCHECK_POINTS = {"rosen": [-1.2, 1.0, 0.8, 1.5, 0.3]}
