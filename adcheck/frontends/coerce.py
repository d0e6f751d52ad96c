"""Tracer-aware stand-ins for the calls that make real NumPy code leave NumPy's dispatch.

Library code often starts with ``x = np.asarray(x, dtype=float)``, builds
results with ``np.array([...])`` or ``np.zeros`` plus item assignment, or
calls ``math.sin(x[0])`` and ``float(x[1])``.  Each of these would turn a
traced value into a plain number and lose the derivative.  While adcheck
traces a user's file, :func:`patched` puts stand-ins for them in the
globals of the user's modules (the file and the modules imported from its
folder): they behave exactly like the originals on plain values and keep
traced values traced.  The names of the stand-ins that actually carried a
derivative are recorded, so the report can say so.

Not covered (these still raise, naming the call): ``np.float64(x)`` and other
scalar-type constructors, ``x.astype(int)``, and C extensions that read the
array's memory.
"""

from __future__ import annotations

import builtins
import contextlib
import math
import os
import sys
import types

import numpy as np

from adcheck.errors import AdcheckError, MethodError, NotApplicableError
from adcheck.methods.dispatch import is_tracing
from adcheck.methods.plain import Plain, plain_only, unplain
from adcheck.prims import composites as C

_used: set = set()


def used() -> list:
    """Names of the stand-ins that carried a traced value since the last :func:`reset`."""
    return sorted(_used)


def reset() -> None:
    _used.clear()


def _traced(x) -> bool:
    if isinstance(x, (list, tuple)):
        return not plain_only(x)
    return getattr(x, "_adcheck_tracer", False) and not (type(x) is Plain and x.is_constant)


def _float_dtype(dtype) -> bool:
    return dtype is None or dtype in (float, _float) or np.issubdtype(np.dtype(dtype), np.floating)


def _complex_guard(name, a, dtype):
    if dtype is not None and not np.issubdtype(np.dtype(dtype), np.complexfloating) and np.iscomplexobj(a):
        raise NotApplicableError(f"f casts its input to a real dtype ({name}(x, dtype=...)): "
                                 "the complex step cannot pass through")


def _converter(name, original):
    def stand_in(a, dtype=None, *args, **kwargs):
        if is_tracing() and _traced(a):
            if not _float_dtype(dtype):
                return original(unplain(a), dtype, *args, **kwargs)  # raises: no derivative of a cast
            _used.add(f"np.{name}")
            return C.asarray(unplain(a))
        if not _traced(a):
            _complex_guard(f"np.{name}", a, dtype)
        out = original(a.value if type(a) is Plain else a, dtype, *args, **kwargs)
        return Plain(out) if is_tracing() and isinstance(out, np.ndarray) else out

    stand_in.__name__ = name
    stand_in.__wrapped__ = original
    return stand_in


def _creator(name, original):
    def stand_in(*args, **kwargs):
        out = original(*args, **kwargs)
        return Plain(out) if is_tracing() and isinstance(out, np.ndarray) else out

    stand_in.__name__ = name
    stand_in.__wrapped__ = original
    return stand_in


def _scalar_type(label, base, real):
    """A stand-in for a scalar type (``float``, ``np.float64``) that keeps traced values traced.

    It subclasses ``base`` (a NumPy float type), so ``dtype=float`` still means
    float64 to NumPy, and its metaclass makes ``isinstance(v, float)`` test
    against the real type, so the user's checks keep their meaning.
    """

    class Meta(type):
        def __instancecheck__(cls, obj):
            return isinstance(obj, real)

        def __subclasscheck__(cls, sub):
            return issubclass(sub, real)

        def __repr__(cls):
            return repr(real)

    def __new__(cls, x=0.0, *args):
        if is_tracing() and _traced(x):
            _used.add(label)
            return np.reshape(unplain(x), ())
        return real(x.value if type(x) is Plain else x, *args)

    return Meta(real.__name__, (base,), {"__new__": __new__, "__slots__": ()})


_float = _scalar_type("float()", np.float64, builtins.float)


_CONVERTERS = ("array", "asarray", "asanyarray", "ascontiguousarray", "asfortranarray")
_CREATORS = ("zeros", "ones", "empty", "full", "eye", "identity", "arange", "linspace")

NUMPY_STAND_INS = {getattr(np, n): _converter(n, getattr(np, n)) for n in _CONVERTERS}
NUMPY_STAND_INS.update({getattr(np, n): _creator(n, getattr(np, n)) for n in _CREATORS})


NUMPY_STAND_INS[np.float64] = _scalar_type("np.float64()", np.float64, np.float64)
NUMPY_STAND_INS[np.float32] = _scalar_type("np.float32()", np.float32, np.float32)


# np.sum([a, b]) or np.linalg.norm([dx, dy]) with traced a, b: NumPy's dispatch looks at
# the list, not inside it, so NumPy itself converts the list and the derivative is lost.
# While tracing, a list argument holding traced values is stacked into one traced array
# first (these functions take array-likes, so that is what NumPy would have built).
_LIST_TAKERS = ("sum", "mean", "prod", "max", "min", "amax", "amin", "std", "var", "median",
                "average", "cumsum", "cumprod", "ptp", "nansum", "nanmean", "nanmax", "nanmin",
                "sort", "diff", "dot", "vdot", "inner", "outer", "cross", "polyval", "interp",
                "trapezoid", "clip", "where", "ravel", "reshape", "transpose")
_LINALG_LIST_TAKERS = ("norm", "det", "slogdet", "inv", "solve")


def _traced_list(a) -> bool:
    return isinstance(a, (list, tuple)) and _traced(a)


def _list_taker(label, original):
    def stand_in(*args, **kwargs):
        if is_tracing() and (any(map(_traced_list, args)) or any(map(_traced_list, kwargs.values()))):
            _used.add(label)
            args = [unplain(a) if _traced_list(a) else a for a in args]
            kwargs = {k: unplain(v) if _traced_list(v) else v for k, v in kwargs.items()}
        return original(*args, **kwargs)

    stand_in.__name__ = original.__name__
    stand_in.__wrapped__ = original
    return stand_in


NUMPY_STAND_INS.update({getattr(np, n): _list_taker(f"np.{n}([...])", getattr(np, n))
                        for n in _LIST_TAKERS if hasattr(np, n)})
LINALG_STAND_INS = {getattr(np.linalg, n): _list_taker(f"np.linalg.{n}([...])", getattr(np.linalg, n))
                    for n in _LINALG_LIST_TAKERS}


class LinalgStandIn(types.ModuleType):
    """``numpy.linalg`` as the user's module sees it while traced."""

    def __init__(self):
        super().__init__("numpy.linalg")
        for orig, stand in LINALG_STAND_INS.items():
            setattr(self, orig.__name__, stand)

    def __getattr__(self, name):
        return getattr(np.linalg, name)


class NumpyStandIn(types.ModuleType):
    """``numpy`` as the user's module sees it while traced: stand-ins first, else numpy."""

    def __init__(self):
        super().__init__("numpy")
        for orig, stand in NUMPY_STAND_INS.items():
            setattr(self, orig.__name__, stand)
        self.double = self.float64
        self.linalg = _LINALG

    def __getattr__(self, name):
        return getattr(np, name)


# ----- math -------------------------------------------------------------------

_MATH_TO_NUMPY = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos,
    "atan": np.arctan, "atan2": np.arctan2, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh,
    "asinh": np.arcsinh, "acosh": np.arccosh, "atanh": np.arctanh, "exp": np.exp,
    "expm1": np.expm1, "log1p": np.log1p, "log2": np.log2, "log10": np.log10, "sqrt": np.sqrt,
    "fabs": np.absolute, "hypot": np.hypot, "pow": np.power, "cbrt": np.cbrt, "exp2": np.exp2,
    "erf": None,
}


def _math_stand_in(name, original):
    def stand_in(*args):
        if is_tracing() and any(_traced(a) for a in args):
            _used.add(f"math.{name}")
            args = [unplain(a) for a in args]
            if name == "log":
                return np.log(args[0]) if len(args) == 1 else np.log(args[0]) / np.log(args[1])
            if name == "erf":
                from adcheck.prims import get
                return get("erf")(args[0])
            return _MATH_TO_NUMPY[name](*args)
        return original(*args)

    stand_in.__name__ = name
    stand_in.__wrapped__ = original
    return stand_in


MATH_STAND_INS = {getattr(math, n): _math_stand_in(n, getattr(math, n))
                  for n in list(_MATH_TO_NUMPY) + ["log"] if hasattr(math, n)}


class MathStandIn(types.ModuleType):
    def __init__(self):
        super().__init__("math")
        for orig, stand in MATH_STAND_INS.items():
            setattr(self, orig.__name__, stand)

    def __getattr__(self, name):
        return getattr(math, name)




_LINALG = LinalgStandIn()
_NUMPY, _MATH = NumpyStandIn(), MathStandIn()


_BY_ID: dict = {}  # id(original) -> stand-in: the tables above, merged (linalg, math, numpy)
_SCIPY: dict = {}  # scipy module name -> its (original, stand-in) pairs, added to _BY_ID once loaded
SCIPY_MODULES = ("scipy.special", "scipy.linalg")  # the modules frontends.scipy_functions covers


def _stand_ins_by_id() -> dict:
    """One lookup per global in ``patched`` (the originals are kept alive by the tables, so ids are stable)."""
    if not _BY_ID:
        for table in (LINALG_STAND_INS, MATH_STAND_INS, NUMPY_STAND_INS):
            _BY_ID.update({id(k): v for k, v in table.items()})
        _BY_ID.update({id(np.linalg): _LINALG, id(math): _MATH, id(np): _NUMPY})
    if len(_SCIPY) < len(SCIPY_MODULES):
        for name in SCIPY_MODULES:
            if name not in _SCIPY and name in sys.modules:
                _add_scipy(name, sys.modules[name])
    return _BY_ID


# ----- scipy ----------------------------------------------------------------------
# scipy.special's ufuncs (expit, gammaln, xlogy...) reach NumPy's dispatch by themselves
# (see prims.special); logsumexp/softmax/log_softmax and scipy.linalg's solvers convert
# their input first, so while tracing they are replaced (frontends.scipy_functions), as
# names and as attributes of their module (``import scipy.linalg as sla``;
# ``from scipy import special``).


def _scipy_function(original, traced, module_name):
    label = f"{module_name}.{original.__name__}"

    def stand_in(*args, **kwargs):
        if is_tracing() and (any(map(_traced, args)) or any(map(_traced, kwargs.values()))):
            _used.add(label)
            return traced(*[_unwrapped(a) for a in args], **{k: _unwrapped(v) for k, v in kwargs.items()})
        return original(*args, **kwargs)

    stand_in.__name__ = original.__name__
    stand_in.__wrapped__ = original
    return stand_in


def _unwrapped(a):
    """``a`` with Plain wrappers removed, tuples and lists kept as they are (cho_solve's (c, lower))."""
    if type(a) is Plain:
        return a.value
    if type(a) in (list, tuple):
        return type(a)(_unwrapped(e) for e in a)
    return a


class ModuleStandIn(types.ModuleType):
    """A scipy module as the user's module sees it while traced: stand-ins first, else the module."""

    def __init__(self, module, functions):
        super().__init__(module.__name__)
        self._module = module
        for name, fn in functions.items():
            setattr(self, name, fn)

    def __getattr__(self, name):
        return getattr(self._module, name)


def _add_scipy(name, module) -> None:
    """Stand-ins for the functions of the scipy module ``name`` and for the module itself."""
    from adcheck.frontends.scipy_functions import table

    pairs = [(orig, _scipy_function(orig, traced, name)) for orig, traced in table(name, module).items()]
    pairs.append((module, ModuleStandIn(module, {orig.__name__: stand for orig, stand in pairs})))
    _SCIPY[name] = pairs
    _BY_ID.update({id(k): v for k, v in pairs})


_ADCHECK_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_module_cache: dict = {}


def user_modules(module) -> list:
    """The module and the loaded modules from its folder: the user's own code.

    Installed packages and adcheck itself are never included.  The list is
    computed once per module (and again if more modules were loaded since).
    """
    key = (id(module), len(sys.modules))
    hit = _module_cache.get(id(module))
    if hit is not None and hit[0] == key:
        return hit[1]
    folder = os.path.dirname(os.path.abspath(getattr(module, "__file__", "") or ""))
    found = [module]
    for m in list(sys.modules.values()):
        f = getattr(m, "__file__", None)
        if m is module or not f:
            continue
        f = os.path.abspath(f)
        if (f.startswith(folder + os.sep) and "site-packages" not in f and "dist-packages" not in f
                and not f.startswith(_ADCHECK_DIR + os.sep)):
            found.append(m)
    _module_cache[id(module)] = (key, found)
    return found


_plans: dict = {}  # id(globals dict) -> (len, ids of its values that have stand-ins in order, [(name, value)])


def _replaced(g, by_id) -> list:
    """The (name, value) pairs of the globals ``g`` that have a stand-in.

    Cached per dict and reused while it is provably the same answer: the dict has as
    many entries, the ids of its values that have stand-ins are the same in the same
    order (found by a C-level filter over the values, no Python loop), and each cached
    name still holds its value -- then those names are exactly the ones to replace."""
    hits = list(filter(by_id.__contains__, map(id, g.values())))
    plan = _plans.get(id(g))
    if plan is not None and plan[0] == len(g) and plan[1] == hits and all(
            g.get(name, _MISSING) is value for name, value in plan[2]):
        return plan[2]
    items = list(g.items())
    for _, value in items:  # np.vectorize objects made at import time (@np.vectorize)
        if type(value) is np.vectorize and id(value) not in by_id:
            by_id[id(value)] = VectorizeStandIn(value)
            _VECTORIZED.append(value)  # kept alive, so that its id names it alone
    hits = list(filter(by_id.__contains__, map(id, g.values())))
    pairs = [(name, value) for name, value in items if id(value) in by_id]
    _plans[id(g)] = (len(g), hits, pairs)
    return pairs


def install(module) -> list:
    """Put the stand-ins into the globals of the user's modules; returns what :func:`restore` undoes."""
    saved = []
    by_id = _stand_ins_by_id()
    for m in user_modules(module):
        g = m.__dict__
        for name, value in _replaced(g, by_id):
            saved.append((g, name, value))
            g[name] = by_id[id(value)]
        if "float" not in g:
            saved.append((g, "float", _MISSING))
            g["float"] = _float
    return saved


def restore(saved) -> None:
    """Put back the globals :func:`install` replaced, latest first."""
    for g, name, value in reversed(saved):
        if value is _MISSING:
            g.pop(name, None)
        else:
            g[name] = value


@contextlib.contextmanager
def patched(module):
    """Install the stand-ins into the globals of the user's modules; restore on exit."""
    saved = install(module)
    try:
        yield
    finally:
        restore(saved)


_MISSING = object()
_VECTORIZED: list = []


class VectorizeStandIn:
    """An ``np.vectorize`` object as traced code sees it: called with a traced argument, it
    calls the Python function on each entry (traced 0-d values) and stacks the results --
    what np.vectorize does, but without converting the arguments to plain arrays first.
    With ``signature`` or ``excluded`` it stays np.vectorize (which then names the call)."""

    def __init__(self, original):
        self.original = original
        self.__wrapped__ = original
        self.__doc__ = getattr(original, "__doc__", None)

    def __call__(self, *args, **kwargs):
        v = self.original
        if (is_tracing() and not kwargs and v.signature is None and not v.excluded
                and any(map(_traced, args))):
            _used.add("np.vectorize")
            return _each_entry(v.pyfunc, [unplain(a) for a in args])
        return v(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.original, name)


def _each_entry(pyfunc, args):
    shape = np.broadcast_shapes(*[tuple(a.shape) if _traced(a) else np.shape(a) for a in args])
    args = [a if (tuple(a.shape) if _traced(a) else np.shape(a)) == shape else np.broadcast_to(a, shape)
            for a in args]
    if not shape:
        return C.asarray(pyfunc(*args))
    out = [pyfunc(*[a[idx] for a in args]) for idx in np.ndindex(*shape)]
    return np.reshape(C.asarray(out), shape)


def _vectorize(*args, **kwargs):
    """``np.vectorize(...)`` called inside traced code."""
    return VectorizeStandIn(np.vectorize(*args, **kwargs))


_NUMPY.vectorize = _vectorize


def to_output(y):
    """The function's result as a traced value or a plain float ndarray (lists stacked)."""
    y = unplain(y)
    if isinstance(y, (list, tuple)):
        return np.asarray([unplain(e) for e in y])
    return y


_STDLIB: list = []  # the standard library's folder, found once (sysconfig is slow to ask)


_USER_MODULE: dict = {}  # (id(module), its __file__) -> whether it is the user's own code


def _is_user_module(module) -> bool:
    f = getattr(module, "__file__", None)
    key = (id(module), f)
    hit = _USER_MODULE.get(key)
    if hit is None:
        hit = _USER_MODULE[key] = _user_file(f)
    return hit


def _user_file(f) -> bool:
    if not f:
        return False
    f = os.path.abspath(f)
    if not _STDLIB:
        import sysconfig

        _STDLIB.append(os.path.abspath(sysconfig.get_paths()["stdlib"]))
    stdlib = _STDLIB[0]
    return not (f.startswith(_ADCHECK_DIR + os.sep) or "site-packages" in f or "dist-packages" in f
                or f.startswith(stdlib + os.sep))


def wrap(f):
    """f as adcheck traces it: stand-ins installed in its module while it runs, lists stacked.

    Used by the Python API (adcheck.grad(f, x) ...), so a function from the
    user's own module gets the same treatment as a function loaded from a file.
    """
    module = sys.modules.get(getattr(f, "__module__", None) or "")
    user = module is not None and _is_user_module(module)

    def traced(x):
        try:
            if user:
                saved = install(module)
                try:
                    return to_output(f(x))
                finally:
                    restore(saved)
            return to_output(f(x))
        except AdcheckError:
            raise
        except Exception as exc:
            if not getattr(x, "_adcheck_tracer", False):
                raise
            name = getattr(f, "__qualname__", "f")
            raise MethodError(f"could not trace {name}: {type(exc).__name__}: {exc}") from exc

    return traced
