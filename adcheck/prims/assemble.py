"""Arrays assembled from pieces, built from primitives (no rules here).

dstack, block, meshgrid, select, piecewise, apply_along_axis: each is concatenation,
broadcasting or selection (``where``) of traced pieces, with the choices
(which condition holds where) taken from concrete values, as NumPy makes
them.  Entries are copied, never recomputed: values are NumPy's.
"""

from __future__ import annotations

import numpy as np

from adcheck.prims import composites as C


def _concrete(x):
    from adcheck.methods.dispatch import concrete
    return concrete(x)


def atleast_3d(*arys):
    out = []
    for a in arys:
        a = C.asarray(a)
        shape = tuple(C._shape(a))
        new = {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}.get(len(shape), shape)
        out.append(C.reshape(a, new) if new != shape else a)
    return out[0] if len(out) == 1 else out


def dstack(tup):
    arrs = atleast_3d(*tup)
    return C.concatenate(arrs if isinstance(arrs, list) else [arrs], axis=2)


def _depth(x):
    return 1 + max(map(_depth, x), default=0) if isinstance(x, list) else 0


def _max_ndim(x):
    return max(map(_max_ndim, x)) if isinstance(x, list) else C._ndim(x)


def block(arrays):
    """Nested lists joined innermost-first: the innermost along the last axis, then -2, ..."""
    depth = _depth(arrays)
    ndim = max(_max_ndim(arrays), depth)

    def join(x, level):
        if not isinstance(x, list):
            x = C.asarray(x)
            return C.reshape(x, (1,) * (ndim - C._ndim(x)) + tuple(C._shape(x)))
        return C.concatenate([C._as_float(join(e, level + 1)) for e in x], axis=ndim - depth + level)

    return join(arrays, 0)


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    n = len(xi)
    grids = []
    for i, x in enumerate(xi):
        shape = [1] * n
        shape[i] = -1
        if indexing == "xy" and n > 1 and i < 2:
            shape[0], shape[1] = shape[1], shape[0]
        grids.append(C.reshape(C.asarray(x), tuple(shape)))
    if sparse:
        return tuple(grids)
    full = np.broadcast_shapes(*[tuple(C._shape(g)) for g in grids])
    return tuple(C.broadcast_to(C._as_float(g), full) for g in grids)


def select(condlist, choicelist, default=0):
    """The first true condition picks its choice: where() applied from the last to the first."""
    shape = np.broadcast_shapes(*[np.shape(_concrete(c)) for c in condlist],
                                *[tuple(C._shape(C.asarray(c))) for c in choicelist])
    result = C.broadcast_to(C._as_float(C.asarray(default)), shape)
    for cond, choice in zip(condlist[::-1], choicelist[::-1]):
        result = C.where(cond, choice, result)
    return result


def piecewise(x, condlist, funclist, *args, **kw):
    """funclist[i] applied where condlist[i] holds (later conditions win), as NumPy does."""
    from adcheck.methods.plain import Plain

    x = C.asarray(x)
    xv = np.asarray(_concrete(x))
    conds = [np.asarray(_concrete(c), dtype=bool) for c in
             (condlist if isinstance(condlist, (list, tuple)) else [condlist])]
    if len(funclist) == len(conds) + 1:  # the last function: where no condition holds
        conds.append(~np.any(conds, axis=0))
    y = Plain(np.zeros(xv.shape, dtype=np.float64))
    for cond, func in zip(conds, funclist):
        if not callable(func):
            y[cond] = func
        elif np.any(cond):
            y[cond] = func(C.getitem(x, (cond,)), *args, **kw)
    return y.value


def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """func1d on every 1-D slice along ``axis``; its outputs stacked where that axis was."""
    a = C.asarray(arr)
    nd = C._ndim(a)
    ax = C.norm_axis(axis, nd)[0]
    moved = C.moveaxis(a, ax, -1)
    outer, n = tuple(C._shape(moved)[:-1]), C._shape(moved)[-1]
    rows = C.reshape(moved, (-1, n))
    results = [C._as_float(C.asarray(func1d(C.getitem(rows, (i,)), *args, **kwargs)))
               for i in range(int(np.prod(outer)))]
    inner = tuple(C._shape(results[0]))
    out = C.reshape(C.stack(results, axis=0), outer + inner)
    k = len(inner)
    return C.transpose(out, list(range(ax)) + list(range(nd - 1, nd - 1 + k)) + list(range(ax, nd - 1)))


FUNCTIONS = {np.apply_along_axis: apply_along_axis, np.atleast_3d: atleast_3d, np.dstack: dstack, np.block: block, np.meshgrid: meshgrid,
             np.select: select, np.piecewise: piecewise}
C.FUNCTIONS.update(FUNCTIONS)
