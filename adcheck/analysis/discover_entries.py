"""From one imported file to CheckSpecs: the naming convention, ADCHECK_CHECKS, custom rules, points.

The rules themselves are documented in :mod:`adcheck.analysis.discover`.
Every problem with a declaration (no point, a malformed box, an unknown key)
becomes a CheckSpec with ``problem`` set, never an exception, so one bad
entry does not stop the other checks of a run.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from adcheck.analysis.discover import (ENTRY_KEYS, KINDS, NAMES, NO_POINT, TWIN_NAMES, as_dtype,
                                       is_custom_function, plain_value, public_names)
from adcheck.errors import AdcheckError
from adcheck.frameworks import framework_of, is_framework_rule, module_framework

__all__ = ["conventional", "explicit", "rules"]


class _Bad(Exception):
    """A declaration problem: becomes ``CheckSpec.problem`` (exit 2)."""


def conventional(ctx) -> list:
    """Checks named by the convention: f with f_grad / grad_f, f_jac / ..., f_hvp / hvp_f."""
    from adcheck.frontends.pyfile import is_derivative_name

    module, out = ctx.module, []
    twins = {t.format(n) for n in public_names(module) for t in TWIN_NAMES}
    for name in public_names(module):
        if is_derivative_name(name) or name in twins:
            continue
        before = len(out)
        for kind, patterns in NAMES.items():
            for pattern in patterns:
                deriv = getattr(module, pattern.format(name), None)
                if callable(deriv):
                    label = name if not any(s.label == name and s.kind == kind for s in out) \
                        else f"{name} ({pattern.format(name)})"
                    out.append(_build(ctx, label, kind, getattr(module, name), deriv, {}))
        if len(out) == before:
            out += _autograd(ctx, name, getattr(module, name), {})
    return out


def _framework(ctx, f, entry) -> Optional[str]:
    declared = entry.get("framework", getattr(ctx.module, "ADCHECK_FRAMEWORK", None))
    if declared is not None and declared not in ("torch", "jax", "numpy"):
        raise _Bad(f"framework must be 'torch', 'jax' or 'numpy', got {declared!r}")
    return framework_of(f, declared)


def _twin(ctx, name, entry):
    if "numpy" in entry:
        if not callable(entry["numpy"]):
            raise _Bad("'numpy' must be the NumPy twin of f (a function)")
        return entry["numpy"]
    return next((getattr(ctx.module, t.format(name)) for t in TWIN_NAMES
                 if callable(getattr(ctx.module, t.format(name), None))), None)


def _autograd(ctx, name, f, entry) -> list:
    """The autograd check (and with order 2 the hessian check) of a torch / jax function with a point."""
    try:
        framework = _framework(ctx, f, entry)
    except _Bad as exc:
        return [ctx.spec(name, "autograd", problem=str(exc))]
    points = getattr(ctx.module, "ADCHECK_POINTS", None) or {}
    if not entry and not (isinstance(points, dict) and name in points):
        return []      # a helper without a point: not a check
    guessed = framework is None and "framework" not in entry
    if guessed:
        framework = module_framework(ctx.module)     # rule 4: confirmed by what f returns
    if framework is None:
        return []
    try:
        extra = {"framework": framework, "twin": _twin(ctx, name, entry), "guessed": guessed}
    except _Bad as exc:
        return [ctx.spec(name, "autograd", problem=str(exc))]
    kinds = ("autograd", "hessian") if ctx.config.order >= 2 else ("autograd",)
    return [_build(ctx, name, kind, f, None, entry, extra) for kind in kinds]


def rules(ctx) -> list:
    """One rule check per module-level custom_vjp / custom_jvp function of this file with a rule."""
    out = []
    for name, obj in vars(ctx.module).items():
        if not name.startswith("_") and is_framework_rule(obj) and \
                getattr(obj, "__module__", None) == ctx.module.__name__:
            points = getattr(ctx.module, "ADCHECK_POINTS", None)
            if isinstance(points, dict) and name in points:   # else: checked through the code using it
                out.append(_build(ctx, name, "rule", obj, None, {}, {"framework": is_framework_rule(obj),
                                                                       "twin": _twin(ctx, name, {})}))
            continue
        if name.startswith("_") or not is_custom_function(obj):
            continue
        if getattr(obj, "__module__", None) != ctx.module.__name__:
            continue      # imported from elsewhere: checked where it is defined
        if getattr(obj, "jvp_rule", None) is None and getattr(obj, "vjp_rule", None) is None:
            continue
        out.append(_build(ctx, name, "rule", obj, None, {}))
    return out


def explicit(ctx) -> list:
    """The checks of ADCHECK_CHECKS."""
    table = getattr(ctx.module, "ADCHECK_CHECKS", None)
    if table is None:
        return []
    if not isinstance(table, dict):
        return [ctx.spec("ADCHECK_CHECKS", "file", problem="ADCHECK_CHECKS must be a dict "
                         "mapping check names to dicts")]
    out = []
    for label, entry in table.items():
        label = str(label)
        try:
            if not isinstance(entry, dict):
                raise _Bad("must be a dict with 'f' and one of 'grad', 'jacobian', 'hvp', 'rule'")
            unknown = sorted(set(entry) - ENTRY_KEYS)
            if unknown:
                raise _Bad(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(ENTRY_KEYS))})")
            kinds = [k for k in KINDS if k in entry]
            f0 = entry.get("f", getattr(ctx.module, label, None))
            if not kinds and callable(f0) and _framework(ctx, f0, entry):
                out += _autograd(ctx, label, f0, entry)
                continue
            if len(kinds) != 1:
                raise _Bad("needs exactly one of 'grad', 'jacobian', 'hvp', 'rule' "
                           "(or only 'f' for torch / jax code)")
            kind = kinds[0]
            f = entry[kind] if kind == "rule" else entry.get("f", getattr(ctx.module, label, None))
            deriv = None if kind == "rule" else entry[kind]
            if not callable(f) or (kind != "rule" and not callable(deriv)):
                raise _Bad(f"'f' and {kind!r} must be functions" if kind != "rule"
                           else "'rule' must be a function made by adcheck.custom_vjp/custom_jvp")
            if kind == "rule" and not (is_custom_function(f) or is_framework_rule(f)):
                raise _Bad("'rule' must be a function made by adcheck.custom_vjp/custom_jvp, "
                           "a torch.autograd.Function or a jax.custom_vjp/custom_jvp")
        except _Bad as exc:
            out.append(ctx.spec(label, "file", problem=f"ADCHECK_CHECKS[{label!r}] {exc}"))
            continue
        try:
            fw = is_framework_rule(f) if kind == "rule" else _framework(ctx, f, entry)
            extra = {"framework": fw, "twin": _twin(ctx, label, entry)} if fw else {}
        except _Bad as exc:
            out.append(ctx.spec(label, kind, problem=f"ADCHECK_CHECKS[{label!r}] {exc}"))
            continue
        out.append(_build(ctx, label, kind, f, deriv, entry, extra))
    return out


def _rule_inputs(f, label):
    """The inputs of a custom rule's primal: adcheck's .fun, jax's .fun, a torch Function's forward."""
    from adcheck.frontends.pyfile import _inputs

    if is_framework_rule(f) == "torch":
        names = _inputs(f.forward, label)      # forward(ctx, *inputs), or forward(*inputs) + setup_context
        return names[1:] if names and names[0] == "ctx" else names
    return _inputs(f.fun, label)


# ----- one check ------------------------------------------------------------------------

def _build(ctx, label: str, kind: str, f, deriv, entry: dict, extra: Optional[dict] = None):
    """The CheckSpec for f (and its derivative), its points resolved; a problem spec if they cannot be."""
    from adcheck.frontends.pyfile import _inputs

    base = dict(f=f, derivative=deriv, extra=dict(extra or {}))
    try:
        if kind == "rule":
            args = tuple(_rule_inputs(f, f"{ctx.file}::{label}"))
        else:
            args = tuple(_inputs(f, f"{ctx.file}::{label}"))
        if kind == "hvp" and len(args) != 1:
            raise _Bad(f"{label} takes {len(args)} inputs; an hvp check needs f(x) of one array")
        points_table = getattr(ctx.module, "ADCHECK_POINTS", None) or {}
        if not isinstance(points_table, dict):
            raise _Bad("ADCHECK_POINTS must be a dict mapping function names to points")
        fname = getattr(f, "__name__", label)
        raw_at = plain_value(entry.get("at", points_table.get(label, points_table.get(fname))))
        dtype = np.dtype(entry["dtype"]) if "dtype" in entry else as_dtype(raw_at)
        dtype = np.dtype(np.float64) if dtype is None else dtype
        if not np.issubdtype(dtype, np.floating):
            raise _Bad(f"dtype must be a float type, got {dtype}")
        at = () if raw_at is None else (_point(raw_at, args, label, ctx.folder, dtype),)
        shapes = tuple(a.shape for a in at[0]) if at else _shapes(entry, args, label)
        box = _box(entry["box"], shapes, label) if "box" in entry else None
        if box is not None and not shapes:
            shapes = (box[0].shape,)
        n_random = _count(entry.get("points", ctx.config.points)) if box is not None else 0
        if not at and (box is None or n_random == 0):
            raise _Bad(NO_POINT.format(label))
        v = None
        if "v" in entry:
            v = _point(plain_value(entry["v"]), args, f"{label} (v)", ctx.folder, dtype)
            if tuple(a.shape for a in v) != shapes:
                raise _Bad(f"'v' has shape {v[0].shape}, x has shape {shapes[0]}")
        tol = {k: _tolerance(entry[k], k) for k in ("rtol", "atol") if k in entry}
        expect = entry.get("expect", "pass")
        return ctx.spec(label, kind, args=args, at=at, shapes=shapes, box=box, n_random=n_random,
                        v=v, dtype=dtype.name, expect=expect, **tol, **base)
    except _Bad as exc:
        return ctx.spec(label, kind, problem=str(exc), **base)
    except AdcheckError as exc:
        return ctx.spec(label, kind, problem=exc.message, problem_code=exc.exit_code, **base)
    except TypeError as exc:   # np.dtype("nonsense") and friends
        return ctx.spec(label, kind, problem=f"{label}: {exc}", **base)


def _point(raw, args, label, folder, dtype) -> tuple:
    from adcheck.frontends.pyfile_points import argument_point

    point = argument_point(raw, args, f"{label}", folder)
    return tuple(point[a].astype(dtype) for a in args)


def _shapes(entry: dict, args: tuple, label: str) -> tuple:
    if "shape" not in entry:
        return ()
    if len(args) != 1:
        raise _Bad(f"'shape' describes f(x) of one array; {label} takes {', '.join(args)}: give 'at'")
    shape = entry["shape"]
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in shape):
        raise _Bad(f"'shape' must be a positive int or a tuple of them, got {entry['shape']!r}")
    return (shape,)


def _box(raw, shapes: tuple, label: str) -> tuple:
    """(lo, hi) flat over the concatenated inputs, from [lo, hi] or one [lo, hi] per coordinate."""
    try:
        arr = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise _Bad(f"'box' must be [lo, hi] or a list of [lo, hi] pairs, got {raw!r}") from None
    n = sum(math.prod(s) for s in shapes) if shapes else None
    if arr.shape == (2,):
        if n is None:
            raise _Bad(f"box [lo, hi] for {label} needs the shape of x: give 'at' or 'shape', "
                       "or one [lo, hi] per coordinate")
        lo, hi = np.full(n, arr[0]), np.full(n, arr[1])
    elif arr.ndim == 2 and arr.shape[1] == 2 and arr.shape[0] > 0:
        if n is not None and arr.shape[0] != n:
            raise _Bad(f"'box' has {arr.shape[0]} [lo, hi] pairs; {label} has {n} input entries")
        lo, hi = arr[:, 0].copy(), arr[:, 1].copy()
    else:
        raise _Bad(f"'box' must be [lo, hi] or a list of [lo, hi] pairs, got {raw!r}")
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)) and np.all(lo < hi)):
        raise _Bad("'box' bounds must be finite with lo < hi")
    return lo, hi


def _count(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _Bad(f"'points' must be a non-negative int, got {value!r}")
    return value


def _tolerance(value, key: str) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise _Bad(f"{key!r} must be a non-negative number, got {value!r}")
    return float(value)
