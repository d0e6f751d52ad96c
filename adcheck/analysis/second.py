"""Beyond the gradient: the ``jacobian`` report's mode recommendation, HVPs and Hessians.

For a scalar f with gradient g = ∇f and Hessian H = ∂g/∂x, each method of
:mod:`adcheck.analysis.second_methods` (symbolic, forward-over-reverse,
reverse-over-reverse, forward-over-forward, fd) computes H·v (``adcheck hvp``)
or H (``adcheck hessian``) on its own.

The reference is ``symbolic`` when it ran, else forward-over-reverse.
Tolerances are those of :mod:`adcheck.analysis.compare`, applied to g as the
function being differentiated: H is the Jacobian of g at x, and H·v the
Jacobian of t -> g(x + t v) at t = 0.  AD methods are judged to round-off
(ROUNDOFF_ULPS·eps of the entry's scale, MAGNITUDE_ULPS·eps of the summed
terms' size; for H·v at least ROUNDOFF_ULPS·eps·max|H·v|, as its entries are
separate outputs of g); fd within FD_SAFETY times its own error estimate.
Where f or g has a kink at the point, second derivatives do not exist: exit 3.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Iterable, Optional

import numpy as np

from adcheck.analysis.compare import run_each
from adcheck.analysis.compare import verdict as shared_verdict
from adcheck.analysis.compare import (EPS, KINK_MAX_N, ROUNDOFF_ULPS, _checked_value, _judge,
                                      _roundoff_tol, analyse)
from adcheck.analysis.results import Kink, KeyedReport, MethodResult, Report, as_tuple
from adcheck.analysis.second_methods import (AD2_METHODS, SECOND_METHODS, derivative_texts,
                                             grad_flat, run_method)
from adcheck.errors import AdcheckError, DomainError, UsageError
from adcheck.target import Target


# ---- jacobian: compare's analysis plus the mode recommendation ------------------------------

def analyse_jacobian(target: Target, methods: Optional[Iterable[str]] = None) -> KeyedReport:
    """``compare.analyse`` for the jacobian command, with ``"recommendation"`` when available."""
    report = analyse(target, methods, command="jacobian")
    extra = dict(report.extra)
    rec = recommendation(target)
    if rec is not None:
        extra["recommendation"] = rec
    return _keyed(report, "jacobian", extra=extra)


def recommendation(target: Target) -> Optional[dict]:
    """``{"mode", "reason", ...}`` from adcheck.analysis.modes.recommend, or None if there is none."""
    try:
        from adcheck.analysis import modes
    except ImportError:
        return None
    recommend = getattr(modes, "recommend", None)
    if recommend is None:
        return None
    try:
        rec = recommend(target)
    except AdcheckError:  # the recommendation is an extra: the Jacobian check stands without it
        return None
    mode, reason = getattr(rec, "mode", None), getattr(rec, "reason", None)
    if mode is None:
        return None
    out = {"mode": str(mode), "reason": "" if reason is None else str(reason)}
    to_dict = getattr(rec, "to_dict", None)
    more = to_dict() if callable(to_dict) else getattr(rec, "__dict__", {})
    out.update({k: v for k, v in dict(more).items() if k not in out and not k.startswith("_")})
    return out


def _keyed(report: Report, payload: str, **changes) -> KeyedReport:
    values = {f.name: getattr(report, f.name) for f in fields(Report)}
    values.update(changes)
    return KeyedReport(**values, payload=payload)


# ---- hvp and hessian ---------------------------------------------------------------------

def check_methods(methods: Optional[Iterable[str]]) -> list:
    """The requested second-order methods in display order (all when none are named)."""
    names = list(methods or SECOND_METHODS)
    unknown = [m for m in names if m not in SECOND_METHODS]
    if unknown:
        raise UsageError(f"unknown method {unknown[0]!r} for second derivatives",
                         hint="choose from " + ", ".join(SECOND_METHODS))
    return [m for m in SECOND_METHODS if m in names]


def analyse_hvp(target: Target, v, methods: Optional[Iterable[str]] = None) -> KeyedReport:
    """H·v at the target's point by every requested method, judged against the reference.

    ``v``: ``--v`` text (or a sequence), n values in the order of the variables.
    """
    from adcheck.frontends.points import parse_vector

    _require_scalar(target, "hvp")
    vec = parse_vector(v, target.n)
    return _analyse(target, check_methods(methods), vec)


def analyse_hessian(target: Target, methods: Optional[Iterable[str]] = None) -> KeyedReport:
    """The full n×n Hessian by every requested method, with a symmetry check."""
    _require_scalar(target, "hessian")
    return _analyse(target, check_methods(methods), None)


def _require_scalar(target: Target, command: str) -> None:
    if target.m != 1:
        raise UsageError(f"{command} needs a scalar f, but f has {target.m} outputs "
                         f"(shape {tuple(target.out_shape)})",
                         hint="use adcheck jacobian for a vector-valued f")


def _analyse(target: Target, names: list, v: Optional[np.ndarray]) -> KeyedReport:
    command = "hessian" if v is None else "hvp"
    value = float(np.reshape(_checked_value(target), -1)[0])
    g0 = _gradient(target)
    estimates, failures = run_each(names, lambda name: run_method(target, name, v, g0))
    ref_name = next((n for n in ("symbolic",) + AD2_METHODS + ("fd",) if n in estimates), None)
    ref = None if ref_name is None else estimates[ref_name].jacobian
    notes = list(target.notes)
    common = dict(command=command, target=target.text or target.name,
                  variables=tuple(target.variables), point=target.point_dict(), value=value,
                  shape=(1, target.n), reference=ref_name, payload=command,
                  expression=target.name if target.origin == "expression" else None,
                  derivative_text=derivative_texts(estimates.get("symbolic")),
                  extra={} if v is None else {"v": [float(t) for t in v]})
    plain = tuple(_plain_result(n, estimates, failures) for n in names)
    sizes = [np.max(np.abs(e.jacobian)) for e in estimates.values() if np.all(np.isfinite(e.jacobian))]
    with np.errstate(all="ignore"):
        kinks, what = _kinks(target, g0, max(sizes, default=0.0), v)
    if kinks:
        k = kinks[0]
        verdict = (f"inconclusive: {what} is not differentiable at this point: along {k.variable} "
                   f"the left derivative is {k.left:.6g} and the right derivative {k.right:.6g}")
        common["extra"] = {**common["extra"], "kinks_of": "f" if what == "f" else "gradient"}
        return KeyedReport(**common, methods=plain, verdict=verdict, passed=False, exit_code=3,
                           kinks=tuple(kinks), notes=tuple(notes))
    why = _undefined(failures, ref)
    if why:
        return KeyedReport(**common, methods=plain, verdict=f"inconclusive: {why}", passed=False,
                           exit_code=3, notes=tuple(notes))
    tol = _tolerance(target, ref, v, g0)
    results = tuple(MethodResult(method=n, error=str(failures[n])) if n in failures
                    else _judge(estimates[n], ref, tol, n == ref_name) for n in names)
    symmetry = {} if v is not None else _symmetry(estimates, tol, notes)
    verdict, code = shared_verdict(results, ref_name, AD2_METHODS, ("fd",))
    return KeyedReport(**common, methods=results, method_extra=symmetry, verdict=verdict,
                       passed=code == 0, exit_code=code, notes=tuple(notes))


def _gradient(target: Target) -> np.ndarray:
    """∇f at the point by reverse mode (the function fd differentiates); DomainError if not finite."""
    with np.errstate(all="ignore"):
        g0 = grad_flat(target)(target.x0.reshape(-1))
    if not np.all(np.isfinite(g0)):
        raise DomainError("the gradient of f is not finite at this point: no second derivatives here")
    return g0


def _undefined(failures: dict, ref: Optional[np.ndarray]) -> Optional[str]:
    """Why there is nothing to judge against, or None."""
    if isinstance(failures.get("symbolic"), DomainError):
        return str(failures["symbolic"])
    if ref is None:
        return "no method could compute the second derivatives here"
    if not np.all(np.isfinite(ref)):
        return "the second derivatives are not finite at this point"
    return None


def _plain_result(name, estimates, failures) -> MethodResult:
    if name in failures:
        return MethodResult(method=name, error=str(failures[name]))
    est = estimates[name]
    return MethodResult(method=name, jacobian=as_tuple(est.jacobian), seconds=est.seconds,
                        evaluations=est.evaluations)


# ---- tolerances, symmetry, kinks, verdict --------------------------------------------------

def _grad_target(target: Target, v: Optional[np.ndarray], g0: np.ndarray) -> Target:
    """g (Hessian) or t -> g(x + t v) (H·v) as a Target, so compare's round-off model applies."""
    from adcheck.derivatives import _grad_fn

    g, x0 = _grad_fn(target.f), target.x0
    if v is None:
        gt = Target(f=lambda z: np.reshape(g(z), -1), x0=x0, variables=target.variables, name="grad f")
    else:
        direction = v.reshape(x0.shape)
        gt = Target(f=lambda t: np.reshape(g(x0 + t[0] * direction), -1), x0=np.zeros(1),
                    variables=["t"], name="grad f along v")
    gt._y0 = g0
    return gt


def _tolerance(target: Target, ref: np.ndarray, v: Optional[np.ndarray], g0: np.ndarray) -> np.ndarray:
    gt = _grad_target(target, v, g0)
    with np.errstate(all="ignore"):
        if v is None:
            return _roundoff_tol(ref, gt)
        tol = _roundoff_tol(ref.reshape(-1, 1), gt).reshape(ref.shape)
    return np.maximum(tol, ROUNDOFF_ULPS * EPS * float(np.max(np.abs(ref))))


def _symmetry(estimates: dict, tol: np.ndarray, notes: list) -> dict:
    """Per method {"asymmetry": max |H − Hᵀ|}; a note when an AD Hessian is beyond round-off."""
    out = {}
    for name, est in estimates.items():
        gap = np.abs(est.jacobian - est.jacobian.T)
        out[name] = {"asymmetry": float(np.max(gap))}
        if name in AD2_METHODS and np.any(gap > tol + tol.T):
            notes.append(f"{name}'s Hessian is not symmetric: max |H − Hᵀ| = {np.max(gap):.2g}, "
                         "beyond round-off")
    return out


def _kinks(target: Target, g0: np.ndarray, scale: float, v: Optional[np.ndarray]):
    """(kinks, what has them): f's own kinks first, then those of its gradient."""
    from adcheck.analysis import kinks

    names = list(target.variables)
    if target.n <= KINK_MAX_N:
        found = kinks.check_differentiable(target.flat_f, target.x0.reshape(-1),
                                           scale=float(np.max(np.abs(g0))))
        if found:
            return [Kink(0, names[k.index], k.left, k.right) for k in found], "f"

    gflat = grad_flat(target)
    if v is not None:
        found = kinks.check_directional_kink(gflat, target.x0.reshape(-1), v, scale=float(scale))
    elif target.n <= KINK_MAX_N:
        found = kinks.check_differentiable(gflat, target.x0.reshape(-1), scale=float(scale))
    else:
        found = []
    out = [Kink(k.output, "v" if k.index is None else names[k.index], k.left, k.right) for k in found]
    return out, (f"the gradient component ∂f/∂{names[found[0].output]}" if found else "")


