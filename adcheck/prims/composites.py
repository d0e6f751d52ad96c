"""NumPy functions built from primitives: they carry no derivative rules.

``FUNCTIONS`` maps each NumPy function a tracer may meet through
``__array_function__`` to a handler that normalises its parameters (axes to
non-negative tuples, shapes to full tuples) and calls primitives.  Everything
here differentiates because the primitives do.  This module holds the shape,
indexing, join, product, selection and linear-algebra handlers and the
helpers the others use; reductions.py, einsum.py, rearrange.py and
numeric.py and assemble.py add theirs to the same table (imported at the end).
"""

from __future__ import annotations

import numpy as np

from adcheck.errors import UnsupportedOpError
from adcheck.prims.table import bind, get
from adcheck.prims.table import is_traced as _is_traced, ndim_of as _ndim, shape_of as _shape


def _p(name):
    return get(name)


def asarray(x):
    """A tracer as is; a (nested) list holding tracers stacked; else a float/int ndarray."""
    if _is_traced(x):
        return x
    if isinstance(x, (list, tuple)):
        if any(_is_traced(e) or isinstance(e, (list, tuple)) for e in x):
            parts = [asarray(e) for e in x]
            if any(_is_traced(p) for p in parts):
                return bind(_p("stack"), *[_broadcast_scalar(p) for p in parts], axis=0)
            return np.array([np.asarray(p) for p in parts])
    return np.asarray(x)


def _broadcast_scalar(p):
    return p if _is_traced(p) else np.asarray(p, dtype=np.float64)


def norm_axis(axis, ndim):
    """``axis`` as None or a sorted tuple of non-negative ints (validated)."""
    if axis is None:
        return None
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise np.exceptions.AxisError(a, ndim)
        out.append(a % max(ndim, 1))
    return tuple(sorted(out))


def _no_out(name, out):
    if out is not None:
        raise UnsupportedOpError(f"np.{name}(..., out=...)", detail="in-place output into a traced array")


# ----- shape ------------------------------------------------------------------

def reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    a = asarray(a)
    shape = newshape if shape is None else shape
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    full = np.empty(_shape(a), dtype=np.bool_).reshape(shape).shape  # resolves -1, validates
    if order == "F":  # column-major: reverse the axes on both sides of a C-order reshape
        return transpose(bind(_p("reshape"), transpose(a), shape=full[::-1]))
    if order not in ("C", "A", None):
        raise UnsupportedOpError(f"np.reshape(order={order!r})")
    return bind(_p("reshape"), a, shape=full)


def ravel(a, order="C"):
    return reshape(a, (-1,), order="F" if order == "F" else "C")


def squeeze(a, axis=None):
    a = asarray(a)
    shp = _shape(a)
    ax = norm_axis(axis, len(shp))
    keep = [s for i, s in enumerate(shp) if not ((ax is None and s == 1) or (ax is not None and i in ax))]
    return reshape(a, tuple(keep))


def expand_dims(a, axis):
    a = asarray(a)
    axes = axis if isinstance(axis, tuple) else (axis,)
    nd = _ndim(a) + len(axes)
    axes = sorted(x % nd for x in axes)
    shp = list(_shape(a))
    for x in axes:
        shp.insert(x, 1)
    return reshape(a, tuple(shp))


def atleast_1d(*arys):
    out = [reshape(asarray(a), (1,)) if _ndim(a) == 0 else asarray(a) for a in arys]
    return out[0] if len(out) == 1 else out


def atleast_2d(*arys):
    out = []
    for a in arys:
        a = asarray(a)
        out.append(reshape(a, (1,) * (2 - _ndim(a)) + _shape(a)) if _ndim(a) < 2 else a)
    return out[0] if len(out) == 1 else out


def transpose(a, axes=None):
    a = asarray(a)
    nd = _ndim(a)
    axes = tuple(range(nd))[::-1] if axes is None else tuple(int(x) % nd for x in axes)
    return bind(_p("transpose"), a, axes=axes)


def swapaxes(a, axis1, axis2):
    nd = _ndim(a)
    perm = list(range(nd))
    i, j = axis1 % nd, axis2 % nd
    perm[i], perm[j] = perm[j], perm[i]
    return transpose(a, perm)


def moveaxis(a, source, destination):
    nd = _ndim(a)
    src = [s % nd for s in np.atleast_1d(source)]
    dst = [d % nd for d in np.atleast_1d(destination)]
    order = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(a, order)


def broadcast_to(a, shape, subok=False):
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return bind(_p("broadcast_to"), asarray(a), shape=shape)


def _as_float(x):
    return x if _is_traced(x) else np.asarray(x, dtype=np.float64)


def concatenate(arrays, axis=0, out=None, dtype=None, casting=None):
    _no_out("concatenate", out)
    arrays = [asarray(a) for a in arrays]
    if axis is None:
        arrays, axis = [ravel(a) for a in arrays], 0
    (ax,) = norm_axis(axis, _ndim(arrays[0]))
    return bind(_p("concatenate"), *[_as_float(a) for a in arrays], axis=ax)


def stack(arrays, axis=0, out=None, dtype=None, casting=None):
    _no_out("stack", out)
    arrays = [asarray(a) for a in arrays]
    ax = norm_axis(axis, _ndim(arrays[0]) + 1)[0]
    return bind(_p("stack"), *[_as_float(a) for a in arrays], axis=ax)


def hstack(tup, dtype=None, casting=None):
    arrs = atleast_1d(*tup) if len(tup) > 1 else [atleast_1d(*tup)]
    return concatenate(arrs, axis=0 if _ndim(arrs[0]) == 1 else 1)


def vstack(tup, dtype=None, casting=None):
    arrs = atleast_2d(*tup) if len(tup) > 1 else [atleast_2d(*tup)]
    return concatenate(arrs, axis=0)


def column_stack(tup):
    cols = [reshape(asarray(a), (-1, 1)) if _ndim(a) < 2 else asarray(a) for a in tup]
    return concatenate(cols, axis=1)


# ----- indexing ---------------------------------------------------------------

def _norm_index_part(i):
    if _is_traced(i):
        from adcheck.methods.dispatch import concrete
        i = concrete(i)
    if isinstance(i, list):
        i = np.asarray(i)
    return i


def _index(idx):
    idx = idx if isinstance(idx, tuple) else (idx,)
    return tuple(_norm_index_part(i) for i in idx)


def _basic(idx):
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in idx)


def _mark_view(r):
    if _is_traced(r) and hasattr(type(r), "_view"):
        r._view = True
    return r


def getitem(x, idx):
    if type(idx) is slice or type(idx) is int:  # the common x[1:], x[i]: basic, nothing to normalise
        r = bind(_p("getitem"), x, idx=(idx,))
        return _mark_view(r)
    idx = _index(idx)
    r = bind(_p("getitem"), x, idx=idx)
    return _mark_view(r) if _basic(idx) else r


def setitem(a, idx, v):
    """The value of ``a`` after ``a[idx] = v``, built functionally: where(mask, scatter(v), a)."""
    idx = _index(idx)
    shape = _shape(a)
    mask = np.zeros(shape, dtype=bool)
    mask[idx] = True
    if not _basic(idx):
        hits = np.zeros(shape, dtype=np.int64)
        np.add.at(hits, idx, 1)
        if hits.max(initial=0) > 1:
            raise UnsupportedOpError("assignment with repeated indices into a traced array")
    sub_shape = np.empty(shape, dtype=np.bool_)[idx].shape
    v = broadcast_to(_as_float(asarray(v)), sub_shape)
    scattered = bind(_p("untake"), v, idx=idx, shape=tuple(shape))
    return bind(_p("where"), mask, scattered, a)


def flip(m, axis=None):
    nd = _ndim(m)
    axes = range(nd) if axis is None else norm_axis(axis, nd)
    idx = [slice(None)] * nd
    for a in axes:
        idx[a] = slice(None, None, -1)
    return getitem(m, tuple(idx))


def diff(a, n=1, axis=-1, prepend=None, append=None):
    a = asarray(a)
    (ax,) = norm_axis(axis, _ndim(a))

    def edge(v):  # NumPy broadcasts a scalar prepend/append to one slice along the axis
        v = asarray(v)
        if _ndim(v) == 0:
            shp = list(_shape(a))
            shp[ax] = 1
            v = broadcast_to(_as_float(v), tuple(shp))
        return v

    pieces = ([edge(prepend)] if prepend is not None else []) + [a] + \
        ([edge(append)] if append is not None else [])
    if len(pieces) > 1:
        a = concatenate(pieces, axis=ax)
    for _ in range(n):
        hi = (slice(None),) * ax + (slice(1, None),)
        lo = (slice(None),) * ax + (slice(None, -1),)
        a = getitem(a, hi) - getitem(a, lo)
    return a


def diagonal(a, offset=0, axis1=0, axis2=1):
    if _ndim(a) != 2 or (axis1, axis2) != (0, 1):
        raise UnsupportedOpError("np.diagonal of a non-matrix")
    r, c = _shape(a)
    i = np.arange(max(0, -offset), min(r, c - offset))
    return getitem(a, (i, i + offset))


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return reductions.sum_(diagonal(a, offset, axis1, axis2))


def diag(v, k=0):
    if _ndim(v) == 2:
        return diagonal(v, k)
    n = _shape(v)[0] + abs(k)
    i = np.arange(_shape(v)[0])
    return bind(_p("untake"), v, idx=(i + max(0, -k), i + max(0, k)), shape=(n, n))


# ----- products ---------------------------------------------------------------

def dot(a, b, out=None):
    _no_out("dot", out)
    if _ndim(a) == 0 or _ndim(b) == 0:
        return np.multiply(a, b)
    if _ndim(a) <= 2 and _ndim(b) <= 2:
        return np.matmul(a, b)
    raise UnsupportedOpError("np.dot of arrays with more than 2 dimensions", detail="use np.matmul or np.einsum")


def inner(a, b):
    if _ndim(a) == 0 or _ndim(b) == 0:
        return np.multiply(a, b)
    return np.matmul(a, np.swapaxes(b, -1, -2)) if _ndim(b) > 1 else np.matmul(a, b)


def outer(a, b, out=None):
    _no_out("outer", out)
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


def vdot(a, b):
    return reductions.sum_(ravel(a) * ravel(b))


# ----- selection --------------------------------------------------------------

def where(condition, x=None, y=None):
    if x is None and y is None:
        from adcheck.methods.dispatch import concrete
        return np.where(concrete(condition))
    from adcheck.methods.dispatch import concrete
    return bind(_p("where"), np.asarray(concrete(condition), dtype=bool), x, y)


def clip(a, a_min=None, a_max=None, out=None, **kw):
    _no_out("clip", out)
    a_min = kw.get("min", a_min)
    a_max = kw.get("max", a_max)
    if a_min is not None:
        a = np.maximum(a, a_min)
    if a_max is not None:
        a = np.minimum(a, a_max)
    return a


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """x with NaN, +inf and -inf replaced (by 0 and the largest finite floats, as NumPy does);
    the replacements are constants, so those entries get no derivative."""
    from adcheck.methods.dispatch import concrete

    v = np.asarray(concrete(x))
    big = np.finfo(v.dtype if np.issubdtype(v.dtype, np.floating) else np.float64).max
    fill = np.where(np.isnan(v), nan, np.where(v > 0, big if posinf is None else posinf,
                                                -big if neginf is None else neginf))
    return bind(_p("where"), np.isfinite(v), x, fill)


def copy(a, order="K", subok=False):
    return a


FUNCTIONS = {
    np.reshape: reshape, np.ravel: ravel, np.squeeze: squeeze, np.expand_dims: expand_dims,
    np.atleast_1d: atleast_1d, np.atleast_2d: atleast_2d, np.transpose: transpose,
    np.swapaxes: swapaxes, np.moveaxis: moveaxis, np.broadcast_to: broadcast_to,
    np.concatenate: concatenate, np.stack: stack, np.hstack: hstack, np.vstack: vstack,
    np.column_stack: column_stack, np.flip: flip, np.diff: diff, np.diagonal: diagonal,
    np.trace: trace, np.diag: diag, np.dot: dot, np.inner: inner, np.outer: outer,
    np.vdot: vdot, np.where: where, np.clip: clip, np.copy: copy, np.nan_to_num: nan_to_num,
}

# functions whose result does not depend differentiably on the traced values
CONCRETE_FUNCTIONS = {
    np.shape, np.ndim, np.size, np.result_type, np.iscomplexobj, np.isrealobj,
    np.argmax, np.argmin, np.argsort, np.nonzero, np.flatnonzero, np.any, np.all,
    np.isclose, np.allclose, np.array_equal, np.count_nonzero, np.searchsorted,
    np.zeros_like, np.ones_like, np.empty_like, np.full_like, np.round, np.around,
}


# ----- the rest of the table -------------------------------------------------------
# einsum.py is a primitive module (complete when imported): its handlers are merged here.
# The other modules build on the helpers above and add their handlers to FUNCTIONS
# themselves, at their end, so they load correctly whichever module is imported first.

from adcheck.prims import einsum as _einsum  # noqa: E402

FUNCTIONS.update(_einsum.FUNCTIONS)

from adcheck.prims import assemble, linalg_functions, numeric, rearrange, reductions  # noqa: E402,F401


def ufunc_fold(ufunc, method, *args, **kwargs):
    """``ufunc.reduce`` / ``ufunc.accumulate`` in sequence (see reductions.ufunc_fold)."""
    return reductions.ufunc_fold(ufunc, method, *args, **kwargs)
