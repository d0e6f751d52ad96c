"""adcheck: differentiate a function four independent ways and see how far each is from the truth.

The public API is loaded lazily so that ``adcheck --help`` never imports NumPy.
"""

__version__ = "0.1.0"

_API = {
    "grad": "adcheck.derivatives", "jacobian": "adcheck.derivatives", "jvp": "adcheck.derivatives",
    "vjp": "adcheck.derivatives", "hvp": "adcheck.derivatives", "hessian": "adcheck.derivatives",
    "AdcheckError": "adcheck.errors",
    "custom_jvp": "adcheck.prims.custom", "custom_vjp": "adcheck.prims.custom",
    "check_rule": "adcheck.analysis.rules",
    "check_grad": "adcheck.analysis.checks", "check_jacobian": "adcheck.analysis.checks",
    "check_hvp": "adcheck.analysis.checks",
    "implicit": "adcheck.prims.implicit",
    "checkpoint": "adcheck.methods.checkpoint", "tape_memory": "adcheck.methods.checkpoint",
}

__all__ = sorted(_API) + ["__version__"]


def __getattr__(name):
    if name in _API:
        import importlib

        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'adcheck' has no attribute {name!r}")


def __dir__():
    return __all__
