"""NumPy functions that move, copy or select entries, built from primitives (no rules here).

Every function here is linear in the traced array: sort, take, roll, tile,
repeat, pad, tril/triu, kron (bilinear), splitting and appending.  Each is
written as indexing (``getitem``, whose VJP scatter-adds), reshape,
broadcast_to, where or concatenate, with the index arrays computed from
concrete values -- the choices NumPy makes (an ordering, a wrap-around) are
constant wherever the result is differentiable.  Entries are copied, never
recomputed, so values are bit-identical to NumPy's.
"""

from __future__ import annotations

import numpy as np

from adcheck.errors import UnsupportedOpError
from adcheck.prims import composites as C
from adcheck.prims.table import bind, get


def _concrete(x):
    from adcheck.methods.dispatch import concrete
    return concrete(x)


def _one_axis(axis, ndim):
    (ax,) = C.norm_axis(axis, ndim)
    return ax


def _flat_if_none(a, axis):
    """(a, axis) with a raveled and axis 0 when axis is None (NumPy's convention)."""
    a = C.asarray(a)
    if axis is None:
        return C.ravel(a), 0
    return a, _one_axis(axis, C._ndim(a))


# ----- selection by index arrays ----------------------------------------------

def take(a, indices, axis=None, out=None, mode="raise"):
    C._no_out("take", out)
    a, ax = _flat_if_none(a, axis)
    idx = np.asarray(_concrete(indices))
    n = C._shape(a)[ax]
    if mode == "wrap":
        idx = np.mod(idx, n)
    elif mode == "clip":
        idx = np.clip(idx, 0, n - 1)
    return C.getitem(a, (slice(None),) * ax + (idx,))


def take_along_axis(arr, indices, axis=-1):
    arr, ax = _flat_if_none(arr, axis)
    idx = np.asarray(_concrete(indices))
    shape = C._shape(arr)
    parts = []
    for d in range(len(shape)):
        if d == ax:
            parts.append(idx)
        else:
            fan = [1] * len(shape)
            fan[d] = shape[d]
            parts.append(np.arange(shape[d]).reshape(fan))
    return C.getitem(arr, tuple(parts))


def sort(a, axis=-1, kind=None, order=None, stable=None):
    """Sorted copy: a permutation chosen at the point (argsort), so the VJP scatters back."""
    if order is not None:
        raise UnsupportedOpError("np.sort(order=...) of a traced array")
    a, ax = _flat_if_none(a, axis)
    perm = np.argsort(_concrete(a), axis=ax, kind="stable")
    return take_along_axis(a, perm, ax)


def roll(a, shift, axis=None):
    a = C.asarray(a)
    if axis is None:
        return C.reshape(roll(C.ravel(a), shift, 0), C._shape(a))
    shifts, axes = np.broadcast_arrays(np.asarray(shift), np.asarray(axis))
    for s, ax in zip(shifts.reshape(-1), axes.reshape(-1)):
        ax = _one_axis(int(ax), C._ndim(a))
        n = C._shape(a)[ax]
        if n:
            a = take(a, (np.arange(n) - int(s)) % n, axis=ax)
    return a


def repeat(a, repeats, axis=None):
    a, ax = _flat_if_none(a, axis)
    src = np.repeat(np.arange(C._shape(a)[ax]), np.asarray(_concrete(repeats)))
    return take(a, src, axis=ax)


# ----- tiling and products of shapes ------------------------------------------

def tile(A, reps):
    """Copies of A by broadcasting: A as (1, s₁, 1, s₂, ...) broadcast to (r₁, s₁, r₂, s₂, ...)."""
    A = C.asarray(A)
    reps = (int(reps),) if np.ndim(reps) == 0 else tuple(int(r) for r in reps)
    shape = C._shape(A)
    d = max(len(reps), len(shape))
    shape = (1,) * (d - len(shape)) + tuple(shape)
    reps = (1,) * (d - len(reps)) + reps
    spread = C.reshape(A, tuple(x for s in shape for x in (1, s)))
    big = C.broadcast_to(spread, tuple(x for r, s in zip(reps, shape) for x in (r, s)))
    return C.reshape(big, tuple(r * s for r, s in zip(reps, shape)))


def kron(a, b):
    """Kronecker product as NumPy forms it: a and b interleaved with 1-axes, one multiply."""
    a, b = C.asarray(a), C.asarray(b)
    sa, sb = tuple(C._shape(a)), tuple(C._shape(b))
    if not sa or not sb:
        return np.multiply(a, b)
    nd = max(len(sa), len(sb))
    sa, sb = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sb)) + sb
    prod = (C.reshape(a, tuple(x for s in sa for x in (s, 1)))
            * C.reshape(b, tuple(x for s in sb for x in (1, s))))
    return C.reshape(prod, tuple(p * q for p, q in zip(sa, sb)))


# ----- triangles and padding --------------------------------------------------

def tril(m, k=0):
    m = C.asarray(m)
    mask = np.tri(*C._shape(m)[-2:], k=k, dtype=bool)
    return bind(get("where"), mask, C._as_float(m), np.zeros(1))


def triu(m, k=0):
    m = C.asarray(m)
    mask = np.tri(*C._shape(m)[-2:], k=k - 1, dtype=bool)
    return bind(get("where"), mask, np.zeros(1), C._as_float(m))


_COPY_MODES = ("edge", "reflect", "symmetric", "wrap")


def pad(array, pad_width, mode="constant", **kwargs):
    """Constant mode scatters the array into the padded frame; copy modes gather by index."""
    a = C._as_float(C.asarray(array))
    shape = tuple(C._shape(a))
    widths = np.broadcast_to(np.asarray(_concrete(pad_width), dtype=np.intp), (len(shape), 2))
    if mode == "constant":
        cv = kwargs.get("constant_values", 0)
        if getattr(cv, "_adcheck_tracer", False):
            raise UnsupportedOpError("np.pad with traced constant_values")
        out_shape = tuple(int(s + b + e) for s, (b, e) in zip(shape, widths))
        inner = tuple(slice(int(b), int(b) + s) for s, (b, _) in zip(shape, widths))
        scattered = bind(get("untake"), a, idx=inner, shape=out_shape)
        if np.all(np.asarray(cv) == 0):
            return scattered
        frame = np.pad(np.zeros(shape), widths, mode="constant", constant_values=cv)
        mask = np.zeros(out_shape, dtype=bool)
        mask[inner] = True
        return bind(get("where"), mask, scattered, frame)
    if mode in _COPY_MODES and kwargs.get("reflect_type", "even") == "even":
        for ax, (b, e) in enumerate(widths):
            if b or e:
                src = np.pad(np.arange(shape[ax]), (int(b), int(e)), mode=mode)
                a = take(a, src, axis=ax)
        return a
    what = f"mode={mode!r}" + (", reflect_type='odd'" if mode in _COPY_MODES else "")
    raise UnsupportedOpError(f"np.pad({what}) of a traced array",
                             detail="supported: constant, edge, reflect, symmetric, wrap")


# ----- joining and splitting --------------------------------------------------

def append(arr, values, axis=None):
    arr, values = C.asarray(arr), C.asarray(values)
    if axis is None:
        arr = arr if C._ndim(arr) == 1 else C.ravel(arr)
        values, axis = C.ravel(values), C._ndim(arr) - 1
    return C.concatenate([arr, values], axis=axis)


def array_split(ary, indices_or_sections, axis=0):
    a = C.asarray(ary)
    ax = _one_axis(axis, C._ndim(a))
    n = C._shape(a)[ax]
    if np.ndim(indices_or_sections) == 0:
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError("number sections must be larger than 0.")
        each, extras = divmod(n, sections)
        bounds = np.cumsum([0] + extras * [each + 1] + (sections - extras) * [each])
    else:
        bounds = [0] + list(indices_or_sections) + [n]
    return [C.getitem(a, (slice(None),) * ax + (slice(int(lo), int(hi)),))
            for lo, hi in zip(bounds[:-1], bounds[1:])]


def split(ary, indices_or_sections, axis=0):
    if np.ndim(indices_or_sections) == 0:
        n = C._shape(ary)[_one_axis(axis, C._ndim(ary))]
        if n % int(indices_or_sections):
            raise ValueError("array split does not result in an equal division")
    return array_split(ary, indices_or_sections, axis)


def hsplit(ary, indices_or_sections):
    return split(ary, indices_or_sections, axis=1 if C._ndim(ary) > 1 else 0)


def vsplit(ary, indices_or_sections):
    return split(ary, indices_or_sections, axis=0)


# ----- arrays shaped like a traced one ------------------------------------------

def _like(fn):
    def handler(a, *args, **kwargs):
        from adcheck.methods.plain import Plain

        args = [_concrete(v) for v in args]
        kwargs = {k: _concrete(v) for k, v in kwargs.items()}
        return Plain(fn(_concrete(a), *args, **kwargs))
    return handler


def full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, **kwargs):
    if getattr(fill_value, "_adcheck_tracer", False):
        return C.broadcast_to(fill_value, C._shape(a) if shape is None else shape)
    return _like(np.full_like)(a, fill_value, dtype=dtype, order=order, shape=shape)


def fill_diagonal(a, val, wrap=False):
    """``a[diagonal] = val`` in place (a functional update of the traced array)."""
    shape = C._shape(a)
    if len(shape) == 2:
        step, end = shape[1] + 1, (None if wrap else shape[1] * shape[1])
    else:
        step, end = 1 + int(np.cumprod(shape[:-1]).sum()), None
    flat = np.arange(int(np.prod(shape)))[:end:step]
    a[np.unravel_index(flat, shape)] = val


def cumprod(a, axis=None, dtype=None, out=None):
    """Running product by repeated multiplication (as NumPy accumulates), stacked back."""
    C._no_out("cumprod", out)
    a, ax = _flat_if_none(a, axis)
    pieces, run = [], None
    for i in range(C._shape(a)[ax]):
        piece = C.getitem(a, (slice(None),) * ax + (i,))
        run = piece if run is None else run * piece
        pieces.append(run)
    if not pieces:
        return C.asarray(np.ones(C._shape(a)))
    return C.stack(pieces, axis=ax)


FUNCTIONS = {
    np.take: take, np.take_along_axis: take_along_axis, np.sort: sort, np.roll: roll,
    np.repeat: repeat, np.tile: tile, np.kron: kron, np.tril: tril, np.triu: triu, np.pad: pad,
    np.append: append, np.array_split: array_split, np.split: split, np.hsplit: hsplit,
    np.vsplit: vsplit, np.fill_diagonal: fill_diagonal, np.cumprod: cumprod,
    np.zeros_like: _like(np.zeros_like), np.ones_like: _like(np.ones_like),
    np.empty_like: _like(np.empty_like), np.full_like: full_like,
}
C.FUNCTIONS.update(FUNCTIONS)
C.CONCRETE_FUNCTIONS -= set(FUNCTIONS)
