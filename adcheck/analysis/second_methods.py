"""The five ways ``adcheck hvp`` / ``hessian`` compute H·v or H for a scalar f (g = ∇f):

    symbolic               sympy differentiates f twice, values at 50 digits
                           (H·v as ∂/∂x_i Σ_j v_j ∂f/∂x_j, v exact); Python files
                           only up to SYMBOLIC_MAX_N inputs;
    forward-over-reverse   a JVP of the reverse-mode gradient (the Hessian in one
                           pass with n tangents);
    reverse-over-reverse   the gradient of ⟨g(x), v⟩ (the Hessian: n of them);
    forward-over-forward   a JVP of the forward-mode gradient (likewise);
    fd                     central differences of the reverse gradient, along v or
                           column by column, with their own error estimate.

Each returns an :class:`~adcheck.methods.base.Estimate` whose ``jacobian`` is
H·v as a 1×n row, or H (n×n).
"""

from __future__ import annotations

import time
from typing import Optional

import numpy as np

from adcheck.errors import DomainError, NotApplicableError
from adcheck.methods.base import Estimate
from adcheck.target import Target

SECOND_METHODS = ("symbolic", "forward-over-reverse", "reverse-over-reverse",
                  "forward-over-forward", "fd")
AD2_METHODS = SECOND_METHODS[1:4]
SYMBOLIC_MAX_N = 30  # a Python file is lifted to sympy for second derivatives up to this many inputs


def grad_flat(target: Target):
    """flat x -> ∇f(x) flat, by reverse mode on plain arrays (what fd differentiates)."""
    from adcheck import derivatives

    shape = target.x0.shape

    def g(z):
        return np.asarray(derivatives.grad(target.f, np.reshape(z, shape)), dtype=float).reshape(-1)
    return g


def run_method(target: Target, name: str, v: Optional[np.ndarray], g0: np.ndarray) -> Estimate:
    """One method's H·v (as a 1×n row) or H (n×n)."""
    if name == "symbolic":
        return _symbolic(target, v)
    from adcheck import derivatives
    from adcheck.methods import fd

    x0, n = target.x0, target.n
    t0 = time.perf_counter()
    if name == "fd":
        gflat = grad_flat(target)
        if v is None:
            est = fd.jacobian(gflat, x0.reshape(-1), "fd-central", f0=g0)
            return Estimate("fd", est.jacobian, err_est=est.err_est, evaluations=est.evaluations,
                            seconds=time.perf_counter() - t0)
        val, err, calls = fd.directional(gflat, x0.reshape(-1), v, "fd-central", f0=g0)
        return Estimate("fd", np.reshape(val, (1, n)), err_est=np.reshape(err, (1, n)),
                        evaluations=calls, seconds=time.perf_counter() - t0)
    if v is None:
        out = np.asarray(derivatives.hessian(target.f, x0, name), dtype=float).reshape(n, n)
        passes = 1 if name == "forward-over-reverse" else n
    else:
        out = np.asarray(derivatives.hvp(target.f, x0, v.reshape(x0.shape), name), dtype=float)
        out, passes = out.reshape(1, n), 1
    return Estimate(name, out, evaluations=passes, seconds=time.perf_counter() - t0)


def _symbolic(target: Target, v: Optional[np.ndarray]) -> Estimate:
    """Second derivatives by sympy, evaluated at DIGITS digits (upper triangle, mirrored)."""
    import sympy

    from adcheck.methods import symbolic as sym

    if target.sympy_form is None and target.n > SYMBOLIC_MAX_N:
        raise NotApplicableError(f"skipped: {target.n} inputs (symbolic second derivatives of a "
                                 f"Python file are taken up to {SYMBOLIC_MAX_N} inputs)")
    t0 = time.perf_counter()
    form = sym.exact_form(target)
    expr = form.exprs[0]
    expr = expr if isinstance(expr, sympy.Basic) else sym.to_sympy_number(expr)
    syms, names, n = form.symbols, target.variables, target.n
    subs = {s: sympy.Float(float(x), sym.DIGITS + 20) for s, x in zip(syms, target.x0.reshape(-1))}
    first = [sympy.diff(expr, s) for s in syms]
    if v is not None:
        along = sum((sym.to_sympy_number(vj) * d for vj, d in zip(v, first) if vj != 0),
                    sympy.Integer(0))
        row = [_exact(sympy.diff(along, s), subs, f"(H·v) for {names[i]}") for i, s in enumerate(syms)]
        return Estimate("symbolic", np.array([row]), evaluations=1, seconds=time.perf_counter() - t0)
    hess, texts = np.empty((n, n)), [[""] * n for _ in range(n)]
    for i in range(n):
        for j in range(i, n):
            d = sympy.diff(first[i], syms[j])
            hess[i, j] = hess[j, i] = _exact(d, subs, f"∂²f/∂{names[i]}∂{names[j]}")
            texts[i][j] = texts[j][i] = str(d)
    return Estimate("symbolic", hess, evaluations=1, seconds=time.perf_counter() - t0,
                    detail={"derivative": texts})


def _exact(expr, subs, what: str) -> float:
    """symbolic's evaluation; an expression with no numeric value there (DiracDelta(0)) is undefined."""
    from adcheck.methods.symbolic import _evaluate

    try:
        return _evaluate(expr, subs, what)[0]
    except TypeError:
        raise DomainError(f"{what} is not defined at the point ({expr} has no value there)") from None


def derivative_texts(est: Optional[Estimate]) -> Optional[tuple]:
    if est is None or "derivative" not in est.detail:
        return None
    return tuple(tuple(row) for row in est.detail["derivative"])
