"""Plain arrays: arrays user code creates while it is being traced.

``np.zeros(n)``, ``np.array([...])`` of constants and their kin return a
:class:`Plain` while a traced evaluation runs (see frontends.coerce).  It acts
exactly like the NumPy array it holds until a traced value is written into it
(``out[i] = x[i]**2``); from then on it holds the traced result of that
functional update, so the derivative follows the write.
"""

from __future__ import annotations

import numpy as np

from adcheck.errors import UnsupportedOpError
from adcheck.methods.dispatch import Tracer, handle_function, handle_ufunc
from adcheck.prims import composites as C
from adcheck.prims.table import bind


def _traced_content(a) -> bool:
    return getattr(a, "_adcheck_tracer", False) and not (type(a) is Plain and a.is_constant)


def plain_only(args) -> bool:
    """True when no argument carries a derivative (Plain constants at most)."""
    for a in args:
        if type(a) in (list, tuple):
            if not plain_only(a):
                return False
        elif _traced_content(a):
            return False
    return True


def _unwrap(args):
    return [a.value if type(a) is Plain else (type(a)(_unwrap(a)) if type(a) in (list, tuple) else a)
            for a in args]


def _wrap(out):
    if isinstance(out, np.ndarray) and out.dtype != object:
        return Plain(out)
    if isinstance(out, tuple):
        return tuple(_wrap(o) for o in out)
    return out


class Plain(Tracer):
    """An array that user code creates while being traced (``np.zeros``, ``np.array``...).

    It behaves as the NumPy array it holds until a traced value is written
    into it (``out[i] = x[i]**2``); from then on it holds the traced value the
    functional update produced, so the derivative follows the write.  Plain
    constants pass through NumPy unchanged (results stay Plain, so they can
    be written into later too).
    """

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    is_constant = property(lambda self: not getattr(self.value, "_adcheck_tracer", False))
    primal = property(lambda self: self.value)
    _level = property(lambda self: self.value._level if not self.is_constant else 0)

    def _process(self, prim, args, params):
        out = bind(prim, *_unwrap(args), **params)
        return _wrap(out)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if plain_only(inputs) and kwargs.get("out") is None:
            return _wrap(getattr(ufunc, method)(*_unwrap(inputs), **kwargs))
        return handle_ufunc(ufunc, method, _unwrap(inputs), kwargs)

    def __array_function__(self, func, types, args, kwargs):
        if plain_only(args) and plain_only(list(kwargs.values())):
            return _wrap(func(*_unwrap(args), **dict(zip(kwargs, _unwrap(list(kwargs.values()))))))
        return handle_function(func, _unwrap(args), kwargs)

    def __array__(self, dtype=None, copy=None):
        if self.is_constant:
            return np.asarray(self.value, dtype=dtype)
        return Tracer.__array__(self, dtype, copy)

    def __float__(self):
        return float(self.value) if self.is_constant else float(self.value)

    def __getitem__(self, idx):
        if self.is_constant and plain_only(idx if isinstance(idx, tuple) else (idx,)):
            return _wrap(self.value[tuple(_unwrap(idx)) if isinstance(idx, tuple) else _unwrap([idx])[0]])
        return C.getitem(self.value, idx)

    def __setitem__(self, idx, v):
        if isinstance(v, Plain) and v.is_constant:
            v = v.value
        if self.is_constant and not getattr(v, "_adcheck_tracer", False):
            self.value[idx] = v
            return
        if self.is_constant and self.value.base is not None:
            raise UnsupportedOpError(
                "writing a traced value into a view of an array (row = A[0]; row[1] = x)",
                detail="write into the array itself (A[0, 1] = x)")
        self.value = C.setitem(self.value, idx, v)

    def __getattr__(self, name):
        if self.is_constant:
            return getattr(self.value, name)
        raise AttributeError(f"traced array has no attribute {name!r}")

    def copy(self, order="C"):
        return Plain(self.value.copy()) if self.is_constant else Plain(np.positive(self.value))

    def astype(self, dtype, *args, **kwargs):
        if self.is_constant:
            return _wrap(self.value.astype(dtype, *args, **kwargs))
        return Tracer.astype(self, dtype, *args, **kwargs)

    def item(self, *args):
        return self.value.item(*args) if self.is_constant else Tracer.item(self, *args)


def unplain(y):
    """A function's result with Plain wrappers removed and lists of traced values stacked."""
    if type(y) is Plain:
        return y.value
    if type(y) in (list, tuple) and not plain_only(y):
        return C.asarray([unplain(e) for e in y])
    return y
