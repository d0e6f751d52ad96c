"""Un-broadcasting: the one place reverse mode undoes NumPy's broadcasting."""

from __future__ import annotations

import numpy as np


def unbroadcast(g, shape):
    """Sum ``g`` down to ``shape``: the VJP of ``np.broadcast_to(x, g.shape)``.

    Broadcasting copies x along new leading axes and along axes of length 1,
    so the adjoint adds the copies back: sum over the extra leading axes, then
    over the axes where ``shape`` has 1 (keeping them).
    """
    gshape = np.shape(g)
    shape = tuple(shape)
    if gshape == shape:
        return g
    extra = len(gshape) - len(shape)
    if extra > 0:
        g = np.sum(g, axis=tuple(range(extra)))
    axes = tuple(i for i, (a, b) in enumerate(zip(np.shape(g), shape)) if b == 1 and a != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    if np.shape(g) != shape:
        g = np.reshape(g, shape)
    return g


def align_tangent(t, arg_ndim: int, out_ndim: int):
    """Pad a batched tangent ``(k,) + arg.shape`` with 1-axes to rank ``1 + out_ndim``.

    Forward mode keeps the k directions on a leading axis; NumPy broadcasting
    aligns trailing axes, so an argument of lower rank than the output needs
    its missing axes inserted after the batch axis before elementwise rules
    combine it with other operands.
    """
    missing = out_ndim - arg_ndim
    if missing <= 0:
        return t
    shape = np.shape(t)
    return np.reshape(t, shape[:1] + (1,) * missing + shape[1:])
