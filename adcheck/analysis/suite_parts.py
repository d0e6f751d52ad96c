"""Pieces of a check run: functions of several inputs as functions of one vector, and summaries.

:func:`flat_pair` lets ``f(x, y)`` and its derivative be checked as functions
of the concatenated vector z = [x.ravel(), y.ravel()] (the layout of
``adcheck grad file.py::f``).  The derivative may return one gradient per
input (a tuple; for a Jacobian, blocks of m × size columns) or one flat array.
The wrappers carry f's ``__module__``, so adcheck's stand-ins for
``np.asarray``, ``math.*``... are installed in the user's module while AD
traces it (:func:`adcheck.frontends.coerce.wrap`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["flat_pair", "point_dict", "worst_text", "entry_names"]


def flat_pair(spec, point) -> tuple:
    """(f_flat, derivative_flat, z): spec.f and spec.derivative over one flat vector at ``point``."""
    f, d, shapes = spec.f, spec.derivative, spec.shapes
    sizes = [int(np.prod(s)) for s in shapes]
    cuts = np.cumsum([0] + sizes)

    def split(z):
        return [z[a:b].reshape(s) for a, b, s in zip(cuts[:-1], cuts[1:], shapes)]

    def f_flat(z):
        return f(*split(z))

    def d_flat(z):
        out = d(*split(z))
        if not isinstance(out, (tuple, list)) or len(out) != len(shapes):
            return out
        if spec.kind == "grad":
            return np.concatenate([np.asarray(o).reshape(-1) for o in out])
        return np.hstack([np.asarray(o).reshape(-1, n) for o, n in zip(out, sizes)])

    for w, orig in ((f_flat, f), (d_flat, d)):
        w.__module__ = getattr(orig, "__module__", __name__)
        w.__name__ = w.__qualname__ = getattr(orig, "__name__", "f")
    z = np.concatenate([np.asarray(p).reshape(-1) for p in point])
    return f_flat, d_flat, z


def point_dict(spec, point, v) -> dict:
    """The point as JSON (input name -> nested lists), with ``v`` for an hvp check."""
    out = {a: np.asarray(p, dtype=np.float64).tolist() for a, p in zip(spec.args, point)}
    if spec.kind == "hvp" and v is not None:
        out["v"] = np.asarray(v[0], dtype=np.float64).tolist()
    return out


def entry_names(spec) -> list:
    """``x[0]``, ``x[1]``, ``W[0,1]``...: the flat input entries of the check, in order."""
    from adcheck.frontends.pyfile_points import variable_names

    names = []
    for a, s in zip(spec.args, spec.shapes):
        names += variable_names(a, tuple(s))
    return names


def worst_text(spec, result) -> tuple:
    """(verdict, worst entry, tolerance, max abs error, max rel error) of one CheckResult / RuleReport."""
    if hasattr(result, "checks"):
        return _rule_text(spec, result)
    entry = ""
    w = result.worst
    if w is not None:
        names = entry_names(spec)
        if result.kind == "hvp":
            entry = f"Hv[{w.output}]"
        elif result.kind == "hessian":
            row = names[w.output] if 0 <= w.output < len(names) else f"x[{w.output}]"
            col = names[w.input] if 0 <= w.input < len(names) else f"x[{w.input}]"
            entry = f"d2f/d{row}d{col}"
        else:
            col = names[w.input] if 0 <= w.input < len(names) else f"x[{w.input}]"
            entry = col if result.kind == "grad" else f"f[{w.output}] / {col}"
    return _named(result, entry_names(spec)), entry, result.tolerance, result.max_abs_error, result.max_rel_error


def _named(result, names) -> str:
    """The verdict with the input it points at called by its name (w[0], b) instead of x[j] / entry j."""
    text = result.verdict
    kinks = getattr(result, "kinks", ()) or ()
    if kinks and 0 <= kinks[0]["input"] < len(names):
        j = kinks[0]["input"]
        text = text.replace(f"kink along x[{j}]", f"kink along {names[j]}", 1)
    w = result.worst
    if w is not None and result.kind == "grad" and 0 <= w.input < len(names):
        text = text.replace(f"differs at entry {w.input}:", f"differs at {names[w.input]}:", 1)
    return text


def _rule_text(spec, report) -> tuple:
    numbered = [c for c in report.checks if c.max_error is not None and c.allowed]
    worst = max(numbered, key=lambda c: c.max_error / c.allowed, default=None)
    failed = [c for c in report.checks if c.passed is False]
    ran = [c for c in report.checks if c.passed is not None]
    if report.exit_code == 0:
        verdict = f"rule {report.name} passes {len(ran)} sub-checks ({', '.join(c.name for c in ran)})"
    else:
        first = failed[0] if failed else next((c for c in report.checks if c.passed is None), None)
        what = "inconclusive" if report.exit_code == 3 else f"fails {', '.join(c.name for c in failed)}"
        verdict = f"rule {report.name} {what}" + (f": {first.message}" if first else "")
    tol = "FD error × 10 or round-off (rules model)" if worst is None else \
        f"allowed {worst.allowed:.2g} ({worst.name}; FD error × 10 or round-off)"
    return verdict, worst.name if worst else "", tol, worst.max_error if worst else None, None
