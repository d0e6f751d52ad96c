"""Higher derivatives for ``adcheck grad TARGET --order k`` (k = 2, or 3 for one input).

For a scalar f, the k-th derivative is the Jacobian of D_{k-1}, the (k−1)-th
derivative (D_1 = ∇f; for k = 3 and n = 1, D_2 = f'').  Each method computes it
on its own:

    symbolic                     sympy differentiates f k times, values at 50 digits;
    nested forward               forward mode over forward mode (over forward mode):
                                 ``forward-over-forward`` (k = 2),
                                 ``forward-over-forward-over-forward`` (k = 3);
    forward over reverse         a JVP of the reverse gradient (k = 2: ``forward-over-reverse``),
                                 once more forward for k = 3 (``forward-over-forward-over-reverse``);
    fd                           Richardson finite differences of D_{k-1} computed by AD
                                 (the reverse gradient for k = 2, forward-over-reverse f''
                                 for k = 3), with their own error estimate.

k = 2 is the Hessian (n×n); k = 3 needs n = 1 (a UsageError otherwise).  The
reference is ``symbolic`` when it ran, else nested forward.  Tolerances are those
of :mod:`adcheck.analysis.compare` applied to D_{k-1} as the function being
differentiated (as :mod:`adcheck.analysis.second` does for the Hessian): AD
methods to round-off, fd within FD_SAFETY times its own error estimate.

JSON: a :class:`KeyedReport` whose methods carry ``"derivative"`` (the n×n
Hessian, or a number for k = 3) and ``"order": k`` at the top level.
"""

from __future__ import annotations

import time
from typing import Callable, Iterable, Optional

import numpy as np

from adcheck.analysis.compare import _checked_value, _judge, _roundoff_tol, run_each
from adcheck.analysis.compare import verdict as shared_verdict
from adcheck.analysis.results import Kink, KeyedReport, MethodResult, Report
from adcheck.analysis.second import (_gradient, _kinks, _plain_result, _require_scalar, _symmetry,
                                     _tolerance, _undefined)
from adcheck.analysis.second_methods import _exact, derivative_texts
from adcheck.analysis.second_methods import run_method as run_second
from adcheck.errors import DomainError, UsageError
from adcheck.methods.base import Estimate
from adcheck.target import Target

MAX_ORDER = 3
FD_SCHEME = "fd-richardson"

# Per order: (symbolic, nested forward, forward over reverse, fd) in display order.
_NAMES = {
    2: ("symbolic", "forward-over-forward", "forward-over-reverse", "fd"),
    3: ("symbolic", "forward-over-forward-over-forward", "forward-over-forward-over-reverse", "fd"),
}
# Names accepted for each role (besides the order's own names); grad's --method names map here.
_ALIASES = {
    "nested-forward": 1, "forward": 1,
    "forward-over-reverse": 2, "reverse": 2,
    "fd-richardson": 3, "fd-central": 3, "fd-forward": 3,
}


def order_methods(order: int) -> tuple:
    """The method names for the k-th derivative, in display order."""
    _check_order(order)
    return _NAMES[order]


def ad_methods(order: int) -> tuple:
    """The AD methods of order k (judged to round-off)."""
    return order_methods(order)[1:3]


def check_methods(methods: Optional[Iterable[str]], order: int) -> list:
    """The requested methods of order k in display order (all when none are named)."""
    names = order_methods(order)
    if not methods:
        return list(names)
    chosen = set()
    for m in methods:
        if m in names:
            chosen.add(m)
        elif m in _ALIASES:
            chosen.add(names[_ALIASES[m]])
        else:
            raise UsageError(f"unknown method {m!r} for derivatives of order {order}",
                             hint="choose from " + ", ".join(names)
                             + " (or forward, reverse, fd-richardson)")
    return [m for m in names if m in chosen]


def _check_order(order) -> None:
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)):
        raise UsageError(f"--order must be an integer, not {order!r}")
    if order < 1 or order > MAX_ORDER:
        raise UsageError(f"--order {order} is not supported", hint=f"use an order from 1 to {MAX_ORDER}")


# ---- the (k−1)-th derivative as a function -------------------------------------------------

def _user_f(target: Target):
    from adcheck.derivatives import _user

    return _user(target.f)


def _jvp_all(fn: Callable, shape: tuple) -> Callable:
    """z -> the Jacobian of fn at z by one forward pass (traceable, so it nests), flat (m·n,).

    Entry order: row i of the Jacobian of a flat fn is the derivative along x_i; for the
    symmetric derivatives used here (∇f, the Hessian) the order does not matter.
    """
    from adcheck.methods import forward

    n = int(np.prod(shape)) if shape else 1

    def d(z):
        seeds = np.eye(n).reshape((n,) + tuple(shape))
        return np.reshape(forward.jvp_batch(fn, z, seeds)[1], (-1,))
    return d


def _grad_traceable(target: Target) -> Callable:
    from adcheck.derivatives import _grad_fn

    g = _grad_fn(_user_f(target))
    return lambda z: np.reshape(g(z), (-1,))


def derivative_fn(target: Target, level: int, base: str) -> Callable:
    """D_level (flat, traceable): level times forward mode over f (base "forward"), or
    forward mode over the reverse gradient (base "reverse": D_1 = ∇f by reverse mode)."""
    shape = target.x0.shape
    if base == "reverse":
        fn, done = _grad_traceable(target), 1
    else:
        fn, done = _user_f(target), 0
    for _ in range(level - done):
        fn = _jvp_all(fn, shape)
    return fn


def _plain(fn: Callable, shape: tuple) -> Callable:
    """flat x -> fn(x) as a flat float array (what fd differentiates)."""
    from adcheck.methods.dispatch import concrete

    return lambda z: np.asarray(concrete(fn(np.reshape(z, shape))), dtype=float).reshape(-1)


# ---- the methods ------------------------------------------------------------------------

def run_method(target: Target, order: int, name: str, prev0: np.ndarray) -> Estimate:
    """One method's k-th derivative as a matrix: the n×n Hessian (k = 2), 1×1 for k = 3.

    prev0: D_{k-1} at the point by AD (flat), fd's f0.
    """
    names = order_methods(order)
    if order == 2 and name != "fd":
        return run_second(target, name, None, prev0)  # symbolic / forward-over-forward / -reverse
    x0 = target.x0
    t0 = time.perf_counter()
    if name == "symbolic":
        return _symbolic(target, order)
    if name == "fd":
        from adcheck.methods import fd

        fn = _plain(derivative_fn(target, order - 1, "reverse"), x0.shape)
        est = fd.jacobian(fn, x0.reshape(-1), FD_SCHEME, f0=prev0)
        return Estimate("fd", est.jacobian, err_est=est.err_est, evaluations=est.evaluations,
                        seconds=time.perf_counter() - t0, step=est.step)
    from adcheck.methods import forward
    from adcheck.methods.dispatch import concrete

    base = "forward" if name == names[1] else "reverse"
    prev = derivative_fn(target, order - 1, base)
    _, jac = forward.jacobian(prev, x0)
    jac = np.asarray(concrete(jac), dtype=float)
    return Estimate(name, jac, evaluations=1, seconds=time.perf_counter() - t0)


def _symbolic(target: Target, order: int) -> Estimate:
    """d^k f/dx^k by sympy (n = 1), evaluated at DIGITS digits."""
    import sympy

    from adcheck.methods import symbolic as sym

    t0 = time.perf_counter()
    form = sym.exact_form(target)
    expr = form.exprs[0]
    expr = expr if isinstance(expr, sympy.Basic) else sym.to_sympy_number(expr)
    (s,) = form.symbols
    subs = {s: sympy.Float(float(target.x0.reshape(-1)[0]), sym.DIGITS + 20)}
    d = sympy.diff(expr, s, order)
    value = _exact(d, subs, _what(target, order))
    return Estimate("symbolic", np.array([[value]]), evaluations=1, seconds=time.perf_counter() - t0,
                    detail={"derivative": [[str(d)]]})


def _what(target: Target, order: int) -> str:
    name = target.variables[0]
    return f"d{_sup(order)}f/d{name}{_sup(order)}"


def _sup(k: int) -> str:
    return {2: "²", 3: "³"}.get(k, f"^{k}")


# ---- the analysis -----------------------------------------------------------------------

def analyse_order(target: Target, order: int, methods: Optional[Iterable[str]] = None) -> Report:
    """The ``order``-th derivative of a scalar f by every requested method, judged.

    order 1 is :func:`compare.analyse` (with ``"order": 1``); order 2 the Hessian;
    order 3 needs one input.  Raises UsageError for anything else.
    """
    _check_order(order)
    if order == 1:
        from adcheck.analysis.compare import analyse

        report = analyse(target, methods)
        return _with_extra(report, {"order": 1})
    _require_scalar(target, f"--order {order}")
    if order >= 3 and target.n != 1:
        raise UsageError(f"--order {order} needs a function of one variable, but f has {target.n} "
                         f"inputs ({', '.join(target.variables[:6])}{', …' if target.n > 6 else ''})",
                         hint="use --order 2 for the Hessian of a function of several variables")
    names = check_methods(methods, order)
    value = float(np.reshape(_checked_value(target), -1)[0])
    g0 = _gradient(target)
    with np.errstate(all="ignore"):
        prev0 = g0 if order == 2 else _previous(target, order)
    estimates, failures = run_each(names, lambda name: run_method(target, order, name, prev0))
    all_names = order_methods(order)
    ref_name = next((n for n in (all_names[0], all_names[1], all_names[2], "fd") if n in estimates), None)
    ref = None if ref_name is None else estimates[ref_name].jacobian
    notes = list(target.notes)
    method_extra = {n: {"derivative": float(e.jacobian[0, 0])} for n, e in estimates.items()} \
        if order >= 3 else {}
    common = dict(command="grad", target=target.text or target.name,
                  variables=tuple(target.variables), point=target.point_dict(), value=value,
                  shape=(1, target.n), reference=ref_name, payload="derivative",
                  expression=target.name if target.origin == "expression" else None,
                  derivative_text=_texts(estimates.get("symbolic"), order),
                  extra={"order": order})
    plain = tuple(_plain_result(n, estimates, failures) for n in names)
    sizes = [np.max(np.abs(e.jacobian)) for e in estimates.values() if np.all(np.isfinite(e.jacobian))]
    with np.errstate(all="ignore"):
        kinks, what = _order_kinks(target, order, g0, prev0, max(sizes, default=0.0))
    if kinks:
        k = kinks[0]
        verdict = (f"inconclusive: {what} is not differentiable at this point: along {k.variable} "
                   f"the left derivative is {k.left:.6g} and the right derivative {k.right:.6g}")
        kind = "f" if what == "f" else ("gradient" if what.startswith("the gradient") else
                                        f"derivative of order {order - 1}")
        common["extra"] = {**common["extra"], "kinks_of": kind}
        return KeyedReport(**common, methods=plain, method_extra=method_extra, verdict=verdict,
                           passed=False, exit_code=3, kinks=tuple(kinks), notes=tuple(notes))
    why = _undefined(failures, ref)
    if why:
        why = why.replace("second derivatives", f"derivatives of order {order}")
        return KeyedReport(**common, methods=plain, method_extra=method_extra,
                           verdict=f"inconclusive: {why}", passed=False, exit_code=3, notes=tuple(notes))
    tol = order_tolerance(target, order, ref, g0, prev0)
    results = tuple(MethodResult(method=n, error=str(failures[n])) if n in failures
                    else _judge(estimates[n], ref, tol, n == ref_name) for n in names)
    if order == 2:
        method_extra = _symmetry(estimates, tol, notes)
    verdict, code = shared_verdict(results, ref_name, ad_methods(order), ("fd",))
    return KeyedReport(**common, methods=results, method_extra=method_extra, verdict=verdict,
                       passed=code == 0, exit_code=code, notes=tuple(notes))


def _with_extra(report: Report, extra: dict) -> Report:
    from dataclasses import replace

    return replace(report, extra={**report.extra, **extra})


def _texts(est: Optional[Estimate], order: int) -> Optional[tuple]:
    texts = derivative_texts(est)
    if texts is None or order == 2:
        return texts
    return (texts[0][0],)


def _previous(target: Target, order: int) -> np.ndarray:
    """D_{k-1} at the point by forward-over-reverse (flat); DomainError if not finite."""
    prev0 = _plain(derivative_fn(target, order - 1, "reverse"), target.x0.shape)(target.x0.reshape(-1))
    if not np.all(np.isfinite(prev0)):
        raise DomainError(f"the derivative of order {order - 1} of f is not finite at this point: "
                          f"no derivatives of order {order} here")
    return prev0


def order_tolerance(target: Target, order: int, ref: np.ndarray, g0: np.ndarray,
                    prev0: np.ndarray) -> np.ndarray:
    """compare's round-off tolerance with D_{k-1} as the function differentiated."""
    if order == 2:
        return _tolerance(target, ref, None, g0)
    prev = derivative_fn(target, order - 1, "reverse")
    dt = Target(f=prev, x0=target.x0, variables=target.variables, name=f"D{order - 1} f")
    dt._y0 = prev0
    with np.errstate(all="ignore"):
        return _roundoff_tol(ref, dt)


def _order_kinks(target: Target, order: int, g0: np.ndarray, prev0: np.ndarray, scale: float):
    """(kinks, what has them): f's, the gradient's (second._kinks), then D_2's for k = 3."""
    found, what = _kinks(target, g0, scale, None)
    if found or order < 3:
        return found, what
    from adcheck.analysis import kinks

    fn = _plain(derivative_fn(target, order - 1, "reverse"), target.x0.shape)
    more = kinks.check_differentiable(fn, target.x0.reshape(-1), scale=float(scale))
    out = [Kink(k.output, target.variables[k.index], k.left, k.right) for k in more]
    return out, (f"the derivative of order {order - 1}" if out else "")
