"""A structured tangent batch for forward Jacobians: the identity seed, scaled.

``Diagonal(d)`` stands for the tangents T shaped ``(n,) + d.shape`` with
n = d.size and direction k equal to d.flat[k]·e_k:  T[k] = d.flat[k] e_k.
The seed of a full Jacobian is d = 1 (the identity).  It stays diagonal
through elementwise rules whose partials p are finite plain arrays of the
output's shape (p ⊙ T = Diagonal(p ⊙ d)), and becomes the dense (n, m) array
``d[:, None] * A`` through a product with a constant matrix A (x @ A, A @ x).

Every entry equals what the dense seed gives: the dense path's off-diagonal
entries are sums of products with exact zeros, which is why a partial or
matrix with an inf or nan (0·inf = nan off the diagonal) is refused.  Any
other use -- a rule not listed here, broadcasting, a traced partial -- gets
:meth:`dense` first, the exact array the dense seed would carry (up to the
sign of zeros).
"""

from __future__ import annotations

import math

import numpy as np

# fewer directions than this: the dense seed is cheaper than the checks
MIN_SIZE = 16
_sum = np.add.reduce


def _plain(p) -> bool:
    """p is a plain float64 value: a Python or NumPy float, an int, a float64 ndarray."""
    t = type(p)
    return t is np.ndarray and p.dtype == np.float64 or t is float or t is np.float64 or t is int


def _finite(a) -> bool:
    """No inf or nan in the ndarray a.  One reduction: its sum is finite (a sum that
    overflows says no too, which only costs the structure, never the answer)."""
    return math.isfinite(_sum(a, None))


class Diagonal:
    """Tangents T[k] = d.flat[k]·e_k, shaped ``(d.size,) + d.shape`` (see module docstring)."""

    __slots__ = ("d",)

    def __init__(self, d):
        self.d = d

    @property
    def shape(self):
        return (self.d.size,) + self.d.shape

    def dense(self):
        """The batch as an ndarray: zeros with d on the diagonal of its (n, n) view."""
        n = self.d.size
        out = np.zeros((n, n))
        out.flat[::n + 1] = self.d.ravel()
        return out.reshape(self.shape)

    def __array__(self, dtype=None, copy=None):  # a safety net: NumPy code sees the dense batch
        return self.dense() if dtype is None else self.dense().astype(dtype)

    # -- what the elementwise rules do with a tangent: t·p, -t, t ± t' ---------
    def __mul__(self, p):
        if _plain(p):
            dp = self.d * p
            # p had an inf or nan iff d·p has one (d finite): then 0·p off the diagonal matters
            if dp.shape == self.d.shape and _finite(dp):
                return Diagonal(dp)
        return self.dense() * p

    def __neg__(self):
        return Diagonal(-self.d)

    def __add__(self, o):
        return Diagonal(self.d + o.d) if type(o) is Diagonal else self.dense() + o

    def __sub__(self, o):
        return Diagonal(self.d - o.d) if type(o) is Diagonal else self.dense() - o

    def __radd__(self, o):
        return o + self.dense()

    def __rsub__(self, o):
        return o - self.dense()

    def __rmul__(self, p):
        return p * self.dense()


def matmul(ta, tb, a, b):
    """ẏ of a @ b when one tangent is Diagonal over a vector and the other factor a
    finite constant matrix:  x @ A → d[:, None]·A,  A @ x → d[:, None]·Aᵀ;  else None."""
    if tb is None and type(ta) is Diagonal and ta.d.ndim == 1 and type(b) is np.ndarray and b.ndim == 2:
        mat = b
    elif ta is None and type(tb) is Diagonal and tb.d.ndim == 1 and type(a) is np.ndarray and a.ndim == 2:
        mat, ta = a.T, tb
    else:
        return None
    if not _plain(mat):
        return None
    out = ta.d[:, None] * mat
    return out if _finite(out) else None  # an inf or nan in mat (or d) meets zeros: dense
