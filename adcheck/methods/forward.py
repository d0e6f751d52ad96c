"""Forward mode: dual numbers carrying k tangents through plain NumPy code.

A :class:`Dual` holds a primal value x and tangents ẋ shaped ``(k,) + x.shape``
-- k directions pushed at once, so a full Jacobian of an n-input function is
one pass with the n unit vectors as tangents.  Each primitive's ``jvp`` rule
maps input tangents to the output tangent: ẏ = Σᵢ ∂f/∂xᵢ · ẋᵢ.

Nesting: every call of :func:`jvp` opens a new level; a Dual only treats
Duals of its own level as perturbed and everything else as a constant, so
``d/dx [x · d/dy (x + y)] = 1`` (no perturbation confusion).
"""

from __future__ import annotations

import numpy as np

from adcheck.methods import diagonal
from adcheck.methods.diagonal import Diagonal
from adcheck.methods.dispatch import (COMPLEX_SCALARS, DIRECT_TYPES, PLAIN_VALUES, SPENT_TYPES, _PLAIN_OPERANDS,
                                      _UFUNC_PRIMS, Tracer, _active, as_input, concrete, handle_ufunc, new_level,
                                      outer, refcount, refuse_complex)
from adcheck.methods.plain import unplain
from adcheck.prims.broadcast import align_tangent
from adcheck.prims import table as _table
from adcheck.prims.table import bind
from adcheck.prims.table import ndim_of as _ndim, shape_of as _shape



class Dual(Tracer):
    """A primal value and its batch of tangents at one nesting level."""

    __slots__ = ("primal", "tangent", "_level", "_view")

    def __init__(self, primal, tangent, level):
        self.primal = primal
        self.tangent = tangent
        self._level = level
        self._view = False

    def _become(self, other):
        self.primal, self.tangent = other.primal, other.tangent

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """Tracer's protocol, with the common case cut short: a plain ufunc call whose only
        traced input is this Dual goes straight to :meth:`_process` (what bind would pick)."""
        if method == "__call__" and not kwargs:
            prim = _UFUNC_PRIMS.get(ufunc)
            if prim is not None:
                for a in inputs:
                    if a is not self and type(a) not in _PLAIN_OPERANDS:
                        break
                else:
                    return self._process(prim, inputs, {})
        return handle_ufunc(ufunc, method, inputs, kwargs)

    def _process(self, prim, args, params, spent=None):
        """``spent`` (from the operators, see dispatch.SPENT_TYPES): per argument, whether it
        is a temporary; a temporary's tangent that nothing else holds may take the result."""
        level = self._level
        primals, tangents = [], []
        k = None
        structured = False
        lower = False  # a primal is traced at a lower level: bind hands the op down
        reuse = ()
        for i, a in enumerate(args):
            if type(a) is Dual and a._level == level:
                p, t = a.primal, a.tangent
                if k is None:
                    k = t.shape[0]
                structured = structured or type(t) is Diagonal
                if spent is not None and spent[i] and _free(t):
                    reuse += (i,)
            else:
                p, t = a, None
            primals.append(p)
            tangents.append(t)
            lower = lower or type(p) not in PLAIN_VALUES
        ans = bind(prim, *primals, **params) if lower else prim.impl(*primals, **params)
        ta = type(ans)
        if (ta is np.ndarray and ans.dtype.kind == "c") or ta in COMPLEX_SCALARS:
            refuse_complex(prim)
        if structured:
            t_out = _structured_jvp(prim, tangents, ans, primals, params)
            if t_out is not None:
                return Dual(ans, t_out, level)
            tangents = [t.dense() if type(t) is Diagonal else t for t in tangents]
        if prim.elementwise:
            out_ndim = ans.ndim if type(ans) is np.ndarray else _ndim(ans)
            for i, t in enumerate(tangents):
                if t is not None:
                    p = primals[i]
                    p_ndim = p.ndim if type(p) is np.ndarray else _ndim(p)
                    if p_ndim < out_ndim:
                        tangents[i] = align_tangent(t, p_ndim, out_ndim)
        if reuse and prim.extra.get("jvp_scales"):
            t_out = prim.jvp(tangents, ans, *primals, spent=reuse)
        else:
            t_out = prim.jvp(tangents, ans, *primals, **params)
        if t_out is None:
            return ans
        if type(t_out) is np.ndarray and type(ans) is np.ndarray:
            shape = t_out.shape
            if shape[0] == k and shape[1:] == ans.shape:
                return Dual(ans, t_out, level)
        want = (k,) + tuple(_shape(ans))
        if tuple(_shape(t_out)) != want:
            t_out = np.broadcast_to(t_out, want)
        return Dual(ans, t_out, level)


DIRECT_TYPES.add(Dual)
SPENT_TYPES.add(Dual)


def _counts_every_holder() -> bool:
    """Whether reference counts here are the ones _free relies on: an array held by one
    attribute shows 4 inside _free (the attribute, the caller's local, the argument,
    getrefcount's own), and a second holder shows.  An interpreter that counts otherwise
    (borrowed references) gets no in-place tangents at all."""

    class Holder:
        __slots__ = ("t",)

    def inner(t):
        return refcount(t)

    def outer(h):
        t = h.t
        return inner(t)

    h = Holder()
    h.t = np.empty(1)
    alone = outer(h)
    second = h.t  # noqa: F841  (a second holder)
    return alone == 4 and outer(h) == 5


_COUNTS_OK = _counts_every_holder()


def _free(t) -> bool:
    """t is a large float64 array that only its (temporary) Dual holds, not a view of
    anything else another object holds: the op may write its result into it."""
    if (not _COUNTS_OK or type(t) is not np.ndarray or t.size < _table.BIG or t.dtype != np.float64
            or not t.flags.writeable):
        return False
    # references to t: the Dual's attribute, _process's local, this argument, getrefcount's
    if refcount(t) > 4:
        return False
    base = t.base  # a view (a fresh partial reshaped) of an array only t holds: + this local
    return base is None or type(base) is np.ndarray and base.base is None and refcount(base) <= 3


def _structured_jvp(prim, tangents, ans, primals, params):
    """ẏ kept structured when a tangent is :class:`Diagonal`: through an elementwise rule
    whose only tangents are Diagonal over the output's shape, or a product with a
    constant matrix; None otherwise (the caller makes the tangents dense)."""
    if prim.extra.get("jvp_scales"):
        shape = ans.shape if type(ans) is np.ndarray else _shape(ans)
        for t in tangents:
            if t is not None and (type(t) is not Diagonal or t.d.shape != shape):
                return None
        return prim.jvp(tangents, ans, *primals, **params)
    if prim.name == "matmul":
        return diagonal.matmul(*tangents, *primals)
    return None


def jvp_batch(f, x, tangents):
    """Push ``tangents`` (k, *x.shape) through f at x.

    Returns ``(f(x), T)`` with T shaped ``(k,) + f(x).shape``.  An output that
    does not depend on x gets zero tangents (it is a constant of f).
    """
    level = new_level()
    if not (type(x) is np.ndarray and x.dtype == np.float64) and not getattr(x, "_adcheck_tracer", False):
        x = np.asarray(x, dtype=np.float64)
    _active[0] += 1  # = with tracing()
    try:
        out = f(Dual(x, tangents, level))
        if type(out) is not Dual:
            out = unplain(out)
    finally:
        _active[0] -= 1
    if type(out) is Dual and out._level == level:
        t = out.tangent
        return out.primal, t.dense() if type(t) is Diagonal else t
    k = np.shape(tangents)[0] if not getattr(tangents, "_adcheck_tracer", False) else tangents.shape[0]
    return out, np.zeros((k,) + tuple(_shape(out)))


def jacobian(f, x):
    """Full Jacobian (m, n) of f at x in one batched forward pass (k = n).

    Inside an enclosing differentiation x may be its tracer; the result then
    stays traced at that level, so Jacobians nest.
    """
    x = as_input(x)
    if type(x) is np.ndarray:
        n = x.size
        if n >= diagonal.MIN_SIZE:
            seeds = Diagonal(np.ones(x.shape))  # the identity, kept structured while it can be
        else:
            seeds = np.eye(n).reshape((n,) + x.shape)
    else:
        n = int(np.size(concrete(x)))
        seeds = np.eye(n).reshape((n,) + tuple(np.shape(concrete(x))))
    y, t = jvp_batch(f, x, seeds)
    if type(y) is np.ndarray and type(t) is np.ndarray:
        return y, t.reshape(n, y.size).T
    m = int(np.size(concrete(y)))
    return outer(y), np.transpose(np.reshape(outer(t), (n, m)))
