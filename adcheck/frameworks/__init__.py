"""PyTorch and JAX code under adcheck's verdicts, without either being a dependency of adcheck.

Nothing in this package imports torch or jax at module level, and nothing
outside it imports them at all: a file that uses a framework has already
imported it, so adcheck only looks at ``sys.modules``.  The adapters
(:mod:`.torch_adapter`, :mod:`.jax_adapter`) are loaded only for such files.

Which framework a function belongs to (:func:`framework_of`)
    1. declared: ``ADCHECK_FRAMEWORK = "torch" | "jax" | "numpy"`` in the file,
       or ``"framework": ...`` in an ``ADCHECK_CHECKS`` entry (wins);
    2. a ``torch.autograd.Function`` subclass is torch; a ``jax.custom_vjp`` /
       ``jax.custom_jvp`` function (or a ``jax.jit`` of a function) is jax;
    3. a plain function belongs to the framework whose module or objects the
       names in its code refer to (``torch.sin``, ``jnp.exp``, ``F.softplus``,
       a module-level tensor, a torch.autograd.Function ``.apply``), looking
       through the helper functions of the same file it calls, three calls
       deep;
    4. a function with a point but no torch or jax name in its code (only
       methods and operators: ``x.sin().sum()``), in a file that imports
       exactly one framework, is taken to be that framework's code
       (:func:`module_framework`) — and what it returns decides: the check
       calls it on the framework's arrays and refuses it with a clear message
       unless it returns one of them (:func:`returned_framework`).
    Anything else is NumPy code and goes to adcheck's own methods.

What is checked for a framework function (see :mod:`.checks`)
    The framework's own derivative is "the user's derivative": torch
    ``autograd.grad`` (backward, one VJP per output row), forward-mode
    ``forward_ad`` JVPs, double backward for ``--order 2``; jax ``grad`` /
    ``jacrev``, ``jvp``, grad of grad.  References: finite differences of f
    evaluated in float64 (Richardson, with their error estimate), plus
    adcheck's own reverse AD when the file declares a NumPy twin of f
    (``f_numpy`` / ``f_np`` beside ``f``, or ``"numpy": twin`` in
    ``ADCHECK_CHECKS``).
"""

from __future__ import annotations

import inspect
import sys
import types
from typing import Optional

from adcheck.errors import BadInputError

__all__ = ["FRAMEWORKS", "FrameworkMissingError", "framework_of", "missing", "require", "is_framework_rule",
           "returned_framework", "module_framework"]

FRAMEWORKS = ("torch", "jax")
EXTRA = {"torch": "adcheck[torch]", "jax": "adcheck[jax]", "jaxlib": "adcheck[jax]"}  # module -> extra
_ROOTS = {"torch": ("torch",), "jax": ("jax", "jaxlib", "flax", "equinox")}
_DEPTH = 3


class FrameworkMissingError(BadInputError):
    """A file needs torch or jax and the extra is not installed (exit 2)."""


def missing(module: str, who: str = "this code") -> Optional[FrameworkMissingError]:
    """The error for ``who`` failing to import ``module``, when that is one of the frameworks."""
    top = module.split(".", 1)[0]
    if top not in EXTRA:
        return None
    return FrameworkMissingError(f"{who} needs {top}, which is not installed", hint=f"pip install '{EXTRA[top]}'")


def require(name: str):
    """Import and return the framework ``name``, or FrameworkMissingError naming the extra."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError:
        raise missing(name) from None


def _root(obj) -> Optional[str]:
    """'torch' / 'jax' when obj is (or comes from) one of the frameworks' packages."""
    if isinstance(obj, types.ModuleType):
        mod = obj.__name__
    else:
        mod = getattr(obj, "__module__", None) or getattr(type(obj), "__module__", None) or ""
        if not isinstance(mod, str):
            return None
    top = mod.split(".", 1)[0]
    return next((name for name, roots in _ROOTS.items() if top in roots), None)


def is_framework_rule(obj) -> Optional[str]:
    """'torch' for a torch.autograd.Function subclass, 'jax' for a jax.custom_vjp / custom_jvp."""
    torch = sys.modules.get("torch")
    if torch is not None and inspect.isclass(obj):
        try:
            if issubclass(obj, torch.autograd.Function) and obj is not torch.autograd.Function:
                return "torch"
        except TypeError:
            return None
    jax = sys.modules.get("jax")
    if jax is not None and isinstance(obj, (jax.custom_vjp, jax.custom_jvp)):
        return "jax"
    return None


def framework_of(fn, declared: Optional[str] = None) -> Optional[str]:
    """The framework of ``fn`` by rules 1–3 of the module docstring; None: NumPy (or undecided)."""
    if declared:
        return None if declared == "numpy" else declared
    rule = is_framework_rule(fn)
    if rule:
        return rule
    found = set()
    _scan(fn, found, set(), 0)
    if len(found) == 1:
        return found.pop()
    return None


def _scan(fn, found: set, seen: set, depth: int) -> None:
    if id(fn) in seen or depth > _DEPTH:
        return
    seen.add(id(fn))
    root = _root(fn)
    if root and depth:
        found.add(root)
        return
    rule = is_framework_rule(fn)
    if rule:
        found.add(rule)
        return
    fn = inspect.unwrap(fn) if callable(fn) else fn
    code = getattr(fn, "__code__", None)
    if code is None:
        return
    scope = dict(getattr(fn, "__globals__", {}))
    for cell_name, cell in zip(code.co_freevars, getattr(fn, "__closure__", None) or ()):
        try:
            scope[cell_name] = cell.cell_contents
        except ValueError:
            continue
    for name in _names(code):
        obj = scope.get(name)
        if obj is None:
            continue
        r = _root(obj)
        if r:
            found.add(r)
        elif is_framework_rule(obj):
            found.add(is_framework_rule(obj))
        elif inspect.isfunction(obj) and obj.__module__ == getattr(fn, "__module__", None):
            _scan(obj, found, seen, depth + 1)


def _names(code) -> list:
    out = list(code.co_names) + list(code.co_freevars)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):   # nested functions and lambdas
            out += _names(const)
    return out


def returned_framework(value) -> Optional[str]:
    """'torch' / 'jax' when ``value`` (what f returned) is one of their arrays."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return "torch"
    jax = sys.modules.get("jax")
    if jax is not None and isinstance(value, jax.Array):
        return "jax"
    if isinstance(value, (tuple, list)) and value:
        return returned_framework(value[0])
    return None


def module_framework(module) -> Optional[str]:
    """The one framework a module's globals come from (``import torch``, ``jnp``...), else None."""
    found = {_root(v) for k, v in vars(module).items() if not k.startswith("__")} - {None}
    return found.pop() if len(found) == 1 else None
