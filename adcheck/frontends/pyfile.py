"""Python files as targets: import ``model.py``, choose a function, build the Target.

TARGET is ``path/to/model.py`` or ``path/to/model.py::name``.  The file is
imported the way pytest imports a test file: its folder goes first on
``sys.path`` and stays there (so imports inside functions work), and the
module is registered in ``sys.modules`` under its stem (a unique name if the
stem names another module) before it runs.  What it prints goes to stderr.
Without ``::name`` the file must define exactly one public function taking
inputs; names that mark a derivative (``*_grad``, ``grad_*``, ``*_jac``,
``jac_*``, ``*_jacobian``, ``*_hvp``, ``hvp_*``, ``*_hess``, ``*_hessian``,
``*_der``) are skipped.

The inputs of ``f(x, y, ...)`` are its positional parameters without
defaults.  The Target's input is one flat float64 vector, the concatenation
of the differentiated arguments (``wrt``, default all), each flattened in
C order; the others are held at their point values.  Variables are named
``y`` (a scalar), ``x[0]``, ``x[1]``... (a vector), ``W[0,1]`` (a matrix).

Points (``--at``): ``1.5``, ``[1, 2, 0.5]``, ``{"x": [1, 2], "y": 3}``,
``x=[1,2],y=3``, ``@point.json`` / ``.npy`` / ``.npz``: each argument takes the
shape of its value (:mod:`adcheck.frontends.pyfile_points`; never eval'd).

Default points: a file may define a module-level dict ``ADCHECK_POINTS``
mapping function names to their default point, for example
``ADCHECK_POINTS = {"f": [1.0, 2.0, 0.5], "loss": {"w": [0.5, -1.0], "b": 0.1}}``.
Each value takes any form ``--at`` accepts, written as a Python value (a
number, a nested list, a NumPy array, or a dict from argument name to value)
or as a string in ``--at`` syntax (``"x=[1,2],y=3"``; a relative
``"@point.json"`` is read from the file's folder).  ``--at`` overrides it.

Every call of ``f`` runs with stdout sent to stderr, a per-call time limit
(SIGALRM, main thread only), ``sys.exit`` turned into an error, and the
user's own traceback kept: :class:`~adcheck.errors.UserCodeError` on plain
input, :class:`~adcheck.errors.MethodError` when a tracer (or complex input)
could not get through f.  Errors adcheck raises on purpose pass unchanged.
"""

from __future__ import annotations

import difflib
import importlib.util
import inspect
import itertools
import keyword
import os
import re
import sys
from contextlib import redirect_stdout
from typing import Optional, Sequence

import numpy as np

from adcheck.errors import (BadInputError, NotDifferentiableError, PointError,
                            TargetNotFoundError, UsageError, UserCodeError)
from adcheck.frontends.pyfile_call import (DEFAULT_TIMEOUT, describe, is_user_path, make_caller,
                                           user_traceback)
from adcheck.frontends.pyfile_points import argument_point, variable_names
from adcheck.target import Target

__all__ = ["load", "DEFAULT_TIMEOUT", "is_derivative_name", "public_functions"]

_DERIVATIVE = re.compile(r"^(?:grad|jac|hvp)_|_(?:grad|jac|jacobian|hvp|hess|hessian|der)$")
_unique = itertools.count(1)


def is_derivative_name(name: str) -> bool:
    """True when ``name`` marks a derivative by convention (``loss_grad``, ``jac_f``...)."""
    return bool(_DERIVATIVE.search(name))


def load(spec: str, at: Optional[str], *, wrt: Optional[Sequence[str]] = None,
         timeout: Optional[float] = None) -> Target:
    """The Target for ``model.py[::name]`` at ``at`` (or the file's ADCHECK_POINTS)."""
    path, attr = _split_spec(spec)
    limit = DEFAULT_TIMEOUT if timeout is None else float(timeout)
    if limit < 0:
        raise UsageError(f"--timeout must be >= 0 seconds, got {timeout}")
    display = os.path.basename(path)
    module = _import(path, display)
    name, fn = _choose(module, attr, display)
    label = f"{display}::{name}"
    _refuse_framework(module, fn, label, spec)
    arg_names = _inputs(fn, label)
    chosen = _wrt(wrt, arg_names, name)
    point = _point(module, name, at, arg_names, label, os.path.dirname(path))
    slots, offset, variables = [], 0, []
    for arg in arg_names:
        if arg in chosen:
            size = point[arg].size
            slots.append((arg, offset, offset + size, point[arg].shape))
            variables += variable_names(arg, point[arg].shape)
            offset += size
        else:
            slots.append((arg, None, None, point[arg]))
    x0 = np.concatenate([point[a].reshape(-1) for a in chosen])
    f = _make_f(name, slots, make_caller(fn, name, module, limit, os.path.dirname(path)))
    notes = [f"variables in order: {_short_list(variables)}"]
    held = [a for a in arg_names if a not in chosen]
    if held:
        notes.append(f"held fixed (not differentiated): {', '.join(held)}")
    target = Target(f=f, x0=x0, variables=variables, name=label, origin="file", text=spec,
                    sympy_form=None, complex_analytic=None, notes=notes)
    y0 = f(x0.copy())
    notes.extend(_check_output(y0, name))
    target._y0 = np.asarray(y0)   # the first evaluation is Target.value: f may be costly
    target.module, target.function = module, fn
    target.arg_names, target.wrt, target.arg_point = tuple(arg_names), tuple(chosen), point
    return target


# ---- the file and the function -------------------------------------------------------

def _refuse_framework(module, fn, label: str, spec: str) -> None:
    """torch / jax code is not traced by adcheck's own methods: say where it is checked instead."""
    from adcheck.frameworks import framework_of

    framework = framework_of(fn, getattr(module, "ADCHECK_FRAMEWORK", None))
    if framework:
        path = spec.split("::")[0]
        raise UsageError(f"{label} is {framework} code; adcheck grad/jacobian/hvp/hessian trace NumPy code",
                         hint=f"check {framework}'s own gradient of it with: adcheck check {path} "
                              f"(give it a point in ADCHECK_POINTS), or pass a NumPy twin")


def _split_spec(spec: str):
    text = spec.strip()
    cut = text.find(".py::")
    path, attr = (text[:cut + 3], text[cut + 5:].strip()) if cut >= 0 else (text, None)
    if attr == "":
        raise TargetNotFoundError(f"no function name after '::' in {text!r}",
                                  hint=f"write {path}::NAME")
    if not path.endswith(".py"):
        raise TargetNotFoundError(f"{path!r} is not a Python file (.py)")
    full = os.path.abspath(os.path.expanduser(path))
    if not os.path.isfile(full):
        raise TargetNotFoundError(f"file {path!r} not found", hint=f"looked for {full}")
    return full, attr


def _import(path: str, display: str):
    folder = os.path.dirname(path)
    if not sys.path or sys.path[0] != folder:
        sys.path.insert(0, folder)
    name = _module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(name)
    sys.modules[name] = module
    loaded = False
    try:
        with redirect_stdout(sys.stderr):
            spec.loader.exec_module(module)
        loaded = True
    except (Exception, SystemExit) as exc:
        from adcheck.frameworks import missing

        absent = getattr(exc, "name", None) if isinstance(exc, ModuleNotFoundError) else None
        framework_error = missing(absent, display) if absent else None
        if framework_error is not None:
            raise framework_error from exc
        if isinstance(exc, SyntaxError) and exc.filename and is_user_path(exc.filename, folder):
            where = f"{os.path.basename(exc.filename)}:{exc.lineno}"
            raise BadInputError(f"{where}: {exc.msg}") from exc
        raise UserCodeError(f"{display} raised {describe(exc)} while loading",
                            user_traceback(exc, folder)) from exc
    finally:
        if not loaded:
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous
    return module


def _module_name(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    if stem.isidentifier() and not keyword.iskeyword(stem) and stem not in sys.stdlib_module_names:
        existing = sys.modules.get(stem)
        file = getattr(existing, "__file__", None)
        if existing is None or (file and os.path.abspath(file) == path):
            return stem
    safe = re.sub(r"\W", "_", stem)
    name = f"adcheck_user_{safe}_{next(_unique)}"
    while name in sys.modules:
        name = f"adcheck_user_{safe}_{next(_unique)}"
    return name


def public_functions(module) -> list:
    """Names of the functions defined in ``module`` itself that do not start with ``_``."""
    return [k for k, v in vars(module).items() if inspect.isfunction(v) and not k.startswith("_")
            and v.__module__ == module.__name__]


def _choose(module, attr: Optional[str], display: str):
    public = public_functions(module)
    if attr is None:
        found = [k for k in public
                 if not is_derivative_name(k) and _takes_inputs(getattr(module, k))]
        if len(found) == 1:
            return found[0], getattr(module, found[0])
        what = f"several functions: {', '.join(found)}" if found else "no public function to check"
        raise TargetNotFoundError(f"{display} defines {what}; pick one with {display}::NAME")
    obj = module
    for part in attr.split("."):
        obj = getattr(obj, part, None)
    if obj is None:
        close = difflib.get_close_matches(attr, public, n=1)
        listing = f"; it defines: {', '.join(public)}" if public else \
            "; it defines no public function"
        raise TargetNotFoundError(f"{display} has no function {attr!r}{listing}",
                                  hint=f"did you mean {display}::{close[0]}?" if close else None)
    if not callable(obj):
        raise TargetNotFoundError(f"{display}::{attr} is a {type(obj).__name__}, not a function")
    return attr, obj


def _takes_inputs(fn) -> bool:
    try:
        return bool(_inputs(fn, ""))
    except BadInputError:
        return True


def _inputs(fn, label: str) -> list:
    """Positional parameters without defaults: the inputs of fn."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return ["x"]
    names = []
    for p in params:
        if p.default is not p.empty:
            continue
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
        elif p.kind is p.KEYWORD_ONLY:
            raise BadInputError(f"{label} has a keyword-only parameter {p.name!r} without a "
                                "default; adcheck passes the inputs by position")
    if not names and label:
        raise BadInputError(f"{label} takes no inputs (the inputs are the positional "
                            "parameters without defaults)")
    return names


def _wrt(wrt, arg_names: list, name: str) -> list:
    if wrt is None:
        return list(arg_names)
    wanted = [w.strip() for item in wrt for w in str(item).split(",") if w.strip()]
    unknown = [w for w in wanted if w not in arg_names]
    if unknown or not wanted:
        verb = "is not an input" if len(unknown) == 1 else "are not inputs"
        got = f"{', '.join(unknown)} {verb}" if unknown else "no name given"
        raise UsageError(f"--wrt: {got} of {name} (its inputs: {', '.join(arg_names)})")
    return [a for a in arg_names if a in wanted]


# ---- points ----------------------------------------------------------------------------

def _point(module, name: str, at, arg_names: list, label: str, folder: str) -> dict:
    """One finite float64 array per input, from --at or the file's ADCHECK_POINTS."""
    if at is not None:
        return argument_point(at, arg_names, label)
    table = getattr(module, "ADCHECK_POINTS", None)
    if table is not None and not isinstance(table, dict):
        raise PointError(f"ADCHECK_POINTS in {label.split('::')[0]} must be a dict "
                         "mapping function names to points")
    if not table or name not in table:
        raise PointError(f"no point given for {label}: use --at or ADCHECK_POINTS in the file")
    try:
        return argument_point(table[name], arg_names, label, folder)
    except PointError as exc:
        raise PointError(f"ADCHECK_POINTS[{name!r}]: {exc.message}") from None


def _short_list(names: list, limit: int = 12) -> str:
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])}, ... ({len(names)} in all)"


def _make_f(name: str, slots: list, call):
    """flat vector -> the arguments (slices reshaped, held values copied) -> call."""
    if len(slots) == 1:
        shape = slots[0][3]
        return lambda flat: call(flat, (flat.reshape(shape),))

    def f(flat):
        return call(flat, [flat[a:b].reshape(s) if a is not None else s.copy()
                           for _, a, b, s in slots])
    f.__name__ = f.__qualname__ = name
    return f


def _check_output(y, name: str) -> list:
    """Refuse outputs that cannot be differentiated; notes on the rest."""
    y = np.asarray(y)
    kind = y.dtype.kind
    if kind in "iub":
        what = "booleans" if kind == "b" else "integers"
        raise NotDifferentiableError(f"{name} returns {what}: not differentiable")
    if kind == "c":
        raise UserCodeError(f"{name} returns complex values: adcheck checks real functions")
    if kind != "f":
        raise UserCodeError(f"{name} returned an array of {y.dtype}, expected numbers")
    if y.size == 0:
        raise UserCodeError(f"{name} returned an empty array")
    notes = [] if y.dtype == np.float64 else [f"{name} returns {y.dtype}: expect larger errors"]
    if not np.all(np.isfinite(y)):
        notes.append(f"{name} is not finite at the point ({np.count_nonzero(~np.isfinite(y))} "
                     "non-finite output entries)")
    return notes
