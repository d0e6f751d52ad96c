"""Reductions built from primitives (no rules here): sum, mean, var, std, max/min, prod,
cumsum, ptp, the nan-ignoring variants, and ``ufunc.reduce`` / ``ufunc.accumulate``.

NumPy's ``where=`` masks and ``initial=`` values are honoured, never dropped:
a masked-out entry is replaced by the reduction's identity (0 for sums, 1
for products, ``initial`` for max/min) with the ``where`` primitive, so it
gets no derivative.  Counts (for means) are taken from the concrete mask.
Each follows NumPy's arithmetic (sum then divide; products and other
ufunc reductions in sequence along the axis), so values match NumPy's.
"""

from __future__ import annotations

import math

import numpy as np

from adcheck.errors import UnsupportedOpError
from adcheck.prims import composites as C
from adcheck.prims.table import bind, get


def _concrete(x):
    from adcheck.methods.dispatch import concrete
    return concrete(x)


def _masked(a, where, fill):
    """a with the entries outside the ``where`` mask replaced by ``fill`` (None: no mask)."""
    if where is None or where is True:
        return a, None
    mask = np.broadcast_to(np.asarray(_concrete(where), dtype=bool), C._shape(a))
    return bind(get("where"), mask, C._as_float(a), fill), mask


def _count(a, ax, mask, keepdims):
    if mask is not None:
        return np.sum(mask, axis=ax, keepdims=keepdims).astype(np.float64)
    shape = C._shape(a)
    return math.prod([shape[i] for i in (ax if ax is not None else range(len(shape)))])


def sum_(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    if axis is None and out is None and initial is None and where is None and C._is_traced(a):
        return bind(get("sum"), a, axis=None, keepdims=bool(keepdims))  # the plain np.sum(x)
    C._no_out("sum", out)
    a, _ = _masked(C.asarray(a), where, 0.0)
    r = bind(get("sum"), a, axis=C.norm_axis(axis, C._ndim(a)), keepdims=bool(keepdims))
    return r if initial is None or initial == 0 else r + initial


def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    C._no_out("mean", out)
    a = C.asarray(a)
    ax = C.norm_axis(axis, C._ndim(a))
    a, mask = _masked(a, where, 0.0)
    return sum_(a, ax, keepdims=keepdims) / _count(a, ax, mask, keepdims)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None,
        correction=None):
    C._no_out("var", out)
    if correction is not None:
        ddof = correction
    a = C.asarray(a)
    ax = C.norm_axis(axis, C._ndim(a))
    a, mask = _masked(a, where, 0.0)  # masked first: a NaN left in would reach d·d and its VJP
    centre = _mean(a, ax, keepdims=True, where=mask) if mean is None else mean
    d = a - centre
    sq, _ = _masked(d * d, mask, 0.0)
    return sum_(sq, ax, keepdims=keepdims) / (_count(a, ax, mask, keepdims) - ddof)


_mean = mean


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None,
        correction=None):
    return np.sqrt(var(a, axis, ddof=ddof, keepdims=keepdims, where=where, mean=mean,
                       correction=correction))


def _extreme(name):
    big = name == "amax"

    def handler(a, axis=None, out=None, keepdims=False, initial=None, where=None):
        C._no_out(name, out)
        a = C.asarray(a)
        if where is not None and where is not True and initial is None:
            raise ValueError(f"reduction operation '{'maximum' if big else 'minimum'}' does not have "
                             "an identity, so to use a where mask one has to specify 'initial'")
        a, _ = _masked(a, where, initial)
        r = bind(get(name), a, axis=C.norm_axis(axis, C._ndim(a)), keepdims=bool(keepdims))
        if initial is not None:
            r = np.maximum(r, initial) if big else np.minimum(r, initial)
        return r
    return handler


def _fold(fn, a, axis, keepdims, accumulate=False):
    """fn applied in sequence along ``axis`` (NumPy's order for reduce/accumulate)."""
    a = C.asarray(a)
    nd = C._ndim(a)
    if axis is None:
        a, ax = C.reshape(a, (-1,)), 0
    else:
        (ax,) = C.norm_axis(axis, nd)
    run, steps = None, []
    for i in range(C._shape(a)[ax]):
        piece = C.getitem(a, (slice(None),) * ax + (i,))
        run = piece if run is None else fn(run, piece)
        steps.append(run)
    if accumulate:
        return C.stack(steps, axis=ax)
    if run is None:
        raise ValueError("zero-size array to reduction operation which has no identity")
    if keepdims:
        run = C.expand_dims(run, ax if axis is not None else tuple(range(nd)))
    return run


def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Product by repeated multiplication along the axis (exact derivative, also at zeros)."""
    C._no_out("prod", out)
    a, _ = _masked(C.asarray(a), where, 1.0)
    shape = C._shape(a)
    length = int(np.prod(shape)) if axis is None else shape[C.norm_axis(axis, len(shape))[0]]
    if length == 0:  # the empty product: NumPy's identity, a constant
        return np.prod(np.ones(shape), axis=axis, keepdims=keepdims)
    r = _fold(np.multiply, a, axis, keepdims)
    return r if initial is None or initial == 1 else r * initial


def cumsum(a, axis=None, dtype=None, out=None):
    C._no_out("cumsum", out)
    a = C.asarray(a)
    if axis is None:
        a, axis = C.reshape(a, (-1,)), 0
    (ax,) = C.norm_axis(axis, C._ndim(a))
    return bind(get("cumsum"), a, axis=ax)


def ptp(a, axis=None, out=None, keepdims=False):
    return _extreme("amax")(a, axis, out, keepdims) - _extreme("amin")(a, axis, out, keepdims)


# ----- nan-ignoring reductions: NaN entries masked out ---------------------------

def _not_nan(a):
    return ~np.isnan(np.asarray(_concrete(a), dtype=np.float64))


def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    a = C.asarray(a)
    return sum_(a, axis, out=out, keepdims=keepdims, initial=initial, where=_and(_not_nan(a), where, a))


def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    a = C.asarray(a)
    return mean(a, axis, out=out, keepdims=keepdims, where=_and(_not_nan(a), where, a))


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None,
           correction=None):
    a = C.asarray(a)
    return var(a, axis, out=out, ddof=ddof, keepdims=keepdims, where=_and(_not_nan(a), where, a),
               mean=mean, correction=correction)


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None,
           correction=None):
    return np.sqrt(nanvar(a, axis, ddof=ddof, out=out, keepdims=keepdims, where=where, mean=mean,
                          correction=correction))


def _nan_extreme(name, fill):
    def handler(a, axis=None, out=None, keepdims=False, initial=None, where=None):
        a = C.asarray(a)
        return _extreme(name)(a, axis, out, keepdims, fill if initial is None else initial,
                              _and(_not_nan(a), where, a))
    return handler


def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    a = C.asarray(a)
    return prod(a, axis, out=out, keepdims=keepdims, initial=initial, where=_and(_not_nan(a), where, a))


def _and(mask, where, a):
    if where is None or where is True:
        return mask
    return mask & np.broadcast_to(np.asarray(_concrete(where), dtype=bool), C._shape(a))


# ----- ufunc.reduce / ufunc.accumulate --------------------------------------------

def ufunc_fold(ufunc, method, a, axis=0, dtype=None, out=None, keepdims=False, initial=None,
               where=None):
    """``ufunc.reduce`` / ``ufunc.accumulate`` of a binary ufunc, applied in sequence."""
    C._no_out(f"{ufunc.__name__}.{method}", out)
    if ufunc.nin != 2 or initial is not None or (where is not None and where is not True):
        raise UnsupportedOpError(f"np.{ufunc.__name__}.{method} with these arguments")
    if isinstance(axis, tuple):
        if len(axis) != 1:
            raise UnsupportedOpError(f"np.{ufunc.__name__}.{method} over several axes")
        axis = axis[0]
    return _fold(ufunc, a, axis, keepdims, accumulate=method == "accumulate")


FUNCTIONS = {
    np.sum: sum_, np.mean: mean, np.var: var, np.std: std, np.prod: prod, np.ptp: ptp,
    np.max: _extreme("amax"), np.amax: _extreme("amax"),
    np.min: _extreme("amin"), np.amin: _extreme("amin"), np.cumsum: cumsum,
    np.nansum: nansum, np.nanmean: nanmean, np.nanvar: nanvar, np.nanstd: nanstd,
    np.nanmax: _nan_extreme("amax", -np.inf), np.nanmin: _nan_extreme("amin", np.inf),
    np.nanprod: nanprod,
}
C.FUNCTIONS.update(FUNCTIONS)
