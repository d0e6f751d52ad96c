"""Structural primitives: reductions, shape changes, indexing, joins, matmul.

Forward rules see tangents with a leading batch axis of k directions, so a
rule for an op with an ``axis`` parameter shifts non-negative axes by one.
All axes reaching these rules are already normalised by the dispatcher:
``axis`` is None or a tuple of non-negative ints, ``shape`` is a full tuple.
"""

from __future__ import annotations

import numpy as np

from adcheck.prims.broadcast import align_tangent, unbroadcast
from adcheck.prims import table as _table
from adcheck.prims.table import Primitive, register


def _shift(axis):
    """Axes of a primal -> the same axes of a batched tangent."""
    if isinstance(axis, tuple):
        return tuple(a + 1 for a in axis)
    return axis + 1


def _batch(tangents, args):
    """k, the number of tangent directions (from any non-None tangent)."""
    for t in tangents:
        if t is not None:
            return np.shape(t)[0]
    raise AssertionError("jvp called without tangents")


def _defstruct(name, impl, jvp, vjp, doc, *, nargs=1, nondiff=(), linear=True, object_ok=True,
               vjp_needs=None):
    return register(Primitive(name=name, impl=impl, jvp=jvp, vjp=vjp, doc=doc, nargs=nargs,
                              nondiff=nondiff, linear=linear, object_ok=object_ok, vjp_needs=vjp_needs))


SHAPE_ONLY = ((False, frozenset()),)  # vjp_needs of a rule that reads only its argument's shape


# ----- reductions -------------------------------------------------------------

def broadcast_view(g, shape):
    """``np.broadcast_to(g, shape)`` -- the same read-only view -- built directly for a
    contiguous ndarray (np.broadcast_to's own set-up costs more than a small backward step)."""
    if type(g) is np.ndarray and g.flags.c_contiguous and g.ndim <= len(shape):
        gshape, offset = g.shape, len(shape) - g.ndim
        strides = [0] * len(shape)
        for i, d in enumerate(gshape):
            if d != 1:
                if d != shape[offset + i]:
                    return np.broadcast_to(g, shape)  # NumPy raises its own error
                strides[offset + i] = g.strides[i]
        view = np.ndarray(shape, g.dtype, g, 0, tuple(strides))
        view.flags.writeable = False
        return view
    return np.broadcast_to(g, shape)


def _expand_reduced(g, shape, axis, keepdims):
    """Broadcast a reduced cotangent back over the reduced axes of ``shape``."""
    if axis is None:
        if type(g) is np.float64:
            g = np.asarray(g)
        return broadcast_view(g, shape)  # g is a scalar, or has only 1-axes
    if not keepdims:
        kept = tuple(1 if i in axis else s for i, s in enumerate(shape))
        g = np.reshape(g, kept) if type(g) is not np.ndarray else g.reshape(kept)
    return broadcast_view(g, shape)


_defstruct(
    "sum", lambda x, axis=None, keepdims=False: np.sum(x, axis=axis, keepdims=keepdims),
    lambda ts, y, x, axis=None, keepdims=False: np.sum(
        ts[0], axis=_shift(axis) if axis is not None else tuple(range(1, np.ndim(x) + 1)),
        keepdims=keepdims),
    (lambda g, y, x, axis=None, keepdims=False: _expand_reduced(g, np.shape(x), axis, keepdims),),
    "Σ x over ``axis``;  linear: the JVP sums the tangent, the VJP broadcasts ȳ back.",
    vjp_needs=SHAPE_ONLY)


def _extreme_weights(x, y, axis, keepdims):
    """Where x attains the reduced extreme y, 1/(number of ties); else 0."""
    yb = _expand_reduced(y, np.shape(x), axis, keepdims)
    hit = np.equal(x, yb).astype(np.float64)
    count = np.sum(hit, axis=axis, keepdims=True)
    _table.note_tie("a tie of np.max/np.min", np.greater(count, 1.0))
    return hit / count


def _extreme(name, fn):
    def jvp(ts, y, x, axis=None, keepdims=False):
        w = _extreme_weights(x, y, axis, keepdims)
        ax = _shift(axis) if axis is not None else tuple(range(1, np.ndim(x) + 1))
        return np.sum(ts[0] * w, axis=ax, keepdims=keepdims)

    def vjp(g, y, x, axis=None, keepdims=False):
        return _expand_reduced(g, np.shape(x), axis, keepdims) * _extreme_weights(x, y, axis, keepdims)

    def lift(x_exprs, value, values, axis=None, keepdims=False):
        """Symbolic form: the expression of the entry that attains the extreme at the point."""
        xv = np.asarray(values[0])
        pick = np.argmax if name == "amax" else np.argmin
        if axis is None:
            flat = x_exprs.reshape(-1)
            k = int(pick(xv.reshape(-1)))
            return flat[k:k + 1].reshape((1,) * xv.ndim if keepdims else ())
        if len(axis) != 1:
            raise NotImplementedError("symbolic max/min over several axes")
        idx = np.expand_dims(pick(xv, axis=axis[0]), axis[0])
        out = np.take_along_axis(x_exprs, idx, axis=axis[0])
        return out if keepdims else np.squeeze(out, axis=axis[0])

    prim = _defstruct(name, lambda x, axis=None, keepdims=False: fn(x, axis=axis, keepdims=keepdims),
                      jvp, (vjp,),
                      f"{name} of x over ``axis``;  the derivative flows to the entries that attain "
                      "it, split evenly between ties (a subgradient).", linear=False, object_ok=False)
    prim.extra["lift"] = lift


_extreme("amax", np.max)
_extreme("amin", np.min)


def _cumsum_vjp(g, y, x, axis):
    rev = (slice(None),) * axis + (slice(None, None, -1),)
    return np.cumsum(g[rev], axis=axis)[rev]


_defstruct(
    "cumsum", lambda x, axis: np.cumsum(x, axis=axis),
    lambda ts, y, x, axis: np.cumsum(ts[0], axis=axis + 1),
    (_cumsum_vjp,),
    "running sum along ``axis``;  linear; the VJP is the reversed running sum of ȳ.", vjp_needs=SHAPE_ONLY)

# ----- shape ------------------------------------------------------------------

_defstruct(
    "reshape", lambda x, shape: np.reshape(x, shape),
    lambda ts, y, x, shape: np.reshape(ts[0], np.shape(ts[0])[:1] + tuple(shape)),
    (lambda g, y, x, shape: np.reshape(g, np.shape(x)),),
    "x with a new shape (same entries in C order);  linear.", vjp_needs=SHAPE_ONLY)

_defstruct(
    "transpose", lambda x, axes: np.transpose(x, axes),
    lambda ts, y, x, axes: np.transpose(ts[0], (0,) + tuple(a + 1 for a in axes)),
    (lambda g, y, x, axes: np.transpose(g, tuple(np.argsort(axes))),),
    "x with permuted axes;  linear; the VJP applies the inverse permutation.", vjp_needs=SHAPE_ONLY)

_defstruct(
    "broadcast_to", lambda x, shape: np.broadcast_to(x, shape),
    lambda ts, y, x, shape: np.broadcast_to(
        align_tangent(ts[0], np.ndim(x), len(shape)), np.shape(ts[0])[:1] + tuple(shape)),
    (lambda g, y, x, shape: unbroadcast(g, np.shape(x)),),
    "x repeated to ``shape``;  linear; the VJP sums the copies back (un-broadcast).", vjp_needs=SHAPE_ONLY)

# ----- indexing ---------------------------------------------------------------


def _is_basic(idx):
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in idx)


def _slice_bounds(idx, shape):
    """(start, stop) when idx is one step-1 slice of axis 0 (x[a:b], x[1:], x[:-1]), else None."""
    if len(idx) != 1 or type(idx[0]) is not slice or not shape:
        return None
    start, stop, step = idx[0].indices(shape[0])
    return (start, max(start, stop)) if step == 1 else None


def _untake_impl(g, idx, shape):
    g = np.asarray(g)
    if g.dtype == np.float64:
        bounds = _slice_bounds(idx, shape) if g.size >= _table.BIG else None
        if bounds is not None and g.shape == (bounds[1] - bounds[0],) + tuple(shape[1:]):
            # x[a:b]: write ȳ and zero only the rest (np.zeros' fresh pages cost a second pass)
            z = np.empty(shape)
            a, b = bounds
            z[:a] = 0.0
            z[b:] = 0.0
            z[a:b] = g
            return z
        z = np.zeros(shape)
    else:
        z = np.zeros(shape, dtype=object if g.dtype == object else np.result_type(g, np.float64))
    if _is_basic(idx):
        z[idx] = g
    else:
        np.add.at(z, idx, g)
    return z


def _getitem_jvp(ts, y, x, idx):
    t = ts[0]
    out = t[(slice(None),) + idx]
    if np.shape(out)[1:] != np.shape(y):
        # advanced indices separated by slices move to the front; put k back first
        raise NotImplementedError("indexing pattern with separated advanced indices")
    return out


def _getitem_vjp(g, y, x, idx):
    shape = np.shape(x)
    if type(g) is np.ndarray:  # nothing traced: what bind(untake, ...) would run
        return _untake_impl(g, idx, shape)
    return untake(g, idx, shape)


_defstruct(
    "getitem", lambda x, idx: x[idx], _getitem_jvp,
    (_getitem_vjp,),
    "x[idx] for basic, advanced and boolean indices;  linear; the VJP scatters-adds ȳ "
    "into zeros shaped like x (repeated indices accumulate).", vjp_needs=SHAPE_ONLY)

untake = _defstruct(
    "untake", _untake_impl,
    lambda ts, y, g, idx, shape: untake(ts[0], (slice(None),) + idx, np.shape(ts[0])[:1] + tuple(shape)),
    (lambda gy, y, g, idx, shape: gy[idx],),
    "zeros(shape) with g scatter-added at idx: the adjoint of indexing;  linear.")

# ----- joins ------------------------------------------------------------------


def _concat_jvp(ts, y, *xs, axis):
    k = _batch(ts, xs)
    parts = [t if t is not None else np.zeros((k,) + np.shape(x)) for t, x in zip(ts, xs)]
    return np.concatenate(parts, axis=axis + 1)


def _concat_vjp(i):
    def rule(g, y, *xs, axis):
        start = sum(np.shape(x)[axis] for x in xs[:i])
        stop = start + np.shape(xs[i])[axis]
        return g[(slice(None),) * axis + (slice(start, stop),)]

    return rule


register(Primitive(
    name="concatenate", impl=lambda *xs, axis: np.concatenate(xs, axis=axis),
    jvp=_concat_jvp, vjp=_concat_vjp, linear=True, object_ok=True, nargs=None,
    doc="arrays joined along ``axis``;  linear; the VJP slices ȳ back into pieces."))

# ----- products ---------------------------------------------------------------


def _matmul_jvp(ts, y, a, b):
    ta, tb = ts
    out = None
    if ta is not None:
        if np.ndim(a) == 1 and np.ndim(b) > 2:  # a row vector against stacked matrices
            out = (align_tangent(ta[..., None, :], 2, np.ndim(b)) @ b)[..., 0, :]
        else:
            if np.ndim(a) >= 2 and np.ndim(b) > np.ndim(a):
                ta = align_tangent(ta, np.ndim(a), np.ndim(b))
            out = ta @ b
    if tb is not None:
        if np.ndim(b) == 1:
            term = (a @ align_tangent(tb[..., None], 2, max(np.ndim(a), 2)))[..., 0]
        else:
            if np.ndim(a) > np.ndim(b):
                tb = align_tangent(tb, np.ndim(b), np.ndim(a))
            term = a @ tb
        out = term if out is None else out + term
    return out


def _matmul_vjp_a(g, y, a, b):
    if np.ndim(b) == 1:
        if np.ndim(a) == 1:
            return g * b
        return unbroadcast(g[..., None] * b, np.shape(a))
    if np.ndim(a) == 1:
        return unbroadcast((b @ g[..., None])[..., 0], np.shape(a))
    return unbroadcast(g @ np.swapaxes(b, -1, -2), np.shape(a))


def _matmul_vjp_b(g, y, a, b):
    if np.ndim(a) == 1:
        if np.ndim(b) == 1:
            return g * a
        return unbroadcast(a[:, None] * g[..., None, :], np.shape(b))
    if np.ndim(b) == 1:
        return unbroadcast((np.swapaxes(a, -1, -2) @ g[..., None])[..., 0], np.shape(b))
    return unbroadcast(np.swapaxes(a, -1, -2) @ g, np.shape(b))


_defstruct("matmul", np.matmul, _matmul_jvp, (_matmul_vjp_a, _matmul_vjp_b),
           "a @ b (with NumPy's 1-D and stacked rules);  bilinear: ẏ = ȧ b + a ḃ, "
           "ā = ȳ bᵀ, b̄ = aᵀ ȳ (un-broadcast over stacked axes).", nargs=2, linear=False)


def _stack_vjp(i):
    return lambda g, y, *xs, axis=0: g[(slice(None),) * axis + (i,)]


register(Primitive(
    name="stack", impl=lambda *xs, axis=0: np.stack(xs, axis=axis),
    jvp=lambda ts, y, *xs, axis=0: np.stack(
        [t if t is not None else np.zeros((_batch(ts, xs),) + np.shape(x)) for t, x in zip(ts, xs)],
        axis=axis + 1),
    vjp=_stack_vjp, linear=True, object_ok=True, nargs=None,
    doc="equal-shape arrays stacked along a new ``axis``;  linear; the VJP takes slice i of ȳ."))

# einsum lives in its own module (its subscript handling is long); importing it registers it
from adcheck.prims import einsum as _einsum  # noqa: E402,F401
