"""scipy.special's ufuncs as primitives: expit, logit, erfc, ndtr, gammaln, xlogy ...

NumPy hands a scipy.special ufunc applied to a traced value to
``__array_ufunc__`` like any of its own, so these need no stand-in: only a
primitive under the ufunc's name.  This module imports scipy, so it is loaded
only when a traced evaluation first meets one of these ufuncs (the user's code
has imported scipy by then; see ``methods.dispatch``), never by ``import
adcheck``.  The implementation is scipy's own ufunc, so traced values equal the
plain ones; partials are written with the same ufuncs so they differentiate
again (ψ' = ζ(2, ·), ∂ζ(s, q)/∂q = -s·ζ(s+1, q)).  None has a complex loop in
scipy, so complex-step differentiation does not apply (``analytic=False``).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.special as sc

from adcheck.prims.elementwise import POS, R, elementwise

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
UNIT_OPEN = (0.05, 0.95)


def _sp(name):
    """A sympy function resolved when first used (sympy is imported only then)."""

    def twin(*args):
        import sympy

        return getattr(sympy, name)(*args)

    return twin


def _ndtr_twin(a):
    import sympy

    return (1 + sympy.erf(a / sympy.sqrt(2))) / 2


def _special(name, partials, doc, sympy, domain, nondiff=()):
    return elementwise(name, getattr(sc, name), partials, doc, sympy=sympy, analytic=False,
                       domain=domain, nondiff=nondiff)


_special("expit", (lambda y, a: y * (1.0 - y),),
         "expit a = 1/(1 + e^(-a)), the logistic sigmoid;  ∂/∂a = y(1 - y).",
         lambda a: 1 / (1 + _sp("exp")(-a)), (R,))
_special("log_expit", (lambda y, a: sc.expit(-a),),
         "log expit a = -ln(1 + e^(-a));  ∂/∂a = expit(-a) = 1 - expit(a) (no cancellation for a > 0).",
         lambda a: -_sp("log")(1 + _sp("exp")(-a)), (R,))
_special("logit", (lambda y, a: 1.0 / (a * (1.0 - a)),),
         "logit a = ln(a/(1 - a));  ∂/∂a = 1/(a(1 - a)).  Domain 0 < a < 1.",
         lambda a: _sp("log")(a / (1 - a)), (UNIT_OPEN,))
_special("erfc", (lambda y, a: -_TWO_OVER_SQRT_PI * np.exp(-(a * a)),),
         "erfc a = 1 - erf a;  ∂/∂a = -(2/√π)·e^(-a²).", _sp("erfc"), (R,))
_special("erfcx", (lambda y, a: 2.0 * a * y - _TWO_OVER_SQRT_PI,),
         "erfcx a = e^(a²)·erfc a;  ∂/∂a = 2a·y - 2/√π.",
         lambda a: _sp("exp")(a ** 2) * _sp("erfc")(a), (R,))
_special("ndtr", (lambda y, a: _INV_SQRT_2PI * np.exp(-0.5 * (a * a)),),
         "Φ(a), the standard normal CDF;  ∂/∂a = φ(a) = e^(-a²/2)/√(2π).", _ndtr_twin, (R,))
_special("log_ndtr", (lambda y, a: _INV_SQRT_2PI * np.exp(-0.5 * (a * a) - y),),
         "ln Φ(a);  ∂/∂a = φ(a)/Φ(a) = e^(-a²/2 - y)/√(2π) (y reused: no underflow of Φ for a ≪ 0).",
         lambda a: _sp("log")(_ndtr_twin(a)), (R,))
_special("gammaln", (lambda y, a: sc.psi(a),),
         "ln|Γ(a)|;  ∂/∂a = ψ(a), the digamma function.", _sp("loggamma"), (POS,))
_special("gamma", (lambda y, a: y * sc.psi(a),),
         "Γ(a);  ∂/∂a = Γ(a)·ψ(a).", _sp("gamma"), (POS,))
_special("psi", (lambda y, a: sc.zeta(2.0, a),),
         "ψ(a) = d ln Γ(a)/da (scipy.special.digamma);  ∂/∂a = ψ'(a) = ζ(2, a).",
         lambda a: _sp("polygamma")(0, a), (POS,))
def _zeta_partial_s(y, s, q):
    from adcheck.errors import UnsupportedOpError

    raise UnsupportedOpError("the derivative of scipy.special.zeta(s, q) in s",
                             detail="only q may be traced")


_special("zeta", (_zeta_partial_s, lambda y, s, q: -s * sc.zeta(s + 1.0, q)),
         "ζ(s, q) = Σₖ (k + q)^(-s), the Hurwitz zeta;  ∂/∂q = -s·ζ(s+1, q); s is a constant "
         "(its partial has no closed form here).",
         _sp("zeta"), ((1.5, 4.0), POS), nondiff=(0,))
_special("xlogy", (lambda y, a, b: np.log(b), lambda y, a, b: a / b),
         "a·ln b (0 where a = 0);  ∂/∂a = ln b, ∂/∂b = a/b.",
         lambda a, b: a * _sp("log")(b), (R, POS))
_special("xlog1py", (lambda y, a, b: np.log1p(b), lambda y, a, b: a / (1.0 + b)),
         "a·ln(1 + b) (0 where a = 0);  ∂/∂a = ln(1 + b), ∂/∂b = a/(1 + b).",
         lambda a, b: a * _sp("log")(1 + b), (R, POS))
_special("entr", (lambda y, a: -(np.log(a) + 1.0),),
         "-a·ln a (the entropy term);  ∂/∂a = -(ln a + 1).  Domain a > 0.",
         lambda a: -a * _sp("log")(a), (POS,))


# ----- scipy.special's Python functions (not ufuncs) ----------------------------------
# logsumexp, softmax and log_softmax convert their input through the array API, so a
# traced value never reaches NumPy's dispatch; frontends.coerce puts these in their place
# while a user's code is traced (see frontends.scipy_functions).  The shift by the maximum is a constant (the concrete
# maximum): the functions are shift-invariant, so the derivative is exact and no kink of
# max enters it.


def _shift(a, axis):
    from adcheck.methods.dispatch import concrete

    m = np.max(np.asarray(concrete(a)), axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0.0)


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """ln Σ b·eᵃ over ``axis``, traced (see above)."""
    if return_sign:
        raise NotImplementedError("logsumexp(..., return_sign=True) of a traced value")
    m = _shift(a, axis)
    e = np.exp(a - m)
    if b is not None:
        e = b * e
    s = np.sum(e, axis=axis, keepdims=True)
    out = np.log(s) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def softmax(x, axis=None):
    """e^x / Σ e^x over ``axis``, traced."""
    e = np.exp(x - _shift(x, axis))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis=None):
    """x - logsumexp(x) over ``axis``, traced."""
    z = x - _shift(x, axis)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


def softplus(x, **kwargs):
    """ln(1 + eˣ) = logaddexp(0, x), traced (scipy ≥ 1.15 has it as a Python function)."""
    return np.logaddexp(0.0, x)


FUNCTIONS = {"logsumexp": logsumexp, "softmax": softmax, "log_softmax": log_softmax, "softplus": softplus}
