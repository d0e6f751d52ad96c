"""Elementwise primitives: NumPy ufuncs, their sympy twins and their partials.

For an elementwise op y = f(a, b, ...) every Jacobian is diagonal, so one
partial derivative per argument, ∂f/∂a (evaluated elementwise), gives both
rules: JVP  ẏ = Σ ȧ ⊙ ∂f/∂a  and  VJP  ā = ȳ ⊙ ∂f/∂a  (un-broadcast).
Each registration below states f, its partials, its sympy twin and its domain
in one place.  Partials are written in NumPy calls so they differentiate again.
"""

from __future__ import annotations

import math

import numpy as np

from adcheck.prims import table as _table
from adcheck.prims.table import Primitive, register

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

ONE = "one"          # the partial is exactly 1: pass tangents through untouched
NEG_ONE = "neg_one"  # exactly -1


def _sym(name):
    """A lazily resolved sympy function (sympy is imported only when used)."""

    def twin(*args):
        import sympy

        return getattr(sympy, name)(*args)

    twin.__name__ = f"sympy.{name}"
    return twin


def _pi():
    import sympy

    return sympy.pi


_REAL_CBRT = []


def _real_cbrt(a):
    """The real cube root as a sympy function (sympy's cbrt is the complex principal root).

    Defined as its own function with its derivative 1/(3 ∛a²) and an mpmath
    evaluation, rather than sign(a)·|a|^(1/3), whose derivative sympy leaves
    unevaluated wherever it cannot prove a real.
    """
    if not _REAL_CBRT:
        import sympy

        class real_cbrt(sympy.Function):
            is_real = True

            def fdiff(self, argindex=1):
                return 1 / (3 * real_cbrt(self.args[0]) ** 2)

            @classmethod
            def eval(cls, arg):
                if arg.is_Number and arg.is_real:
                    return sympy.sign(arg) * sympy.Abs(arg) ** sympy.Rational(1, 3)

            def _eval_evalf(self, prec):
                v = self.args[0]._eval_evalf(prec)
                if v is None or not v.is_real:
                    return None
                return (sympy.sign(v) * sympy.Abs(v) ** sympy.Rational(1, 3))._eval_evalf(prec)

        _REAL_CBRT.append(real_cbrt)
    return _REAL_CBRT[0](a)


def _times(t, p):
    if p is ONE:
        return t
    if p is NEG_ONE:
        return -t
    return t * p


def _const_of(t):
    """The one value of t when t is a float64 ndarray of at least BIG entries that is a
    broadcast of a scalar (all strides 0, as the sum VJP's ȳ), else None."""
    if type(t) is np.ndarray and t.size >= _table.BIG and t.ndim and t.dtype == np.float64 and not any(t.strides):
        return t[(0,) * t.ndim]
    return None


def _scaled(t, p, ans, args):
    """t * p -- written into p when p is a new array of the product's shape and dtype
    that nothing else holds (a partial like 2a or cos a, not one returning y or an
    argument): the same numbers, one array allocation less.  A broadcast scalar t times a
    scalar p stays a broadcast scalar (each entry is the same product; no array pass)."""
    if type(p) is float or type(p) is np.float64:
        c = _const_of(t)
        if c is not None:
            return np.broadcast_to(c * p, t.shape)
    if (type(p) is np.ndarray and type(t) is np.ndarray and p.base is None and p is not ans
            and p.dtype == t.dtype == np.float64 and p.flags.writeable
            and not any(p is a for a in args)):
        if p.shape == t.shape:
            return np.multiply(t, p, out=p)
        if t.shape[:1] == (1,) and t.shape[1:] == p.shape:  # one tangent direction: (1,) + shape
            p = p.reshape(t.shape)  # as input too: NumPy copies an input that overlaps out differently
            return np.multiply(t, p, out=p)
    return t * p


def _same_layout(out, t) -> bool:
    """out += t gives exactly out + t: writable float64 ndarrays of one shape."""
    return (type(out) is np.ndarray and type(t) is np.ndarray and out.shape == t.shape
            and out.dtype == t.dtype == np.float64 and out.flags.writeable)


def _into(t, p) -> bool:
    """t · p can be written into t: p is a float64 scalar or array broadcasting to t's shape."""
    tp = type(p)
    if tp is float or tp is np.float64 or tp is int:
        return True
    return tp is np.ndarray and p.dtype == np.float64 and np.broadcast_shapes(p.shape, t.shape) == t.shape


def _make_rules(partials, symmetric=False):
    def jvp(tangents, ans, *args, spent=()):
        """``spent``: positions whose tangent belongs to a temporary and nothing else holds
        (forward.Dual._process): the result may be written into it, the same numbers."""
        out = first = None
        own = False  # out is an array this rule made (not a tangent passed through): add into it
        for i, t in enumerate(tangents):
            if t is None or partials[i] is None:
                continue
            p = partials[i]
            mine = i in spent
            if out is not None and p is NEG_ONE:
                if own and type(out) is np.ndarray and out.size >= _table.BIG and _same_layout(out, t):
                    np.subtract(out, t, out=out)
                elif mine and _same_layout(t, out):
                    out = np.subtract(out, t, out=t)
                else:
                    out = out - t  # = out + (-t), one array pass less
                own = True
                continue
            if symmetric and i == 1 and first is not None and t is tangents[0] and args[0] is args[1]:
                term = first  # x·x: both terms are the same product
            elif isinstance(p, str):
                term = np.negative(t, out=t) if mine and p is NEG_ONE else _times(t, p)
            else:
                pv = p(ans, *args)
                term = np.multiply(t, pv, out=t) if mine and _into(t, pv) else _scaled(t, pv, ans, args)
            if i == 0:
                first = term
            if out is None:
                out, own = term, mine and term is t or term is not t and not isinstance(p, str) or p is NEG_ONE
            elif own and type(out) is np.ndarray and out.size >= _table.BIG and _same_layout(out, term):
                np.add(out, term, out=out)  # the same sum, one array allocation less
            elif mine and term is t and _same_layout(t, out):
                out = np.add(out, t, out=t)
                own = True
            else:
                out, own = out + term, True
        return out

    def vjp_for(p):
        if p is None:
            return None
        if isinstance(p, str):
            return lambda g, ans, *args: _times(g, p)
        return lambda g, ans, *args: _scaled(g, p(ans, *args), ans, args)

    return jvp, tuple(vjp_for(p) for p in partials)


def _partials_read(partials):
    """Per partial ``p(y, a, b, ...)``: (reads y, argument positions read), found from the
    names its code loads; None (keep everything) when that cannot be told."""
    import dis

    out = []
    for p in partials:
        if p is None or isinstance(p, str):
            out.append((False, frozenset()))
            continue
        code = getattr(p, "__code__", None)
        if code is None or code.co_flags & 0x0C:  # *args / **kwargs: cannot tell
            return None
        params = code.co_varnames[:code.co_argcount]
        loaded = {ins.argval for ins in dis.get_instructions(code)
                  if ins.opname.startswith(("LOAD_FAST", "LOAD_DEREF", "LOAD_CLOSURE", "MAKE_CELL",
                                            "STORE_FAST", "DELETE_FAST"))}
        out.append(("y" in loaded if params[:1] else False,
                    frozenset(j - 1 for j, name in enumerate(params) if j > 0 and name in loaded)))
        if params[:1] and params[0] != "y":
            out[-1] = (params[0] in loaded, out[-1][1])
    return tuple(out)


def elementwise(name, impl, partials, doc, *, sympy=None, analytic=True,
                linear=False, domain=None, nondiff=(), jvp=None, vjp=None, object_ok=False,
                symmetric=False):
    """Register an elementwise primitive from its partial derivatives.

    ``symmetric``: f(a, b) = f(b, a) with ∂f/∂b(a, b) = ∂f/∂a(b, a), so for f(x, x)
    the two terms of the JVP are the same array (computed once).
    """
    auto_jvp, auto_vjp = _make_rules(partials, symmetric)
    needs = None if vjp is not None else _partials_read(partials)
    kinds = () if vjp is not None else tuple(
        None if p is None else {ONE: "one", NEG_ONE: "neg"}.get(p, None) if isinstance(p, str) else "fresh"
        for p in partials)
    return register(Primitive(
        name=name, impl=impl, jvp=jvp or auto_jvp, vjp=vjp or auto_vjp,
        sympy=sympy, elementwise=True, linear=linear, analytic=analytic,
        domain=domain, doc=doc, nargs=len(partials), nondiff=nondiff, object_ok=object_ok,
        vjp_kinds=kinds, vjp_needs=needs,
        extra={"jvp_scales": jvp is None}))  # ẏ = Σ ∂f/∂aᵢ ⊙ ȧᵢ with t·p, -t, t ± t' only


R = (-3.0, 3.0)
POS = (0.1, 4.0)
UNIT = (-0.9, 0.9)

# ----- arithmetic -------------------------------------------------------------

elementwise("add", np.add, (ONE, ONE), "a + b;  ∂/∂a = 1, ∂/∂b = 1.",
            sympy=lambda a, b: a + b, linear=True, domain=(R, R))
elementwise("subtract", np.subtract, (ONE, NEG_ONE), "a - b;  ∂/∂a = 1, ∂/∂b = -1.",
            sympy=lambda a, b: a - b, linear=True, domain=(R, R))
elementwise("negative", np.negative, (NEG_ONE,), "-a;  ∂/∂a = -1.",
            sympy=lambda a: -a, linear=True, domain=(R,))
elementwise("positive", np.positive, (ONE,), "+a;  ∂/∂a = 1.",
            sympy=lambda a: a, linear=True, domain=(R,))
elementwise("multiply", np.multiply,
            (lambda y, a, b: b, lambda y, a, b: a),
            "a·b;  ∂/∂a = b, ∂/∂b = a.", sympy=lambda a, b: a * b, domain=(R, R), symmetric=True)
elementwise("divide", np.divide,
            (lambda y, a, b: 1.0 / b, lambda y, a, b: -y / b),
            "a / b;  ∂/∂a = 1/b, ∂/∂b = -a/b² = -y/b.  Undefined at b = 0.",
            sympy=lambda a, b: a / b, domain=(R, POS))
def _power_partial_a(y, a, b):
    """∂(a**b)/∂a = b·a^(b-1); for the constant b = 2 that is 2a exactly (a¹ = a), one operation."""
    if type(b) in (int, float) and b == 2:
        return 2.0 * a
    return b * a ** (b - 1)


def _power_vjp_a(g, y, a, b):
    """ā = ȳ·b·a^(b-1).  For b = 2 and a broadcast scalar ȳ (the sum's ȳ, or it times a
    constant): a·(2ȳ) in one pass, exactly (2a)·ȳ since doubling is exact."""
    if type(b) in (int, float) and b == 2 and type(a) is np.ndarray and a.dtype == np.float64:
        c = _const_of(g)
        if c is not None and g.shape == a.shape:
            return np.multiply(a, 2.0 * c)
    return _scaled(g, _power_partial_a(y, a, b), y, (a, b))


_POWER = elementwise("power", np.power,
            (_power_partial_a,
             lambda y, a, b: y * np.log(np.where(a == 0, 1.0, a))),
            "a ** b;  ∂/∂a = b·a^(b-1), ∂/∂b = a^b·ln a (taken as 0 at a = 0, where a^b is 0 "
            "for b > 0; NaN for a < 0, where a^b is not differentiable in b).",
            sympy=lambda a, b: a ** b, domain=(POS, (-2.0, 2.0)))
_POWER.vjp = (_power_vjp_a,) + tuple(_POWER.vjp[1:])
elementwise("square", np.square, (lambda y, a: 2.0 * a,), "a²;  ∂/∂a = 2a.",
            sympy=lambda a: a ** 2, domain=(R,))
elementwise("reciprocal", np.reciprocal, (lambda y, a: -(y * y),), "1/a;  ∂/∂a = -1/a².",
            sympy=lambda a: 1 / a, domain=(POS,))

# ----- exponentials and logarithms --------------------------------------------

elementwise("exp", np.exp, (lambda y, a: y,), "eᵃ;  ∂/∂a = eᵃ (the output is reused).",
            sympy=_sym("exp"), domain=(R,))
elementwise("exp2", np.exp2, (lambda y, a: y * _LN2,), "2ᵃ;  ∂/∂a = 2ᵃ·ln 2.",
            sympy=lambda a: 2 ** a, domain=(R,))
elementwise("expm1", np.expm1, (lambda y, a: y + 1.0,), "eᵃ - 1;  ∂/∂a = eᵃ = y + 1.",
            sympy=lambda a: _sym("exp")(a) - 1, domain=(R,))
elementwise("log", np.log, (lambda y, a: 1.0 / a,), "ln a;  ∂/∂a = 1/a.  Domain a > 0.",
            sympy=_sym("log"), domain=(POS,))
elementwise("log2", np.log2, (lambda y, a: 1.0 / (a * _LN2),), "log₂ a;  ∂/∂a = 1/(a ln 2).",
            sympy=lambda a: _sym("log")(a, 2), domain=(POS,))
elementwise("log10", np.log10, (lambda y, a: 1.0 / (a * _LN10),), "log₁₀ a;  ∂/∂a = 1/(a ln 10).",
            sympy=lambda a: _sym("log")(a, 10), domain=(POS,))
elementwise("log1p", np.log1p, (lambda y, a: 1.0 / (1.0 + a),), "ln(1 + a);  ∂/∂a = 1/(1 + a).",
            sympy=lambda a: _sym("log")(1 + a), domain=((-0.9, 3.0),))
elementwise("logaddexp", np.logaddexp,
            (lambda y, a, b: np.exp(a - y), lambda y, a, b: np.exp(b - y)),
            "ln(eᵃ + eᵇ);  ∂/∂a = e^(a-y), ∂/∂b = e^(b-y)  (softmax weights, never overflow).",
            sympy=lambda a, b: _sym("log")(_sym("exp")(a) + _sym("exp")(b)), domain=(R, R))
elementwise("logaddexp2", np.logaddexp2,
            (lambda y, a, b: np.exp2(a - y), lambda y, a, b: np.exp2(b - y)),
            "log₂(2ᵃ + 2ᵇ);  ∂/∂a = 2^(a-y), ∂/∂b = 2^(b-y).",
            sympy=lambda a, b: _sym("log")(2 ** a + 2 ** b, 2), domain=(R, R))
elementwise("sqrt", np.sqrt, (lambda y, a: 0.5 / y,), "√a;  ∂/∂a = 1/(2√a).  Not differentiable at 0.",
            sympy=_sym("sqrt"), domain=(POS,))
elementwise("cbrt", np.cbrt, (lambda y, a: 1.0 / (3.0 * y * y),),
            "∛a;  ∂/∂a = 1/(3 ∛a²).  Not differentiable at 0.  (Real cube root: no complex-step.)",
            sympy=_real_cbrt, analytic=False, domain=(POS,))

# ----- trigonometric ----------------------------------------------------------

elementwise("sin", np.sin, (lambda y, a: np.cos(a),), "sin a;  ∂/∂a = cos a.",
            sympy=_sym("sin"), domain=(R,))
elementwise("cos", np.cos, (lambda y, a: -np.sin(a),), "cos a;  ∂/∂a = -sin a.",
            sympy=_sym("cos"), domain=(R,))
elementwise("tan", np.tan, (lambda y, a: 1.0 + y * y,), "tan a;  ∂/∂a = 1 + tan² a.",
            sympy=_sym("tan"), domain=((-1.2, 1.2),))
elementwise("arcsin", np.arcsin, (lambda y, a: 1.0 / np.sqrt(1.0 - a * a),),
            "asin a;  ∂/∂a = 1/√(1 - a²).  Domain |a| < 1.", sympy=_sym("asin"), domain=(UNIT,))
elementwise("arccos", np.arccos, (lambda y, a: -1.0 / np.sqrt(1.0 - a * a),),
            "acos a;  ∂/∂a = -1/√(1 - a²).  Domain |a| < 1.", sympy=_sym("acos"), domain=(UNIT,))
elementwise("arctan", np.arctan, (lambda y, a: 1.0 / (1.0 + a * a),), "atan a;  ∂/∂a = 1/(1 + a²).",
            sympy=_sym("atan"), domain=(R,))
elementwise("arctan2", np.arctan2,
            (lambda y, a, b: b / (a * a + b * b), lambda y, a, b: -a / (a * a + b * b)),
            "atan2(a, b), the angle of the point (b, a);  ∂/∂a = b/(a²+b²), ∂/∂b = -a/(a²+b²).",
            sympy=_sym("atan2"), analytic=False, domain=(R, POS))
elementwise("hypot", np.hypot, (lambda y, a, b: a / y, lambda y, a, b: b / y),
            "√(a² + b²);  ∂/∂a = a/y, ∂/∂b = b/y.  Not differentiable at the origin.",
            sympy=lambda a, b: _sym("sqrt")(a ** 2 + b ** 2), analytic=False, domain=(POS, POS))
elementwise("deg2rad", np.deg2rad, (lambda y, a: math.pi / 180.0,), "a·π/180.",
            sympy=lambda a: a * _pi() / 180,
            linear=True, domain=(R,))
elementwise("rad2deg", np.rad2deg, (lambda y, a: 180.0 / math.pi,), "a·180/π.",
            sympy=lambda a: a * 180 / _pi(), linear=True, domain=(R,))

# ----- hyperbolic -------------------------------------------------------------

elementwise("sinh", np.sinh, (lambda y, a: np.cosh(a),), "sinh a;  ∂/∂a = cosh a.",
            sympy=_sym("sinh"), domain=(R,))
elementwise("cosh", np.cosh, (lambda y, a: np.sinh(a),), "cosh a;  ∂/∂a = sinh a.",
            sympy=_sym("cosh"), domain=(R,))
elementwise("tanh", np.tanh, (lambda y, a: 1.0 / np.cosh(a) ** 2,),
            "tanh a;  ∂/∂a = sech² a = 1/cosh² a (not 1 - tanh², which rounds to 0 for |a| > 19).",
            sympy=_sym("tanh"), domain=(R,))
elementwise("arcsinh", np.arcsinh, (lambda y, a: 1.0 / np.sqrt(a * a + 1.0),),
            "asinh a;  ∂/∂a = 1/√(a² + 1).", sympy=_sym("asinh"), domain=(R,))
elementwise("arccosh", np.arccosh, (lambda y, a: 1.0 / (np.sqrt(a - 1.0) * np.sqrt(a + 1.0)),),
            "acosh a;  ∂/∂a = 1/(√(a-1)·√(a+1)).  Domain a > 1.", sympy=_sym("acosh"),
            domain=((1.1, 4.0),))
elementwise("arctanh", np.arctanh, (lambda y, a: 1.0 / ((1.0 - a) * (1.0 + a)),),
            "atanh a;  ∂/∂a = 1/((1 - a)(1 + a)).  Domain |a| < 1.", sympy=_sym("atanh"),
            domain=(UNIT,))


def _erf_impl(a):
    a = np.asarray(a)
    if np.iscomplexobj(a):
        raise TypeError("erf has no complex implementation here")
    return np.vectorize(math.erf, otypes=[np.float64])(a) if a.ndim else np.float64(math.erf(a))


elementwise("erf", _erf_impl, (lambda y, a: _TWO_OVER_SQRT_PI * np.exp(-(a * a)),),
            "erf a = (2/√π)∫₀ᵃ e^(-t²) dt;  ∂/∂a = (2/√π)·e^(-a²).  "
            "(Analytic, but evaluated with math.erf: no complex-step.)",
            sympy=_sym("erf"), analytic=False, domain=(R,))

# ----- piecewise: kinks and subgradients --------------------------------------


def _tie_split(a, b):
    """1 where a > b, ½ where a == b (a subgradient at the tie), 0 elsewhere."""
    tie = np.equal(a, b)
    _table.note_tie("a tie of np.maximum/np.minimum", tie)
    return np.greater(a, b) + 0.5 * tie


def _abs_partial(y, a):
    """sign a, the derivative of |a| (0 at the kink a = 0, which is noted)."""
    _table.note_tie("np.abs at 0", np.equal(a, 0.0))
    return np.sign(a)


elementwise("absolute", np.absolute, (_abs_partial,),
            "|a|;  ∂/∂a = sign a (0 at the kink a = 0, a subgradient).",
            sympy=_sym("Abs"), analytic=False, domain=((0.1, 3.0),))


def _jump_at_zero(name):
    """No derivative (0 away from the jump at a = 0); a point on the jump is noted."""

    def jvp(tangents, ans, a, *rest):
        _table.note_tie(f"{name} at 0", np.equal(a, 0.0))

    def vjp(g, ans, a, *rest):
        _table.note_tie(f"{name} at 0", np.equal(a, 0.0))

    return jvp, vjp


_SIGN_JVP, _SIGN_VJP = _jump_at_zero("np.sign")
elementwise("sign", np.sign, (None,), "sign a;  derivative 0 away from the jump at 0.",
            sympy=_sym("sign"), analytic=False, domain=((0.1, 3.0),),
            jvp=_SIGN_JVP, vjp=(_SIGN_VJP,))
for _name, _fn, _tw in (("maximum", np.maximum, "Max"), ("minimum", np.minimum, "Min"),
                        ("fmax", np.fmax, "Max"), ("fmin", np.fmin, "Min")):
    _big = _name in ("maximum", "fmax")
    elementwise(
        _name, _fn,
        ((lambda y, a, b: _tie_split(a, b)) if _big else (lambda y, a, b: _tie_split(b, a)),
         (lambda y, a, b: _tie_split(b, a)) if _big else (lambda y, a, b: _tie_split(a, b))),
        f"{_name}(a, b) elementwise;  the partial is 1 for the selected argument, "
        "0 for the other, ½ each at a tie (a subgradient).",
        sympy=_sym(_tw), analytic=False, domain=(R, R))
elementwise("fmod", np.fmod, (ONE, lambda y, a, b: -np.trunc(a / b)),
            "fmod(a, b) = a - trunc(a/b)·b;  ∂/∂a = 1, ∂/∂b = -trunc(a/b) (jumps where a/b is an integer).",
            analytic=False, domain=(POS, POS))
elementwise("remainder", np.remainder, (ONE, lambda y, a, b: -np.floor(a / b)),
            "mod(a, b) = a - floor(a/b)·b;  ∂/∂a = 1, ∂/∂b = -floor(a/b).",
            analytic=False, domain=(POS, POS))


def _heaviside_twin(a, h0):
    """Heaviside as a sympy Piecewise (sympy's Heaviside cannot be differentiated in h₀)."""
    import sympy

    return sympy.Piecewise((0, a < 0), (h0, sympy.Eq(a, 0)), (1, True))


elementwise("heaviside", np.heaviside, (None, None),
            "heaviside(a, h₀): 0 for a < 0, h₀ at 0, 1 for a > 0;  derivative 0 away from the "
            "jump at a = 0 (h₀ is a constant).",
            sympy=lambda a, h0: _heaviside_twin(a, h0), analytic=False, domain=((0.1, 3.0), (0.1, 1.0)),
            jvp=_jump_at_zero("np.heaviside")[0], vjp=(_jump_at_zero("np.heaviside")[1],) * 2)
elementwise("copysign", np.copysign, (lambda y, a, b: np.sign(a) * np.copysign(1.0, b), None),
            "copysign(a, b) = |a|·(±1 by the sign bit of b);  ∂/∂a = sign(a)·copysign(1, b), "
            "∂/∂b = 0 (a jump where b changes sign).",
            sympy=lambda a, b: _sym("Abs")(a) * _sym("sign")(b), analytic=False,
            domain=((0.1, 3.0), (0.1, 3.0)), jvp=None,
            vjp=(lambda g, y, a, b: g * (np.sign(a) * np.copysign(1.0, b)), lambda g, y, a, b: None))
elementwise("float_power", np.float_power,
            (lambda y, a, b: b * np.float_power(a, b - 1), lambda y, a, b: y * np.log(np.where(a == 0, 1.0, a))),
            "a ** b in float64 (np.float_power);  the partials of power: ∂/∂a = b·a^(b-1), ∂/∂b = a^b·ln a.",
            sympy=lambda a, b: a ** b, domain=(POS, (-2.0, 2.0)))


def _where_jvp(tangents, ans, cond, a, b):
    _, ta, tb = tangents
    za = 0.0 if ta is None else ta
    zb = 0.0 if tb is None else tb
    return np.where(cond, za, zb)


elementwise("where", np.where,
            (None, lambda y, c, a, b: c, lambda y, c, a, b: np.logical_not(c)),
            "where(c, a, b) picks a where c holds, else b;  ∂/∂a = c, ∂/∂b = ¬c, c is constant.",
            analytic=False, nondiff=(0,), jvp=_where_jvp, object_ok=True,
            vjp=(None, lambda g, y, c, a, b: np.where(c, g, 0.0),
                 lambda g, y, c, a, b: np.where(c, 0.0, g)))
