"""Run the methods on a Target, judge each against the reference, give a verdict.

Tolerance model (per Jacobian entry, float64):
  AD, complex-step, symbolic:  round-off only,
      tol = max(ROUNDOFF_ULPS · eps · scale, MAGNITUDE_ULPS · eps · M_ij),
      scale = max(|ref_ij|, max_j |ref_ij|, |f_i| / max(|x_j|, 1)),
      M_ij = the sum of the absolute values of the terms the chain rule adds up
      for entry (i, j) (a reverse pass in absolute values): where those terms
      cancel -- d/dx sin(x)/x = cos x/x - sin x/x² near 0 -- every float64
      method is off by about eps·M, however exact its rules;
  finite differences: their own error estimate, tol = max(FD_SAFETY · err_est_ij, AD tol).
A method "agrees" when every entry is within its tolerance of the reference.
The reference is ``symbolic`` when it ran, else reverse mode (confirmed by forward).
"""

from __future__ import annotations

import time
from typing import Iterable, Optional

import numpy as np

from adcheck.analysis.results import Kink, MethodResult, Report, StepReport, StepRow, as_tuple
from adcheck.errors import (AdcheckError, DomainError, InconclusiveError, MethodError,
                            NotApplicableError, UsageError, UserCodeError)
from adcheck.methods.base import AD_METHODS, FD_METHODS, METHODS, Estimate
from adcheck.target import Target

EPS = float(np.finfo(np.float64).eps)
ROUNDOFF_ULPS = 1024.0
MAGNITUDE_ULPS = 64.0
FD_SAFETY = 2.0
KINK_MAX_N = 64  # one-sided checks on at most this many inputs


def run_method(target: Target, name: str) -> Estimate:
    """One method's Jacobian of the target at x0 (raises MethodError / InconclusiveError)."""
    from adcheck.methods import forward, reverse

    x0 = target.x0
    t0 = time.perf_counter()
    if name == "symbolic":
        from adcheck.methods import symbolic

        return symbolic.jacobian(target)
    if name == "forward":
        _, jac = forward.jacobian(target.f, x0)
        return Estimate(name, jac, evaluations=1, seconds=time.perf_counter() - t0)
    if name == "reverse":
        _, jac = reverse.jacobian(target.f, x0)
        return Estimate(name, jac, evaluations=target.m, seconds=time.perf_counter() - t0)
    from adcheck.methods import fd

    if name == "complex-step":
        why = _not_analytic(target)
        if why:
            raise NotApplicableError(f"not applicable: f uses {why}, which {'have' if ', ' in why else 'has'} "
                                     "no complex-analytic evaluation here")
    return fd.jacobian(target.flat_f, x0.reshape(-1), name, f0=target.value.reshape(-1))


def run_each(names, run):
    """``run(name)`` for every method name: (estimates, failures), a method that cannot run
    (MethodError) or has no answer here (InconclusiveError) is kept as a failure."""
    estimates, failures = {}, {}
    with np.errstate(all="ignore"):
        for name in names:
            try:
                estimates[name] = run(name)
            except (MethodError, InconclusiveError) as exc:
                failures[name] = exc
    return estimates, failures


def _not_analytic(target: Target) -> Optional[str]:
    if target.complex_analytic is True:
        return None
    from adcheck.methods.reverse import nonanalytic_ops

    ops = nonanalytic_ops(target.f, target.x0)
    if ops:
        return ", ".join(ops)
    return "an operation without a complex-analytic evaluation" if target.complex_analytic is False else None


def _roundoff_tol(ref: np.ndarray, target: Target) -> np.ndarray:
    fabs = np.abs(target.value.reshape(-1, 1))
    xs = np.maximum(np.abs(target.x0.reshape(1, -1)), 1.0)
    row = np.max(np.abs(ref), axis=1, keepdims=True)
    scale = np.maximum(np.maximum(np.abs(ref), row), fabs / xs)
    tol = ROUNDOFF_ULPS * EPS * np.maximum(scale, np.finfo(float).tiny)
    try:
        from adcheck.methods.reverse import magnitudes

        mags = magnitudes(target.f, target.x0)
        tol = np.maximum(tol, MAGNITUDE_ULPS * EPS * np.where(np.isfinite(mags), mags, 0.0))
    except (AdcheckError, ArithmeticError):
        pass
    return tol


def _judge(est: Estimate, ref: Optional[np.ndarray], base_tol: Optional[np.ndarray],
           is_reference: bool) -> MethodResult:
    jac = est.jacobian
    err_est = None if est.err_est is None or est.method in AD_METHODS + ("symbolic",) else est.err_est
    common = dict(method=est.method, jacobian=as_tuple(jac), seconds=est.seconds,
                  evaluations=est.evaluations,
                  err_est=None if err_est is None else float(np.max(err_est)))
    if ref is None or is_reference:
        return MethodResult(**common, abs_error=0.0 if is_reference else None,
                            rel_error=0.0 if is_reference else None, agrees=True if is_reference else None)
    diff = np.abs(jac - ref)
    tol = base_tol if err_est is None else np.maximum(FD_SAFETY * err_est, base_tol)
    i, j = np.unravel_index(int(np.argmax(diff - tol)), diff.shape)
    ref_scale = float(np.max(np.abs(ref)))
    abs_err = float(np.max(diff))
    rel = abs_err / ref_scale if ref_scale > 0 else (0.0 if abs_err == 0 else float("inf"))
    ok = bool(np.all(diff <= tol)) and bool(np.all(np.isfinite(jac)))
    return MethodResult(**common, abs_error=abs_err, rel_error=rel, tolerance=float(tol[i, j]),
                        agrees=ok, worst=(int(i), int(j)))


def _kinks(target: Target, ref: np.ndarray) -> list[Kink]:
    if target.n > KINK_MAX_N:
        return []
    from adcheck.analysis import kinks

    found = kinks.check_differentiable(target.flat_f, target.x0.reshape(-1),
                                       scale=float(np.max(np.abs(ref))) if ref is not None else None,
                                       rel_slack=kinks.relative_slack(np.asarray(target.value).dtype))
    return [Kink(output=int(k.output), variable=target.variables[int(k.index)], left=float(k.left),
                 right=float(k.right)) for k in found]


def _steps(target: Target, ref: Optional[np.ndarray], limit: int = 4) -> tuple:
    from adcheck.methods import fd_steps

    out = []
    for j in range(min(target.n, limit)):
        exact = None if ref is None else ref[:, j]
        sw = fd_steps.step_sweep(target.flat_f, target.x0.reshape(-1), j, exact=exact)
        rows = []
        for r, h in enumerate(sw.hs):
            get = lambda k: float(sw.values[k][r, 0])
            err = (lambda k: float(sw.abs_error[k][r, 0])) if sw.abs_error is not None else (lambda k: None)
            rows.append(StepRow(float(h), get("fd-forward"), get("fd-central"), get("fd-richardson"),
                                err("fd-forward"), err("fd-central"), err("fd-richardson")))
        best = {k.removeprefix("fd-"): v for k, v in sw.best_h.items()}
        opt = {k.removeprefix("fd-"): v for k, v in sw.optimal_h.items()}
        out.append(StepReport(target.variables[j], tuple(rows), best, opt,
                              exact=None if exact is None else float(exact[0])))
    return tuple(out)


def _cancellation_note(results, ref, base_tol) -> Optional[str]:
    """Say so when AD agrees only because its tolerance accounts for cancelling terms."""
    ad = [r for r in results if r.method in AD_METHODS and r.agrees and r.rel_error]
    if not ad or max(r.rel_error for r in ad) < 1e-10:
        return None
    worst = max(ad, key=lambda r: r.rel_error)
    return (f"the chain-rule terms cancel here: {worst.method} is off by {_fmt(worst.abs_error)} "
            f"({_fmt(worst.rel_error)} relative), within the round-off bound {_fmt(float(np.max(base_tol)))} "
            "that evaluating those terms in float64 allows (only symbolic and FD see past it)")


def _fmt(x: float) -> str:
    return f"{x:.2g}"


def analyse(target: Target, methods: Optional[Iterable[str]] = None, *, steps: bool = False,
            command: str = "grad", memory: bool = False) -> Report:
    """Differentiate ``target`` every requested way and judge the results."""
    names = list(METHODS if not methods else methods)
    unknown = [m for m in names if m not in METHODS]
    if unknown:
        raise UsageError(f"unknown method {unknown[0]!r}; choose from {', '.join(METHODS)}")
    names = [m for m in METHODS if m in names]  # display order
    value = _checked_value(target)

    stand_ins = _stand_ins()
    stand_ins.reset()
    estimates, failures = run_each(names, lambda name: run_method(target, name))
    ref_name, ref = _reference(estimates)
    notes = []
    if stand_ins.used():
        notes.append("f leaves NumPy's dispatch (" + ", ".join(stand_ins.used()) + "); adcheck traced "
                     "it through its stand-ins for these calls")
    derivative_text = digits = None
    if "symbolic" in estimates:
        det = estimates["symbolic"].detail
        if target.m == 1:
            derivative_text = tuple(det["derivative"][0])
            digits = tuple(det["digits"][0])
    if "symbolic" in failures and isinstance(failures["symbolic"], DomainError):
        return _undefined_derivative(target, command, names, estimates, failures, value,
                                     str(failures["symbolic"]))
    base_tol = None if ref is None else _roundoff_tol(ref, target)
    results = []
    for name in names:
        if name in failures:
            results.append(MethodResult(method=name, error=str(failures[name])))
        else:
            results.append(_judge(estimates[name], ref, base_tol, name == ref_name))
    common = dict(command=command, target=target.text or target.name, variables=tuple(target.variables),
                  point=target.point_dict(), value=value, shape=(target.m, target.n), reference=ref_name,
                  methods=tuple(results), derivative_text=derivative_text, reference_digits=digits,
                  expression=target.name if target.origin == "expression" else None)
    notes.extend(target.notes)
    if memory:
        common["extra"] = {"memory": _memory(target)}
        m = common["extra"]["memory"]
        notes.append(f"reverse-mode tape: {m['tape_values']} stored values ({m['tape_bytes']} bytes); "
                     f"peak with checkpoint recomputation {m['peak_values']} values ({m['peak_bytes']} bytes)")
    if ref is None:
        return Report(**common, verdict="inconclusive: no method could differentiate f here",
                      passed=False, exit_code=3, notes=tuple(notes))
    if not np.all(np.isfinite(ref)):
        return Report(**common, verdict="inconclusive: the derivative is not finite at this point",
                      passed=False, exit_code=3)
    with np.errstate(all="ignore"):
        kinks = _kinks(target, ref)
        sweep = _steps(target, ref) if steps else ()
    if kinks:
        common["methods"] = tuple(MethodResult(**{**r.__dict__, "agrees": None, "tolerance": None})
                                  for r in results)
        k = kinks[0]
        kink_text = (f"not differentiable at this point: along {k.variable} the left derivative is "
                     f"{k.left:.6g} and the right derivative {k.right:.6g}")
        return Report(**common, verdict=kink_text, passed=False, exit_code=3, kinks=tuple(kinks), steps=sweep)
    cancel = _cancellation_note(results, ref, base_tol)
    if cancel:
        notes.append(cancel)
    verdict_text, code = verdict(results, ref_name)
    return Report(**common, verdict=verdict_text, passed=code == 0, exit_code=code, steps=sweep,
                  notes=tuple(notes))


def _checked_value(target: Target):
    try:
        with np.errstate(all="ignore"):
            y = np.asarray(target.value, dtype=np.float64)
    except AdcheckError:
        raise
    except (TypeError, ValueError) as exc:
        raise UserCodeError(f"f could not be evaluated at the point: {exc}") from None
    if not np.all(np.isfinite(y)):
        bad = "NaN" if np.any(np.isnan(y)) else "infinite"
        raise DomainError(f"f is {bad} at the point {_point_text(target)}: outside its domain")
    return float(y.reshape(-1)[0]) if y.ndim == 0 else as_tuple(y)


def _point_text(target: Target) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in target.point_dict().items())


def _memory(target: Target) -> dict:
    from adcheck.methods.checkpoint import tape_memory

    try:
        with np.errstate(all="ignore"):
            return tape_memory(target.f, target.x0)
    except (MethodError, InconclusiveError) as exc:
        return {"error": str(exc)}


def _stand_ins():
    """frontends.coerce (which records the coercing calls a traced f made)."""
    from adcheck.frontends import coerce

    return coerce


def _reference(estimates):
    if "symbolic" in estimates:
        return "symbolic", estimates["symbolic"].jacobian
    for name in ("reverse", "forward", "complex-step", "fd-richardson", "fd-central"):
        if name in estimates:
            return name, estimates[name].jacobian
    return None, None


def _undefined_derivative(target, command, names, estimates, failures, value, why):
    results = tuple(MethodResult(method=n, error=str(failures[n])) if n in failures
                    else MethodResult(method=n, jacobian=as_tuple(estimates[n].jacobian),
                                      seconds=estimates[n].seconds, evaluations=estimates[n].evaluations)
                    for n in names)
    return Report(command=command, target=target.text or target.name, variables=tuple(target.variables),
                  point=target.point_dict(), value=value, shape=(target.m, target.n), reference=None,
                  methods=results, verdict=f"inconclusive: {why}", passed=False, exit_code=3)


def verdict(results, ref_name, ad_methods=AD_METHODS + ("complex-step",), fd_methods=FD_METHODS):
    """The one-line verdict and its exit code from judged MethodResults (shared with second.py)."""
    judged = [r for r in results if r.agrees is not None and r.method != ref_name]
    ran = [r for r in results if r.error is None]
    bad = [r for r in judged if not r.agrees]
    if not bad:
        if len(ran) < 2:
            return "inconclusive: only one method could run, nothing to compare", 3
        worst_ad = max((r.rel_error for r in judged if r.method in ad_methods), default=None)
        parts = [f"all {len(ran)} methods agree with {ref_name}"]
        if worst_ad is not None:
            parts.append(f"AD to {_fmt(worst_ad)} relative" if worst_ad < 1e-10
                         else "AD within its round-off bound (the chain-rule terms cancel here)")
        fd_errs = [f"{r.method} {_fmt(r.rel_error)}" for r in judged if r.method in fd_methods]
        if fd_errs:
            parts.append("FD within their error estimates (" + ", ".join(fd_errs) + ")")
        return "; ".join(parts), 0
    good = [r.method for r in judged if r.agrees]
    worst = max(bad, key=lambda r: r.abs_error / max(r.tolerance, 1e-300))
    names = ", ".join(r.method for r in bad)
    agree = " and ".join([ref_name] + good[:3]) if good else ref_name
    verb = "differs" if len(bad) == 1 else "differ"
    return (f"{names} {verb} beyond tolerance (worst: {worst.method}, off by {_fmt(worst.abs_error)}, "
            f"allowed {_fmt(worst.tolerance)}); {agree} agree"), 1
