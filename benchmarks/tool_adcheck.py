"""adcheck itself: f is plain NumPy; derivatives through the public API."""

from __future__ import annotations

import numpy as np

import bench_problems as bp

NAME = "adcheck"


def load():
    import adcheck

    return adcheck.__version__


def _f(p):
    return bp.numpy_f(p)


def grad_cases(p):
    import adcheck

    f, x = _f(p), p.x
    return {"f": lambda: f(x), "grad": lambda: adcheck.grad(f, x)}


def jvp_cases(p):
    import adcheck

    f, x, v = _f(p), p.x, p.v
    return {"f": lambda: f(x), "jvp": lambda: adcheck.jvp(f, x, v)[1]}


def hvp_cases(p):
    import adcheck

    f, x, v = _f(p), p.x, p.v
    return {"grad": lambda: adcheck.grad(f, x),
            "hvp fwd-over-rev": lambda: adcheck.hvp(f, x, v, method="forward-over-reverse"),
            "hvp rev-over-rev": lambda: adcheck.hvp(f, x, v, method="reverse-over-reverse")}


def jacobian_cases(p):
    import adcheck

    f, x = _f(p), p.x
    return {"f": lambda: f(x),
            "jac fwd": lambda: adcheck.jacobian(f, x, method="forward"),
            "jac rev": lambda: adcheck.jacobian(f, x, method="reverse")}


def to_numpy(out):
    return np.asarray(out, dtype=np.float64)
