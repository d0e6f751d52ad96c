"""Numerical NumPy functions built from primitives (no rules here).

Order statistics (median, quantile, percentile, unique), polynomials (polyval),
convolution and correlation,
piecewise-linear interpolation (interp), cross products, weighted averages,
sinc, finite-difference gradients, trapezoidal integrals and matrix powers.
Each follows NumPy's own arithmetic, operation for operation, so values are
bit-identical to NumPy's; derivatives come from the primitives.  Choices made
from values (which entries are the middle ones, which interval x falls in)
are taken at the point and held constant, as they are wherever the result
is differentiable.
"""

from __future__ import annotations

import numpy as np

from adcheck.errors import UnsupportedOpError
from adcheck.prims import composites as C
from adcheck.prims import reductions as Rd
from adcheck.prims import rearrange as R


def _concrete(x):
    from adcheck.methods.dispatch import concrete
    return concrete(x)


def _sorted_on_first_axis(a, axis):
    """a sorted along ``axis`` (raveled when None), that axis moved to the front."""
    if axis is not None and np.ndim(axis) > 0:
        raise UnsupportedOpError("order statistics over several axes of a traced array")
    a, ax = R._flat_if_none(a, axis)
    return C.moveaxis(R.sort(a, axis=ax), ax, 0), ax


def _keep(result, a, axis, lead):
    """Re-insert the reduced axis as length 1 (keepdims), after ``lead`` leading q-axes."""
    nd = C._ndim(a)
    shape = list(C._shape(result))
    if axis is None:
        return C.reshape(result, tuple(shape[:lead]) + (1,) * nd)
    ax = R._one_axis(axis, nd)
    return C.reshape(result, tuple(shape[:lead + ax]) + (1,) + tuple(shape[lead + ax:]))


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The middle entry, or the mean of the two middle entries, of the sorted values."""
    C._no_out("median", out)
    a = C.asarray(a)
    s, _ = _sorted_on_first_axis(a, axis)
    n = C._shape(s)[0]
    mid = [n // 2] if n % 2 else [n // 2 - 1, n // 2]
    result = Rd.mean(C.getitem(s, (np.array(mid),)), axis=0)
    return _keep(result, a, axis, 0) if keepdims else result


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None, interpolation=None):
    """NumPy's default ('linear') quantile: sorted values at (n-1)·q, linearly interpolated."""
    C._no_out("quantile", out)
    if method != "linear" or interpolation is not None or weights is not None:
        raise UnsupportedOpError(f"np.quantile(method={method!r}) of a traced array",
                                 detail="only the default method='linear' is supported")
    a = C.asarray(a)
    q = np.asarray(_concrete(q), dtype=np.float64)
    s, _ = _sorted_on_first_axis(a, axis)
    n = C._shape(s)[0]
    virtual = (n - 1) * q
    prev = np.floor(virtual)
    above, below = virtual >= n - 1, virtual < 0
    prev = np.where(above, -1, np.where(below, 0, prev)).astype(np.intp)
    nxt = np.where(above, -1, np.where(below, 0, prev + 1)).astype(np.intp)
    gamma = np.asarray(virtual - prev).reshape(q.shape + (1,) * (C._ndim(s) - 1))
    lo, hi = C.getitem(s, (prev,)), C.getitem(s, (nxt,))
    diff = hi - lo
    result = C.where(gamma >= 0.5, hi - diff * (1 - gamma), lo + diff * gamma)
    return _keep(result, a, axis, q.ndim) if keepdims else result


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None, interpolation=None):
    q = np.true_divide(np.asarray(_concrete(q), dtype=np.float64), 100)
    return quantile(a, q, axis, out, overwrite_input, method, keepdims,
                    weights=weights, interpolation=interpolation)


def polyval(p, x):
    """Horner's scheme, y ← y·x + pᵢ from y = 0, exactly as NumPy evaluates it."""
    p, x = C.asarray(p), C.asarray(x)
    y = np.zeros(C._shape(x))
    for i in range(C._shape(p)[0]):
        y = y * x + C.getitem(p, (i,))
    return y


def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation: slope·(x - xpⱼ) + fpⱼ on the interval xpⱼ ≤ x < xpⱼ₊₁."""
    if period is not None:
        raise UnsupportedOpError("np.interp(period=...) of a traced array")
    x, xp, fp = C.asarray(x), C.asarray(xp), C.asarray(fp)
    xv, xpv = np.asarray(_concrete(x), dtype=np.float64), np.asarray(_concrete(xp), dtype=np.float64)
    n = xpv.shape[0]
    first, last = C.getitem(fp, (0,)), C.getitem(fp, (-1,))
    left = first if left is None else left
    right = last if right is None else right
    if n == 1:
        y = np.zeros(xv.shape) + first
    else:
        j = np.clip(np.searchsorted(xpv, xv, side="right") - 1, 0, n - 2)
        fj, fj1 = C.getitem(fp, (j,)), C.getitem(fp, (j + 1,))
        xj, xj1 = C.getitem(xp, (j,)), C.getitem(xp, (j + 1,))
        slope = (fj1 - fj) / (xj1 - xj)
        y = C.where(xv == xpv[j], fj, slope * (x - xj) + fj)
        y = C.where(xv == xpv[-1], last, y)
    y = C.where(xv < xpv[0], left, y)
    return C.where(xv > xpv[-1], right, y)


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """a × b of 3-vectors (or the z-component for 2-vectors) along the last axis."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = C.moveaxis(C.asarray(a), axisa, -1), C.moveaxis(C.asarray(b), axisb, -1)
    na, nb = C._shape(a)[-1], C._shape(b)[-1]

    def comp(v, i):
        return C.getitem(v, (Ellipsis, i))

    if na == nb == 2:
        return comp(a, 0) * comp(b, 1) - comp(a, 1) * comp(b, 0)
    if na == nb == 3:
        a0, a1, a2 = (comp(a, i) for i in range(3))
        b0, b1, b2 = (comp(b, i) for i in range(3))
        c = C.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
        return C.moveaxis(c, -1, axisc)
    raise UnsupportedOpError(f"np.cross of vectors of lengths {na} and {nb} (traced)")


def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    a = C.asarray(a)
    if weights is None:
        avg = Rd.mean(a, axis, keepdims=keepdims)
        size = np.size(_concrete(avg))
        scl = np.full(C._shape(avg), np.size(_concrete(a)) / size)
    else:
        w = C.asarray(weights)
        if C._shape(w) != C._shape(a):
            if axis is None or C._ndim(w) != 1:
                raise TypeError("Axis must be specified when shapes of a and weights differ.")
            fan = [1] * C._ndim(a)
            fan[R._one_axis(axis, C._ndim(a))] = C._shape(w)[0]
            w = C.reshape(w, tuple(fan))
            w = C.broadcast_to(w, C._shape(a))
        scl = Rd.sum_(w, axis, keepdims=keepdims)
        avg = Rd.sum_(np.multiply(a, w), axis, keepdims=keepdims) / scl
    return (avg, scl) if returned else avg


def sinc(x):
    """sin(πx)/(πx), with NumPy's guard: x = 0 replaced by eps before dividing."""
    x = np.pi * C.asarray(x)
    y = C.where(_concrete(x) != 0, x, np.finfo(np.float64).eps)
    return np.sin(y) / y


def gradient(f, *varargs, axis=None, edge_order=1):
    """Central differences inside, one-sided at the ends (uniform spacing, edge_order=1)."""
    f = C.asarray(f)
    nd = C._ndim(f)
    axes = tuple(range(nd)) if axis is None else C.norm_axis(axis, nd)
    coordinates = any(np.ndim(_concrete(v)) for v in varargs)
    if edge_order != 1 or coordinates or len(varargs) not in (0, 1, len(axes)):
        raise UnsupportedOpError("np.gradient with coordinate arrays or edge_order=2 (traced)")
    spacing = [float(_concrete(v)) for v in varargs] or [1.0]
    spacing = spacing * len(axes) if len(spacing) == 1 else spacing
    outs = []
    for ax, dx in zip(axes, spacing):
        def at(sl, ax=ax):
            return C.getitem(f, (slice(None),) * ax + (sl,))
        inner = (at(slice(2, None)) - at(slice(None, -2))) / (2.0 * dx)
        lo = (at(slice(1, 2)) - at(slice(0, 1))) / dx
        hi = (at(slice(-1, None)) - at(slice(-2, -1))) / dx
        outs.append(C.concatenate([lo, inner, hi], axis=ax))
    return outs[0] if len(outs) == 1 else tuple(outs)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    y = C.asarray(y)
    nd = C._ndim(y)
    ax = R._one_axis(axis, nd)
    if x is None:
        d = dx
    else:
        x = C.asarray(x)
        d = C.diff(x, axis=-1 if C._ndim(x) == 1 else ax)
        if C._ndim(x) == 1:
            fan = [1] * nd
            fan[ax] = C._shape(d)[0]
            d = C.reshape(d, tuple(fan))
    hi = C.getitem(y, (slice(None),) * ax + (slice(1, None),))
    lo = C.getitem(y, (slice(None),) * ax + (slice(None, -1),))
    return Rd.sum_(d * (hi + lo) / 2.0, ax)


def matrix_power(a, n):
    """Aⁿ by NumPy's binary powering (A⁻¹ first for n < 0)."""
    a = C.asarray(a)
    n = int(n)
    if n == 0:
        from adcheck.methods.plain import Plain
        return Plain(np.broadcast_to(np.eye(C._shape(a)[-1]), C._shape(a)).copy())
    if n < 0:
        a, n = np.linalg.inv(a), -n
    if n == 1:
        return a
    if n == 2:
        return np.matmul(a, a)
    if n == 3:
        return np.matmul(np.matmul(a, a), a)
    z = result = None
    while n > 0:
        z = a if z is None else np.matmul(z, z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else np.matmul(result, z)
    return result


def _outer_sums(a, v):
    """c[k] = Σ_{i+j=k} a[i]·v[j], the full discrete convolution, by scattering a ⊗ v."""
    a, v = C.asarray(a), C.asarray(v)
    n, m = C._shape(a)[0], C._shape(v)[0]
    k = (np.arange(n)[:, None] + np.arange(m)[None, :]).reshape(-1)
    prod = C.reshape(C.reshape(a, (n, 1)) * C.reshape(v, (1, m)), (-1,))
    return C.getitem(prod, (np.argsort(k, kind="stable"),)), np.sort(k), n, m


def convolve(a, v, mode="full"):
    """np.convolve: full convolution Σ a[i] v[k-i], cut to ``mode`` ('full', 'same', 'valid')."""
    from adcheck.prims.table import bind, get

    if C._shape(v)[0] > C._shape(a)[0]:
        a, v = v, a
    terms, k, n, m = _outer_sums(a, v)
    full = bind(get("untake"), C._as_float(terms), idx=(k,), shape=(n + m - 1,))
    if mode == "full":
        return full
    if mode == "same":
        start = (m - 1) // 2
        return C.getitem(full, (slice(start, start + n),))
    if mode == "valid":
        return C.getitem(full, (slice(m - 1, n),))
    raise ValueError(f"mode must be one of 'full', 'same', 'valid', got {mode!r}")


def correlate(a, v, mode="valid"):
    """np.correlate of real vectors: convolve(a, v reversed)."""
    return convolve(a, C.getitem(C.asarray(v), (slice(None, None, -1),)), mode)


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True, sorted=True):
    """The sorted distinct values: entries of ar (picked at the point); index outputs are constant."""
    if axis is not None:
        raise UnsupportedOpError("np.unique(axis=...) of a traced array")
    flat = C.ravel(C.asarray(ar))
    res = np.unique(np.asarray(_concrete(flat)), return_index=True, return_inverse=return_inverse,
                    return_counts=return_counts)
    values = C.getitem(flat, (res[1],))
    extra = ((res[1],) if return_index else ()) + tuple(res[2:])
    return (values,) + extra if extra else values


FUNCTIONS = {
    np.median: median, np.quantile: quantile, np.percentile: percentile, np.polyval: polyval,
    np.interp: interp, np.cross: cross, np.average: average, np.sinc: sinc,
    np.gradient: gradient, np.trapezoid: trapezoid, np.linalg.matrix_power: matrix_power,
    np.real: lambda val: val, np.convolve: convolve, np.correlate: correlate, np.unique: unique,
}
C.FUNCTIONS.update(FUNCTIONS)
