"""adcheck itself: f is plain NumPy; derivatives through the public API."""

from __future__ import annotations

import numpy as np

import bench_problems as bp

NAME = "adcheck"


def load():
    """Import adcheck and exercise every entry point once, so that its lazily imported modules are all
    loaded now: the run measures one snapshot of the code even if the files change while it runs."""
    import importlib

    import adcheck

    importlib.import_module("adcheck.analysis.checks")
    x = np.linspace(0.5, 1.5, 4)

    def f(z):
        return np.sum(np.tanh(z) * np.logaddexp(0.0, z)) + np.max(z) + np.mean(z @ z)

    adcheck.grad(f, x)
    adcheck.jvp(f, x, x)
    adcheck.hvp(f, x, x, method="forward-over-reverse")
    adcheck.hvp(f, x, x, method="reverse-over-reverse")
    adcheck.jacobian(np.sin, x, method="forward")
    adcheck.check_grad(lambda z: np.sum(z * z), lambda z: 2 * z, x)
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
