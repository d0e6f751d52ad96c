"""Symbolic method: f lifted onto sympy values, differentiated exactly by sympy.

:class:`SymArray` carries, for every entry, a sympy expression *and* its
float64 value at the point, so Python branches and comparisons in f follow
the point being checked (as they do in the other methods).  Elementwise
primitives apply their sympy twin; structural ones (reshape, indexing, sums,
matmul...) run NumPy on object arrays.  sympy differentiates the result, and
the exact derivatives are evaluated with mpmath at ``DIGITS`` significant
digits: this is the reference the other methods are judged against.

sympy checks the primitive table instead of copying it: this method reads
only the sympy twins, never the JVP/VJP rules.
"""

from __future__ import annotations

import time

import numpy as np

from adcheck.errors import DomainError, NotApplicableError, UnsupportedOpError
from adcheck.methods.base import Estimate
from adcheck.methods.dispatch import Tracer, new_level, tracing
from adcheck.methods.plain import unplain
from adcheck.prims.table import bind
from adcheck.target import SympyForm, Target

DIGITS = 50
MAX_ENTRIES = 400  # n·m above which lifting a file is skipped (too slow to be useful)
# operations × inputs above which a lifted file's exact Jacobian is skipped: sympy
# differentiates and evaluates each entry's tree, about 0.5 ms per operation-input
MAX_WORK = 4000


def to_sympy_number(v):
    """A float64 constant as sympy sees it: Integer when integral, else the exact binary Float."""
    import sympy

    v = float(v)
    if v.is_integer() and abs(v) <= 2.0 ** 53:
        return sympy.Integer(int(v))
    if not np.isfinite(v):
        return sympy.nan if np.isnan(v) else (sympy.oo if v > 0 else -sympy.oo)
    return sympy.Float(v)


def _obj(a):
    if type(a) is SymArray:
        return a.exprs
    arr = np.asarray(a)
    if arr.dtype == object:
        return arr
    if arr.dtype == bool:
        return arr
    return np.vectorize(to_sympy_number, otypes=[object])(arr) if arr.size else arr.astype(object)


def _val(a):
    return a.primal if type(a) is SymArray else a


def _unwrap_entry(e):
    return e.item() if isinstance(e, np.ndarray) and e.ndim == 0 else e


def _clean(exprs):
    """Object arrays whose entries are 0-d arrays (NumPy stores them as objects) unwrapped."""
    if exprs.size and any(isinstance(e, np.ndarray) for e in exprs.reshape(-1)):
        exprs = np.vectorize(_unwrap_entry, otypes=[object])(exprs)
    return exprs


class SymArray(Tracer):
    """Entries as sympy expressions, plus their float64 values at the point."""

    __slots__ = ("exprs", "primal", "_level", "_view")

    def __init__(self, exprs, value, level):
        self.exprs = np.asarray(exprs, dtype=object) if not isinstance(exprs, np.ndarray) else exprs
        self.primal = value
        self._level = level
        self._view = False

    def _become(self, other):
        self.exprs, self.primal = other.exprs, other.primal

    def _process(self, prim, args, params):
        value = bind(prim, *[_val(a) for a in args], **params)
        if prim.elementwise and prim.sympy is not None:
            exprs = np.vectorize(prim.sympy, otypes=[object])(*[_obj(a) for a in args])
        elif "lift" in prim.extra:
            exprs = prim.extra["lift"](*[_obj(a) for a in args], value=value,
                                       values=[_val(a) for a in args], **params)
        elif prim.object_ok:
            exprs = prim.impl(*[_obj(a) for a in args], **params)
        else:
            raise UnsupportedOpError(prim.name, "symbolic", "no sympy twin")
        return SymArray(_clean(np.asarray(exprs, dtype=object)), value, self._level)


def lift(target: Target) -> SympyForm:
    """Run f on symbols; return its exact form (one expression per output entry)."""
    import sympy

    if target.n * max(target.m, 1) > MAX_ENTRIES:
        raise NotApplicableError(
            f"skipped: {target.n} inputs × {target.m} outputs is too large to lift to sympy "
            f"(limit {MAX_ENTRIES} entries)")
    names = [v.replace("[", "_").replace("]", "").replace(",", "_") for v in target.variables]
    symbols = tuple(sympy.Symbol(nm, real=True) for nm in names)
    exprs = np.array(symbols, dtype=object).reshape(target.x0.shape)
    with tracing():
        out = unplain(target.f(SymArray(exprs, target.x0.copy(), new_level())))
    if type(out) is SymArray:
        out_exprs = tuple(out.exprs.reshape(-1))
    else:
        out_exprs = tuple(to_sympy_number(v) for v in np.asarray(out, dtype=float).reshape(-1))
    ops = sum(int(sympy.count_ops(e)) for e in out_exprs if isinstance(e, sympy.Basic))
    if ops * target.n > MAX_WORK:
        raise NotApplicableError(
            f"skipped: the exact form has {ops} operations in {target.n} variables, too large to "
            f"differentiate symbolically in reasonable time (limit {MAX_WORK} operation-variables)")
    return SympyForm(symbols=symbols, exprs=out_exprs)


def _evaluate(expr, subs, what):
    import sympy

    try:
        # substituting 70-digit values and evaluating is ~100x faster than evalf(subs=...) on
        # large trees; 20 guard digits cover any cancellation a float64 reference could notice
        val = expr.xreplace(subs).evalf(DIGITS)
    except (ZeroDivisionError, ValueError, OverflowError) as exc:
        raise DomainError(f"{what} is not defined at the point ({type(exc).__name__} in exact evaluation)") from None
    if val.has(sympy.zoo, sympy.oo, -sympy.oo, sympy.nan) or not val.is_number:
        raise DomainError(f"{what} is not finite at the point")
    try:
        re, im = val.as_real_imag()
        if im != 0 and abs(im) > 1e-30 * max(1, abs(re)):
            raise DomainError(f"{what} is not real at the point (outside the domain)")
        return float(re), re
    except TypeError:  # a value sympy cannot give a number for, e.g. DiracDelta(0)
        raise DomainError(f"{what} has no value at the point ({val})") from None


def exact_form(target: Target) -> SympyForm:
    return target.sympy_form() if target.sympy_form is not None else lift(target)


def jacobian(target: Target) -> Estimate:
    """The exact Jacobian (m, n), evaluated at DIGITS digits, as an Estimate.

    ``detail`` holds the derivative expressions as text and the high-precision
    values (as strings) for reporting.
    """
    import sympy

    t0 = time.perf_counter()
    form = exact_form(target)
    subs = {s: sympy.Float(float(x), DIGITS + 20) for s, x in zip(form.symbols, target.x0.reshape(-1))}
    m, n = len(form.exprs), len(form.symbols)
    jac = np.empty((m, n))
    texts, digits = [], []
    values = []
    for i, e in enumerate(form.exprs):
        values.append(_evaluate(e, subs, "f")[0] if isinstance(e, sympy.Basic) else float(e))
        row_t, row_d = [], []
        for j, s in enumerate(form.symbols):
            d = sympy.diff(e, s) if isinstance(e, sympy.Basic) else sympy.Integer(0)
            jac[i, j], hi = _evaluate(d, subs, f"the derivative ∂f/∂{target.variables[j]}")
            row_t.append(str(d))
            row_d.append(str(hi))
        texts.append(row_t)
        digits.append(row_d)
    return Estimate("symbolic", jac, err_est=np.zeros_like(jac), evaluations=1,
                    seconds=time.perf_counter() - t0,
                    detail={"derivative": texts, "digits": digits, "value": values,
                            "expression": form.text})
