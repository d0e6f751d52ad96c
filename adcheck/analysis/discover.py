"""Which hand-written derivatives a set of Python files declares: the input of ``adcheck check``.

PATHS are ``.py`` files or folders (searched recursively for ``*.py``, skipping
hidden folders, ``__pycache__``, virtual environments (a ``pyvenv.cfg``),
``site-packages``, and the files ``setup.py``, ``conftest.py``, ``__init__.py``,
``__main__.py``).  Each file is imported once, the way pytest imports a test
file (:mod:`adcheck.frontends.pyfile`).  Nothing in the file imports adcheck:

Naming convention
    For every public function ``f`` defined in the file (not imported into it),
    a sibling ``f_grad`` or ``grad_f`` is its gradient ``g(x)``; ``f_jac``,
    ``jac_f`` or ``f_jacobian`` its Jacobian ``J(x)`` (m × n); ``f_hvp`` or
    ``hvp_f`` its Hessian-vector product ``h(x, v)``.  A function of several
    arrays ``f(x, y)`` has ``g(x, y)`` return one gradient per argument (a tuple),
    or one flat vector; its Jacobian likewise (blocks of columns).  An hvp
    check needs f(x) of one array.
Custom rules
    Every module-level function made by ``adcheck.custom_vjp`` / ``custom_jvp``
    in this file, with at least one rule, is checked with ``check_rule``.
Points
    ``ADCHECK_POINTS = {"f": point}``, as for ``adcheck grad file.py::f``: a
    number, a nested list, an ndarray (a float32 array makes a float32 check),
    a dict from argument name to value, or a string in ``--at`` syntax.
    A function with a derivative but no point and no box is not guessed at:
    the check records the problem "no point for f: declare ADCHECK_POINTS or a
    box" and counts as bad input (exit 2); the other checks still run.
Explicit checks, for anything the names do not say::

    ADCHECK_CHECKS = {
        "name": {"f": loss,                  # default: the function called "name"
                 "grad": my_grad,            # or "jacobian": J, "hvp": h, "rule": custom_fn
                 "at": [0.5, -1.0],          # one point (default: ADCHECK_POINTS[name])
                 "box": [[-2, 2], [-1, 1]],  # or [lo, hi] for every coordinate
                 "shape": 2,                 # the shape of x when "box" is [lo, hi] and no "at"
                 "points": 3,                # random points drawn in the box (default 3)
                 "v": [1.0, 0.0],            # hvp only (default: a seeded random direction)
                 "dtype": "float32",         # the precision of the check (default: the point's)
                 "rtol": 1e-6, "atol": 0.0,  # replace the tolerance model for this check
                 "expect": "fail"},          # see ADCHECK_EXPECT
    }

    The points are "at" (if given) plus "points" random points in "box" (if
    given).  An explicit check of the same function and derivative as a
    conventional one replaces it.
Expectations
    ``ADCHECK_EXPECT = {"name": "fail"}`` (a function, an ADCHECK_CHECKS key, a
    rule, or a full ``"f grad"``) marks a check that is wrong on purpose: its
    failure is expected ("xfail", the run passes); if it passes that is a
    failure ("xpass").  ``"pass"`` is the default.
PyTorch and JAX (:mod:`adcheck.frameworks`)
    A public function of the file written in torch or jax (recognised by the
    names its code uses, or declared with ``ADCHECK_FRAMEWORK = "torch"``)
    that has a point in ADCHECK_POINTS is checked without any hand-written
    derivative: the framework's own gradient / Jacobian (reverse mode) and
    its forward mode are the derivatives under test ("autograd" checks).  A
    NumPy twin ``f_numpy`` / ``f_np`` beside it (or ``"numpy": twin`` in
    ADCHECK_CHECKS) adds adcheck's reverse AD to the references.  With
    ``order = 2`` (``--order 2``) a scalar framework function also gets a
    "hessian" check: double backward / grad of grad against FD of its first
    gradient.  A ``torch.autograd.Function`` subclass or a ``jax.custom_vjp``
    / ``custom_jvp`` function defined in the file, with a point, is checked
    like a custom rule.  Points may be tensors or jax arrays (their dtype
    sets the precision of the check).  ADCHECK_CHECKS entries take
    ``"framework"`` (torch, jax or numpy) and ``"numpy"`` (the twin); an entry
    with only ``"f"`` (framework code) is an autograd check.
Configuration
    ``[tool.adcheck]`` in the nearest ``pyproject.toml`` above the current
    folder: ``paths`` (used when no PATH is given; relative to that file),
    ``rtol``, ``atol``, ``seed`` (default 0), ``points`` (default 3), ``order`` (1 or 2) and
    ``exclude`` (glob patterns matched against each found file's path relative
    to that folder and against its name; files named explicitly are kept).
    Command-line options override it (:meth:`CheckConfig.override`).
"""

from __future__ import annotations

import fnmatch
import inspect
import os
from dataclasses import dataclass, field, replace
from typing import Callable, Optional

import numpy as np

from adcheck.errors import AdcheckError, TargetNotFoundError, UsageError

__all__ = ["CheckConfig", "CheckSpec", "load_config", "find_files", "discover"]

NAMES = {"grad": ("{}_grad", "grad_{}"), "jacobian": ("{}_jac", "jac_{}", "{}_jacobian"),
         "hvp": ("{}_hvp", "hvp_{}")}
KINDS = ("grad", "jacobian", "hvp", "rule")
ENTRY_KEYS = {"f", *KINDS, "at", "box", "shape", "points", "v", "dtype", "rtol", "atol", "expect",
              "framework", "numpy"}
CONFIG_KEYS = {"paths", "rtol", "atol", "seed", "points", "exclude", "order"}
TWIN_NAMES = ("{}_numpy", "{}_np", "numpy_{}")
SKIP_DIRS = {"__pycache__", "site-packages", "dist-packages", "node_modules"}
SKIP_FILES = {"setup.py", "conftest.py", "__init__.py", "__main__.py"}
NO_POINT = "no point for {}: declare ADCHECK_POINTS or a box"


@dataclass(frozen=True)
class CheckConfig:
    """Settings of a check run: ``[tool.adcheck]`` merged with command-line options."""

    paths: tuple = ()
    rtol: Optional[float] = None
    atol: Optional[float] = None
    seed: int = 0
    points: int = 3
    exclude: tuple = ()
    order: int = 1                 # 2: also the second derivative of torch / jax functions
    root: Optional[str] = None     # folder of the pyproject.toml read (None: none found)

    def override(self, **given) -> "CheckConfig":
        """This config with every option given (not None) replacing its value."""
        return replace(self, **{k: (tuple(v) if k in ("paths", "exclude") else v)
                                for k, v in given.items() if v is not None})


@dataclass(frozen=True)
class CheckSpec:
    """One declared check.  ``problem`` set: it cannot run (``problem_code`` 2 bad input, 3 user code)."""

    name: str                      # "examples/rosen.py::rosen grad"
    file: str                      # "examples/rosen.py"
    label: str                     # the function, ADCHECK_CHECKS key or rule name
    kind: str                      # grad | jacobian | hvp | rule | file
    f: Optional[Callable] = None   # the function (the custom function for a rule)
    derivative: Optional[Callable] = None
    args: tuple = ()               # the input names of f
    at: tuple = ()                 # fixed points, each a tuple of arrays (one per input)
    shapes: tuple = ()             # the input shapes
    box: Optional[tuple] = None    # (lo, hi): flat arrays over the concatenated inputs
    n_random: int = 0              # random points drawn in the box at run time
    v: Optional[tuple] = None      # hvp direction, one array per input (None: random)
    dtype: str = "float64"
    rtol: Optional[float] = None
    atol: Optional[float] = None
    expect: str = "pass"
    problem: Optional[str] = None
    problem_code: int = 2
    folder: str = ""               # the file's folder (user tracebacks)
    extra: dict = field(default_factory=dict)


# ----- configuration ------------------------------------------------------------------

def load_config(start: Optional[str] = None) -> CheckConfig:
    """``[tool.adcheck]`` of the nearest pyproject.toml at or above ``start`` (default: the cwd)."""
    import tomllib

    folder = os.path.abspath(start or os.getcwd())
    while True:
        candidate = os.path.join(folder, "pyproject.toml")
        if os.path.isfile(candidate):
            break
        parent = os.path.dirname(folder)
        if parent == folder:
            return CheckConfig()
        folder = parent
    try:
        with open(candidate, "rb") as fh:
            table = tomllib.load(fh).get("tool", {}).get("adcheck", {})
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read {candidate}: {exc}") from None
    unknown = sorted(set(table) - CONFIG_KEYS)
    if unknown:
        raise UsageError(f"unknown key {unknown[0]!r} in [tool.adcheck] of {candidate}",
                         hint=f"known keys: {', '.join(sorted(CONFIG_KEYS))}")
    out = {"root": folder}
    for key, kind in (("paths", list), ("exclude", list), ("rtol", float), ("atol", float),
                      ("seed", int), ("points", int), ("order", int)):
        if key not in table:
            continue
        value = table[key]
        ok = (isinstance(value, list) and all(isinstance(s, str) for s in value)) if kind is list \
            else isinstance(value, (int, float) if kind is float else int) and not isinstance(value, bool)
        if not ok or (kind is not list and value < 0):
            want = "a list of strings" if kind is list else f"a non-negative {kind.__name__}"
            raise UsageError(f"[tool.adcheck] {key} in {candidate} must be {want}, got {value!r}")
        out[key] = tuple(value) if kind is list else kind(value)
    if out.get("order", 1) not in (1, 2):
        raise UsageError(f"[tool.adcheck] order in {candidate} must be 1 or 2, got {out['order']!r}")
    if "paths" in out:
        out["paths"] = tuple(os.path.join(folder, p) for p in out["paths"])
    return CheckConfig(**out)


# ----- files --------------------------------------------------------------------------

def find_files(paths, config: CheckConfig) -> list:
    """The .py files under ``paths`` (absolute, sorted per folder), minus ``exclude``."""
    found = []
    for p in paths:
        full = os.path.abspath(os.path.expanduser(str(p)))
        if os.path.isfile(full):
            if not full.endswith(".py"):
                raise TargetNotFoundError(f"{p!r} is not a Python file (.py) or a folder")
            found.append(full)
        elif os.path.isdir(full):
            found += [f for f in _walk(full) if not _excluded(f, config)]
        else:
            raise TargetNotFoundError(f"{p!r} not found", hint=f"looked for {full}")
    return list(dict.fromkeys(found))


def _walk(top: str):
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS
                         and not os.path.isfile(os.path.join(folder, d, "pyvenv.cfg")))
        yield from (os.path.join(folder, f) for f in sorted(files)
                    if f.endswith(".py") and f not in SKIP_FILES and not f.startswith("."))


def _excluded(path: str, config: CheckConfig) -> bool:
    rel = os.path.relpath(path, config.root or os.getcwd()).replace(os.sep, "/")
    return any(fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(os.path.basename(path), pat)
               for pat in config.exclude)


def display_path(path: str) -> str:
    rel = os.path.relpath(path)
    return (path if rel.startswith("..") else rel).replace(os.sep, "/")


# ----- one file -----------------------------------------------------------------------

def discover(paths, config: Optional[CheckConfig] = None) -> list:
    """Every check declared in the files under ``paths`` (default: ``config.paths``).

    ``config`` None reads ``[tool.adcheck]`` (:func:`load_config`).  A path that
    does not exist raises TargetNotFoundError and no paths at all UsageError
    (exit 2); every problem inside a file becomes a CheckSpec with ``problem``.
    """
    config = load_config() if config is None else config
    paths = list(paths) or list(config.paths)
    if not paths:
        raise UsageError("no PATH given and no [tool.adcheck] paths configured",
                         hint="adcheck check examples/  (or paths = [...] in pyproject.toml)")
    specs = []
    for path in find_files(paths, config):
        specs += file_checks(path, config)
    return specs


def file_checks(path: str, config: CheckConfig) -> list:
    """The checks one file declares (a single problem spec if it cannot be imported)."""
    from adcheck.frontends import pyfile
    from adcheck.analysis.discover_entries import conventional, explicit, rules

    display = display_path(path)
    try:
        module = pyfile._import(path, os.path.basename(path))
    except AdcheckError as exc:
        detail = getattr(exc, "user_traceback", "")
        return [CheckSpec(name=display, file=display, label="", kind="file", problem=exc.message,
                          problem_code=exc.exit_code, extra={"traceback": detail} if detail else {})]
    expect = getattr(module, "ADCHECK_EXPECT", None) or {}
    bad = [] if isinstance(expect, dict) else [_problem(display, "ADCHECK_EXPECT", "must be a dict")]
    expect = expect if isinstance(expect, dict) else {}
    ctx = _Context(module, display, os.path.dirname(path), config)
    explicit_specs = explicit(ctx)
    claimed = {s.name for s in explicit_specs} | {(id(s.f), id(s.derivative)) for s in explicit_specs}
    specs = [s for s in conventional(ctx) + rules(ctx)
             if s.name not in claimed and (id(s.f), id(s.derivative)) not in claimed]
    out = []
    for s in bad + specs + explicit_specs:
        wanted = s.expect if s.expect != "pass" else expect.get(f"{s.label} {s.kind}",
                                                                expect.get(s.label, "pass"))
        if wanted not in ("pass", "fail"):
            s = replace(s, problem=s.problem or f"ADCHECK_EXPECT[{s.label!r}] must be 'pass' or "
                                                f"'fail', got {wanted!r}")
            wanted = "pass"
        out.append(replace(s, expect=wanted))
    return out


@dataclass
class _Context:
    module: object
    file: str
    folder: str
    config: CheckConfig

    def spec(self, label: str, kind: str, **kw) -> CheckSpec:
        name = f"{self.file}::{label}" + ("" if kind == "file" else f" {kind}")
        return CheckSpec(name=name, file=self.file, label=label, kind=kind,
                         folder=self.folder, **kw)


def _problem(file: str, label: str, text: str) -> CheckSpec:
    return CheckSpec(name=f"{file}::{label}", file=file, label=label, kind="file",
                     problem=f"{label} {text}")


def is_custom_function(obj) -> bool:
    """A function made by adcheck.custom_vjp / custom_jvp (duck-typed: rules and their primitive)."""
    return (not inspect.isclass(obj) and hasattr(obj, "defvjp") and hasattr(obj, "defjvp")
            and hasattr(obj, "prim") and hasattr(obj, "fun"))


def public_names(module) -> list:
    """Public functions defined in ``module`` itself (not imported), in definition order."""
    return [k for k, v in vars(module).items() if not k.startswith("_") and inspect.isfunction(v)
            and v.__module__ == module.__name__]


def plain_value(value):
    """A point value with torch tensors / jax arrays (also inside lists and dicts) as NumPy arrays."""
    from adcheck.frameworks import returned_framework

    if isinstance(value, dict):
        return {k: plain_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and any(returned_framework(v) for v in value):
        return [plain_value(v) for v in value]
    if returned_framework(value) == "torch":
        return value.detach().cpu().numpy()
    if returned_framework(value) == "jax":
        return np.asarray(value)
    return value


def as_dtype(value) -> Optional[np.dtype]:
    """The float dtype a point value asks for (a float ndarray, or one inside a dict), else None."""
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, np.ndarray) for v in value):
        found = [as_dtype(v) for v in value]
        return next((d for d in found if d is not None), None)
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
        return value.dtype
    if isinstance(value, dict):
        found = [as_dtype(v) for v in value.values()]
        return next((d for d in found if d is not None), None)
    return None
