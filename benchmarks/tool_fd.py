"""Finite-difference gradients as a reference point: scipy.optimize.approx_fprime and numdifftools.Gradient.

Both cost O(n) evaluations of f (numdifftools ~30 n with its Richardson
extrapolation), so they are measured only at the smallest size.
"""

from __future__ import annotations

import numpy as np

import bench_problems as bp


class Scipy:
    NAME = "scipy"

    @staticmethod
    def load():
        import scipy

        return scipy.__version__

    @staticmethod
    def grad_cases(p):
        from scipy.optimize import approx_fprime

        f, x = bp.numpy_f(p), p.x
        return {"f": lambda: f(x), "grad": lambda: approx_fprime(x, f)}

    to_numpy = staticmethod(lambda out: np.asarray(out, dtype=np.float64))


class Numdifftools:
    NAME = "numdifftools"

    @staticmethod
    def load():
        import numdifftools

        return numdifftools.__version__

    @staticmethod
    def grad_cases(p):
        import numdifftools as nd

        f, x = bp.numpy_f(p), p.x
        g = nd.Gradient(f)
        return {"f": lambda: f(x), "grad": lambda: g(x)}

    to_numpy = staticmethod(lambda out: np.asarray(out, dtype=np.float64))
