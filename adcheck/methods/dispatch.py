"""The one NumPy entry point for every traced type (Dual, Var, SymArray).

:class:`Tracer` implements ``__array_ufunc__`` (NEP 13) and
``__array_function__`` (NEP 18).  Both land here: a ufunc or function is
looked up, its parameters are normalised (axes made non-negative tuples,
shapes made full), and the matching primitive is bound.  Piecewise-constant
operations (comparisons, floor, argmax...) run on the concrete values and
return plain arrays: their derivative is zero wherever it exists.  Anything
else raises :class:`~adcheck.errors.UnsupportedOpError` naming the operation,
so a missing rule is never a silent zero.
"""

from __future__ import annotations

import itertools
import sys

import numpy as np

from adcheck.errors import UnsupportedOpError
from adcheck.prims import composites as C
from adcheck.prims.table import bind, get, note_tie

_level_counter = itertools.count(1)
_active = [0]  # how many traced evaluations are running (stand-ins check this)


def new_level() -> int:
    """A fresh nesting level; later (inner) transformations get higher levels."""
    return next(_level_counter)


class tracing:
    """Context: a traced evaluation of user code is running (see frontends.coerce)."""

    def __enter__(self):
        _active[0] += 1

    def __exit__(self, *exc):
        _active[0] -= 1


def is_tracing() -> bool:
    return _active[0] > 0


def concrete(x):
    """Strip every tracer level: the plain NumPy value at the point."""
    while getattr(x, "_adcheck_tracer", False):
        x = x.primal
    return x


def outer(x):
    """A result handed back to the caller: an ndarray, or a tracer of an enclosing
    differentiation (kept, so that derivatives of derivatives see through it)."""
    return x if getattr(x, "_adcheck_tracer", False) else np.asarray(x)


def as_input(x):
    """A point to differentiate at: float64 ndarray, or an enclosing level's tracer as is."""
    return x if getattr(x, "_adcheck_tracer", False) else np.asarray(x, dtype=np.float64)


def _concrete_args(args):
    return [concrete(a) if not isinstance(a, (list, tuple)) else type(a)(_concrete_args(a))
            for a in args]


# ----- ufuncs -----------------------------------------------------------------

# ufuncs that are constant wherever differentiable: evaluated on concrete values
_PIECEWISE_CONSTANT = {
    "greater", "greater_equal", "less", "less_equal", "equal", "not_equal",
    "logical_and", "logical_or", "logical_xor", "logical_not", "isfinite", "isinf",
    "isnan", "signbit", "floor", "ceil", "trunc", "rint", "floor_divide",
    "bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift", "right_shift",
    "isnat", "spacing",
}
_UFUNC_ALIASES = {"true_divide": "divide", "conjugate": "positive", "conj": "positive",
                  "abs": "absolute", "fabs": "absolute", "mod": "remainder"}


_ORDERINGS = {"greater", "greater_equal", "less", "less_equal"}

# names of piecewise-constant ops met while tracing (comparisons, floor...): they
# make f non-analytic, which decides whether complex-step applies (a set: every traced
# evaluation adds to it, and a list grew for as long as the process ran)
piecewise_log: set = set()


# ufunc -> its primitive, filled on first use (the name lookups run once per ufunc)
_UFUNC_PRIMS: dict = {}


def _ufunc_prim(ufunc):
    name = _UFUNC_ALIASES.get(ufunc.__name__, ufunc.__name__)
    numpy_own = getattr(np, ufunc.__name__, None) is ufunc
    if not numpy_own and _scipy_special(ufunc):
        import adcheck.prims.special  # noqa: F401  (registers scipy.special's ufuncs)
    try:
        prim = get(name)
    except KeyError:
        where = "np" if numpy_own else "scipy.special" if _scipy_special(ufunc) else "ufunc"
        raise UnsupportedOpError(f"{where}.{name}") from None
    _UFUNC_PRIMS[ufunc] = prim
    return prim


def _scipy_special(ufunc) -> bool:
    """Whether ``ufunc`` is one of scipy.special's (looked up only if scipy is loaded)."""
    sc = sys.modules.get("scipy.special")
    return sc is not None and getattr(sc, ufunc.__name__, None) is ufunc


def handle_ufunc(ufunc, method, inputs, kwargs):
    if method == "__call__" and not kwargs:
        prim = _UFUNC_PRIMS.get(ufunc)
        if prim is not None:
            return bind(prim, *inputs)
    name = ufunc.__name__
    if kwargs.get("out") is not None:
        raise UnsupportedOpError(f"np.{name}(..., out=...)", detail="in-place output into a traced array")
    if method != "__call__":
        if method == "reduce" and name in ("add", "maximum", "minimum", "multiply"):
            axis = kwargs.get("axis", 0)
            fn = {"add": np.sum, "maximum": np.max, "minimum": np.min, "multiply": np.prod}[name]
            return fn(inputs[0], axis=axis, keepdims=kwargs.get("keepdims", False))
        if method == "accumulate" and name == "add":
            return np.cumsum(inputs[0], axis=kwargs.get("axis", 0))
        if method in ("reduce", "accumulate") and ufunc.nin == 2 and name not in _PIECEWISE_CONSTANT:
            return C.ufunc_fold(ufunc, method, *inputs, **kwargs)  # in sequence, as NumPy does
        raise UnsupportedOpError(f"np.{name}.{method}")
    if name in _PIECEWISE_CONSTANT:
        piecewise_log.add(name)
        args = _concrete_args(inputs)
        if name in _ORDERINGS and len(args) == 2:  # a traced value exactly at the comparison's threshold
            note_tie(f"np.{name} at equality", np.equal(*args))
        return ufunc(*args, **kwargs)
    prim = _UFUNC_PRIMS.get(ufunc)
    if prim is None:
        prim = _ufunc_prim(ufunc)
    return bind(prim, *inputs)


# Types of the values a traced operation works on that hold no tracer: the op runs NumPy
# directly (forward and reverse _process), and the Python/NumPy complex scalar types, whose
# results -- like a complex ndarray -- are refused (refuse_complex).
PLAIN_VALUES = frozenset({np.ndarray, float, int, np.float64, bool, np.bool_, type(None)})
COMPLEX_SCALARS = frozenset({complex, np.complex64, np.complex128, np.clongdouble})


def refuse_complex(prim):
    """A traced operation gave a complex result: say so instead of differentiating it as real."""
    raise UnsupportedOpError(
        f"np.{prim.name} with a complex result",
        detail="adcheck's AD follows real arithmetic only (a complex constant such as 1j, or .real/.imag, "
               "would otherwise give a wrong derivative); the finite-difference methods still run")


# ----- functions (NEP 18) ----------------------------------------------------

def handle_function(func, args, kwargs):
    handler = C.FUNCTIONS.get(func)
    if handler is not None:
        return handler(*args, **kwargs)
    if func in C.CONCRETE_FUNCTIONS:
        return func(*_concrete_args(args), **{k: concrete(v) for k, v in kwargs.items()})
    mod = getattr(func, "__module__", "numpy") or "numpy"
    prefix = "np.linalg." if "linalg" in mod else "np."
    raise UnsupportedOpError(f"{prefix}{func.__name__}")


# Tracer types whose NumPy protocol methods are exactly Tracer's (Var, Dual, SymArray
# register themselves; Plain does not: it overrides __array_ufunc__), and operand
# types that carry no NumPy override of their own.  For these, ``np.add(s, o)``
# would go straight to handle_ufunc -> bind(prim, s, o); the operators call bind
# directly and save NumPy's override search.
DIRECT_TYPES: set = set()
_PLAIN_OPERANDS = {float, int, np.ndarray, np.float64}

# Of DIRECT_TYPES, those whose ``_process`` takes a fourth argument ``spent``: per argument,
# True when the operator found it a temporary -- held by nothing but the interpreter's
# stack (``f(x) * 2``), so it is freed as the operator returns and the op may reuse its
# arrays (forward.Dual registers).  The test is its reference count inside the operator,
# _TEMP_REFS, measured once on a probe (0 when a temporary cannot be told from a name).
SPENT_TYPES: set = set()
refcount = sys.getrefcount


def _temp_refs() -> int:
    """getrefcount(s) inside a binary or unary operator method when s is a temporary, if
    every named operand shows more; else 0 (the test is then off)."""
    class Probe:
        def __mul__(s, o):
            return refcount(s)

        __rmul__ = __mul__

        def __neg__(s):
            return refcount(s)

    def temporary():
        return Probe() * 1.0, 1.0 * Probe(), -Probe()

    def named():
        p = Probe()
        return p * 1.0, 1.0 * p, -p

    t, n = temporary(), named()
    return t[0] if len(set(t)) == 1 and min(n) > t[0] else 0


_TEMP_REFS = _temp_refs()


def _operator(ufunc, reflected=False):
    def op(s, o):
        ts = type(s)
        if ts in DIRECT_TYPES:
            prim = _UFUNC_PRIMS.get(ufunc)
            if prim is not None:
                to = type(o)
                if to in _PLAIN_OPERANDS:  # s is the only traced operand: it processes the op
                    if ts in SPENT_TYPES and refcount(s) <= _TEMP_REFS:
                        return s._process(prim, (o, s) if reflected else (s, o), {},
                                          (False, True) if reflected else (True, False))
                    return s._process(prim, (o, s) if reflected else (s, o), {})
                if to is ts and o._level == s._level:  # a tracer of the same level: s processes the op
                    if not reflected and ts in SPENT_TYPES:
                        spent = (refcount(s) <= _TEMP_REFS, refcount(o) <= _TEMP_REFS)  # before (s, o)
                        return s._process(prim, (s, o), {}, spent)
                    return s._process(prim, (o, s) if reflected else (s, o), {})
                if to in DIRECT_TYPES:
                    return bind(prim, o, s) if reflected else bind(prim, s, o)
        return ufunc(o, s) if reflected else ufunc(s, o)

    op.__name__ = f"__{'r' if reflected else ''}{ufunc.__name__}__"
    return op


def _unary(ufunc):
    def op(s):
        if type(s) in DIRECT_TYPES:
            prim = _UFUNC_PRIMS.get(ufunc)
            if prim is not None:
                if type(s) in SPENT_TYPES and refcount(s) <= _TEMP_REFS:
                    return s._process(prim, (s,), {}, (True,))
                return s._process(prim, (s,), {})
        return ufunc(s)

    op.__name__ = f"__{ufunc.__name__}__"
    return op


class Tracer:
    """Base of the traced types: behaves like an ndarray, routes NumPy here.

    Subclasses provide ``primal`` (the value one level down, maybe traced
    itself), ``_level`` and ``_process(prim, args, params)``.
    """

    _adcheck_tracer = True
    __array_priority__ = 1000.0
    __slots__ = ()

    # -- array facts ---------------------------------------------------------
    shape = property(lambda self: np.shape(concrete(self)))
    ndim = property(lambda self: np.ndim(concrete(self)))
    size = property(lambda self: np.size(concrete(self)))
    dtype = property(lambda self: np.result_type(concrete(self)))

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of a 0-d traced value")
        return self.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    # -- NumPy protocols -----------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return handle_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return handle_function(func, args, kwargs)

    def __array__(self, dtype=None, copy=None):
        raise UnsupportedOpError(
            "np.asarray/np.array of a traced value",
            detail="the conversion would drop the derivative (NumPy converts a traced x in "
                   "A.dot(x) with A a plain array: write A @ x or np.dot(A, x); in a[i] = x "
                   "with a made outside f; and in library code calling np.asarray)")

    # -- operators -----------------------------------------------------------
    # Each one is np.<ufunc>(s, o) -- the same call NumPy makes for an ndarray --
    # with the protocol round trip skipped where it is known to land on
    # handle_ufunc anyway (see _operator).
    __add__ = _operator(np.add)
    __radd__ = _operator(np.add, reflected=True)
    __sub__ = _operator(np.subtract)
    __rsub__ = _operator(np.subtract, reflected=True)
    __mul__ = _operator(np.multiply)
    __rmul__ = _operator(np.multiply, reflected=True)
    __truediv__ = _operator(np.divide)
    __rtruediv__ = _operator(np.divide, reflected=True)
    __pow__ = _operator(np.power)
    __rpow__ = _operator(np.power, reflected=True)
    __matmul__ = _operator(np.matmul)
    __rmatmul__ = _operator(np.matmul, reflected=True)
    __neg__ = _unary(np.negative)
    __pos__ = lambda s: s
    __abs__ = _unary(np.absolute)
    __mod__ = lambda s, o: np.remainder(s, o)
    __rmod__ = lambda s, o: np.remainder(o, s)
    __floordiv__ = lambda s, o: np.floor_divide(s, o)
    __rfloordiv__ = lambda s, o: np.floor_divide(o, s)
    __lt__ = lambda s, o: np.less(s, o)
    __le__ = lambda s, o: np.less_equal(s, o)
    __gt__ = lambda s, o: np.greater(s, o)
    __ge__ = lambda s, o: np.greater_equal(s, o)
    __eq__ = lambda s, o: np.equal(s, o)
    __ne__ = lambda s, o: np.not_equal(s, o)
    __invert__ = lambda s: np.invert(s)
    __and__ = lambda s, o: np.bitwise_and(s, o)
    __rand__ = lambda s, o: np.bitwise_and(o, s)
    __or__ = lambda s, o: np.bitwise_or(s, o)
    __ror__ = lambda s, o: np.bitwise_or(o, s)
    __xor__ = lambda s, o: np.bitwise_xor(s, o)
    __rxor__ = lambda s, o: np.bitwise_xor(o, s)
    __hash__ = object.__hash__

    def __bool__(self):
        return bool(concrete(self))

    def __float__(self):
        raise UnsupportedOpError("float() of a traced value", detail="the conversion would drop the derivative")

    def __int__(self):
        return int(concrete(self))

    def __index__(self):
        return int(concrete(self))

    def __complex__(self):
        raise UnsupportedOpError("complex() of a traced value")

    def __setitem__(self, idx, value):
        """``a[idx] = v`` as a functional update: ``a`` takes the state where(mask, v, a)."""
        if getattr(self, "_view", False):
            raise UnsupportedOpError(
                "assignment into a view of a traced array (row = A[0]; row[1] = v)",
                detail="write into the array itself (A[0, 1] = v), or copy the view first")
        new = C.setitem(self, idx, value)
        if type(new) is not type(self) or new._level != self._level:
            raise UnsupportedOpError(
                "assignment of an inner derivative's value into an outer traced array",
                detail="build a new array with np.stack or np.where instead")
        self._become(new)

    def __getitem__(self, idx):
        return C.getitem(self, idx)

    # -- ndarray methods -----------------------------------------------------
    T = property(lambda self: np.transpose(self))
    mT = property(lambda self: np.swapaxes(self, -1, -2))
    real = property(lambda self: self)

    def sum(self, axis=None, dtype=None, out=None, keepdims=False, **kw):  # kw: initial, where
        return np.sum(self, axis=axis, out=out, keepdims=keepdims, **kw)

    def mean(self, axis=None, dtype=None, out=None, keepdims=False, **kw):
        return np.mean(self, axis=axis, out=out, keepdims=keepdims, **kw)

    def max(self, axis=None, out=None, keepdims=False, **kw):
        return np.max(self, axis=axis, out=out, keepdims=keepdims, **kw)

    def min(self, axis=None, out=None, keepdims=False, **kw):
        return np.min(self, axis=axis, out=out, keepdims=keepdims, **kw)

    def prod(self, axis=None, dtype=None, out=None, keepdims=False, **kw):
        return np.prod(self, axis=axis, out=out, keepdims=keepdims, **kw)

    def cumsum(self, axis=None):
        return np.cumsum(self, axis=axis)

    def cumprod(self, axis=None):
        return np.cumprod(self, axis=axis)

    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
        return np.var(self, axis=axis, out=out, ddof=ddof, keepdims=keepdims, **kw)

    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
        return np.std(self, axis=axis, out=out, ddof=ddof, keepdims=keepdims, **kw)

    def argmax(self, axis=None, out=None, keepdims=False):
        return np.argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis=None, out=None, keepdims=False):
        return np.argmin(self, axis=axis, keepdims=keepdims)

    def argsort(self, axis=-1, kind=None, order=None):
        return np.argsort(self, axis=axis, kind=kind)

    def sort(self, axis=-1, kind=None, order=None):
        """In place, as ndarray.sort: the array takes the sorted state."""
        self[...] = np.sort(self, axis=axis)

    def repeat(self, repeats, axis=None):
        return np.repeat(self, repeats, axis=axis)

    def take(self, indices, axis=None, out=None, mode="raise"):
        return np.take(self, indices, axis=axis, mode=mode)

    def trace(self, offset=0, axis1=0, axis2=1, dtype=None, out=None):
        return np.trace(self, offset, axis1, axis2)

    def diagonal(self, offset=0, axis1=0, axis2=1):
        return np.diagonal(self, offset, axis1, axis2)

    def any(self, axis=None, out=None, keepdims=False):
        return np.any(self, axis=axis, keepdims=keepdims)

    def all(self, axis=None, out=None, keepdims=False):
        return np.all(self, axis=axis, keepdims=keepdims)

    def nonzero(self):
        return np.nonzero(self)

    def round(self, decimals=0, out=None):
        return np.round(self, decimals)

    def conj(self):
        return self

    conjugate = conj

    def dot(self, other):
        return np.dot(self, other)

    def reshape(self, *shape, order="C"):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return np.reshape(self, shape, order=order)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return np.transpose(self, axes or None)

    def swapaxes(self, a, b):
        return np.swapaxes(self, a, b)

    def ravel(self, order="C"):
        return np.ravel(self, order=order)

    flatten = ravel

    def squeeze(self, axis=None):
        return np.squeeze(self, axis=axis)

    def clip(self, min=None, max=None):
        return np.clip(self, min, max)

    def copy(self, order="C"):
        return np.positive(self)

    def item(self, *args):
        if args:
            return self[args if len(args) > 1 else args[0]]
        if self.size != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        return np.reshape(self, ())

    def tolist(self):
        if self.ndim == 0:
            return self
        return [self[i].tolist() for i in range(len(self))]

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        if np.issubdtype(np.dtype(dtype), np.floating):
            return self
        raise UnsupportedOpError(f"astype({np.dtype(dtype).name}) of a traced value",
                                 detail="a non-float cast has no derivative")

    def __repr__(self):
        return f"{type(self).__name__}(level={self._level}, value={concrete(self)!r})"
