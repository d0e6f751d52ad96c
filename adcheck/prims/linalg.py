"""Linear-algebra primitives: inv, solve, det.  Rules use only traced-safe NumPy."""

from __future__ import annotations

import numpy as np

from adcheck.prims.table import Primitive, register


def _T(a):
    return np.swapaxes(a, -1, -2)


register(Primitive(
    name="inv", impl=np.linalg.inv, nargs=1, linear=False,
    jvp=lambda ts, y, a: -(y @ ts[0] @ y),
    vjp=(lambda g, y, a: -(_T(y) @ g @ _T(y)),),
    doc="Y = A⁻¹;  dY = -Y dA Y,  Ā = -Yᵀ Ȳ Yᵀ."))


def _solve_jvp(ts, x, a, b):
    ta, tb = ts
    rhs = None
    if tb is not None:
        rhs = tb
    if ta is not None:
        term = -(ta @ x) if np.ndim(b) > 1 else -(ta @ x[..., None])[..., 0]
        rhs = term if rhs is None else rhs + term
    if np.ndim(b) == 1:  # rhs (k, n): solve all k at once as columns
        return _T(np.linalg.solve(a, _T(rhs)))
    return np.linalg.solve(a, rhs)


def _solve_vjp_a(g, x, a, b):
    gb = np.linalg.solve(_T(a), g) if np.ndim(b) > 1 else np.linalg.solve(_T(a), g[..., None])[..., 0]
    if np.ndim(b) == 1:
        return -(gb[..., :, None] * x[..., None, :])
    return -(gb @ _T(x))


def _solve_vjp_b(g, x, a, b):
    if np.ndim(b) == 1:
        return np.linalg.solve(_T(a), g[..., None])[..., 0]
    return np.linalg.solve(_T(a), g)


register(Primitive(
    name="solve", impl=np.linalg.solve, nargs=2, linear=False,
    jvp=_solve_jvp, vjp=(_solve_vjp_a, _solve_vjp_b),
    doc="x = A⁻¹ b;  dx = A⁻¹(db - dA x),  b̄ = A⁻ᵀ x̄,  Ā = -b̄ xᵀ."))

register(Primitive(
    name="det", impl=np.linalg.det, nargs=1, linear=False,
    jvp=lambda ts, y, a: y * np.sum(_T(np.linalg.inv(a)) * ts[0], axis=(-2, -1)),
    vjp=(lambda g, y, a: (g * y)[..., None, None] * _T(np.linalg.inv(a)),),
    doc="d = det A;  dd = d·tr(A⁻¹ dA) (Jacobi's formula),  Ā = d̄·d·A⁻ᵀ.  Needs A invertible."))
