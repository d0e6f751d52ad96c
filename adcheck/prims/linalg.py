"""Linear-algebra primitives: inv, solve, det, slogdet, norm (2-norm), cholesky, eigh.

Rules use only traced-safe NumPy, so they differentiate again.
"""

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

def _columns(v):
    """A right-hand side or solution as columns: (m,) -> (m, 1); (m, q) as is."""
    return np.reshape(v, (np.shape(v)[0], 1)) if np.ndim(v) == 1 else v


def _lstsq_jvp(ts, x, a, b):
    """dx = G⁻¹(dAᵀ r - Aᵀ dA x + Aᵀ db),  G = AᵀA,  r = b - A x (batched tangents (k, ...))."""
    ta, tb = ts
    xc = _columns(x)
    r = _columns(b) - a @ xc
    rhs = None
    if ta is not None:
        rhs = _T(ta) @ r - _T(a) @ (ta @ xc)
    if tb is not None:
        term = _T(a) @ (tb[..., None] if np.ndim(b) == 1 else tb)
        rhs = term if rhs is None else rhs + term
    dx = np.linalg.solve(_T(a) @ a, rhs)
    return dx[..., 0] if np.ndim(b) == 1 else dx


def _lstsq_z(g, a):
    return np.linalg.solve(_T(a) @ a, _columns(g))


def _lstsq_vjp_a(g, x, a, b):
    z = _lstsq_z(g, a)
    xc = _columns(x)
    return (_columns(b) - a @ xc) @ _T(z) - (a @ z) @ _T(xc)


def _lstsq_vjp_b(g, x, a, b):
    bz = a @ _lstsq_z(g, a)
    return bz[:, 0] if np.ndim(b) == 1 else bz


register(Primitive(
    name="lstsq", impl=lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0], nargs=2, linear=False,
    jvp=_lstsq_jvp, vjp=(_lstsq_vjp_a, _lstsq_vjp_b),
    doc="x = argmin ‖A x - b‖ for A (m, n) of full column rank n ≤ m: the normal equations "
        "G x = Aᵀb with G = AᵀA, r = b - A x give dx = G⁻¹(dAᵀ r - Aᵀ dA x + Aᵀ db), "
        "b̄ = A z and Ā = r zᵀ - A z xᵀ with z = G⁻¹ x̄."))

def _pinv_jvp(ts, p, a):
    """dP = -P dA P + P Pᵀ dAᵀ (I - A P) + (I - P A) dAᵀ Pᵀ P  (A of constant rank)."""
    t = ts[0]
    m, n = np.shape(a)[-2:]
    pt = _T(p)
    return (-(p @ t @ p) + p @ pt @ _T(t) @ (np.eye(m) - a @ p)
            + (np.eye(n) - p @ a) @ _T(t) @ pt @ p)


def _pinv_vjp(g, p, a):
    m, n = np.shape(a)[-2:]
    pt = _T(p)
    return (-(pt @ g @ pt) + (np.eye(m) - a @ p) @ _T(g) @ p @ pt
            + pt @ p @ _T(g) @ (np.eye(n) - p @ a))


register(Primitive(
    name="pinv", impl=np.linalg.pinv, nargs=1, linear=False,
    jvp=_pinv_jvp, vjp=(_pinv_vjp,),
    doc="P = A⁺, the Moore-Penrose inverse;  for A of locally constant rank "
        "dP = -P dA P + P Pᵀ dAᵀ (I - A P) + (I - P A) dAᵀ Pᵀ P, and "
        "Ā = -Pᵀ P̄ Pᵀ + (I - A P) P̄ᵀ P Pᵀ + Pᵀ P P̄ᵀ (I - P A)."))

def _svd_factors(a):
    """U, Vh of A's thin SVD, for the first-order rules only: a traced A (a second
    derivative) would need the factors' own derivatives, which have no rules here."""
    from adcheck.errors import UnsupportedOpError
    from adcheck.prims.table import is_traced

    if is_traced(a):
        raise UnsupportedOpError("second derivatives of singular values (np.linalg.svd / svdvals / norm(ord=2))")
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    return u, vh


def _svdvals_jvp(ts, s, a):
    u, vh = _svd_factors(a)
    return np.einsum("mi,kmn,in->ki", u, ts[0], vh)


def _svdvals_vjp(g, s, a):
    u, vh = _svd_factors(a)
    return (u * g) @ vh


register(Primitive(
    name="svdvals", impl=lambda a: np.linalg.svd(a, compute_uv=False), nargs=1, linear=False, analytic=False,
    jvp=_svdvals_jvp, vjp=(_svdvals_vjp,),
    doc="s, the singular values of a matrix A = U diag(s) Vᵀ;  dsᵢ = uᵢᵀ dA vᵢ,  Ā = U diag(s̄) Vᵀ "
        "(first order; a repeated or zero singular value is a kink of the individual values)."))

register(Primitive(
    name="det", impl=np.linalg.det, nargs=1, linear=False,
    jvp=lambda ts, y, a: y * np.sum(_T(np.linalg.inv(a)) * ts[0], axis=(-2, -1)),
    vjp=(lambda g, y, a: (g * y)[..., None, None] * _T(np.linalg.inv(a)),),
    doc="d = det A;  dd = d·tr(A⁻¹ dA) (Jacobi's formula),  Ā = d̄·d·A⁻ᵀ.  Needs A invertible."))


def _inv_T(a):
    return _T(np.linalg.inv(a))


register(Primitive(
    name="slogdet", impl=lambda a: np.linalg.slogdet(a)[1], nargs=1, linear=False, analytic=False,
    jvp=lambda ts, y, a: np.sum(_inv_T(a) * ts[0], axis=(-2, -1)),
    vjp=(lambda g, y, a: g[..., None, None] * _inv_T(a),),
    doc="l = ln|det A| (the logabsdet of np.linalg.slogdet; the sign is piecewise constant);  "
        "dl = tr(A⁻¹ dA),  Ā = l̄·A⁻ᵀ.  Needs A invertible.  (ln|·| is not complex-analytic.)"))


def _safe(y):
    """y with its zeros replaced by 1, for dividing by a norm that may vanish."""
    return np.where(np.equal(y, 0.0), 1.0, y)


def _norm_axes(x, axis):
    return tuple(range(np.ndim(x))) if axis is None else axis


def _norm_jvp(ts, y, x, axis, keepdims):
    ax = tuple(a + 1 for a in _norm_axes(x, axis))
    return np.sum(ts[0] * x, axis=ax, keepdims=keepdims) / _safe(y)


def _norm_vjp(g, y, x, axis, keepdims):
    ax = _norm_axes(x, axis)
    q = g / _safe(y)
    if not keepdims:
        q = np.reshape(q, tuple(1 if i in ax else s for i, s in enumerate(np.shape(x))))
    return q * x


def _norm_lift(x_exprs, value, values, axis, keepdims):
    """Symbolic form: sqrt(Σ x²) over the axes."""
    import sympy

    s = np.sum(x_exprs * x_exprs, axis=axis, keepdims=keepdims)
    return np.vectorize(sympy.sqrt, otypes=[object])(s)


_vn = register(Primitive(
    name="norm", nargs=1, linear=False, analytic=False,
    impl=lambda x, axis, keepdims: np.linalg.norm(x, axis=axis, keepdims=keepdims),
    jvp=_norm_jvp, vjp=(_norm_vjp,),
    doc="y = ‖x‖₂ = √(Σ x²) over ``axis`` (NumPy's norm, ord None/2/'fro');  "
        "dy = Σ x·dx / y,  x̄ = ȳ·x / y.  At x = 0 (not differentiable) both give 0, "
        "a subgradient, so masked-out zero vectors (pairwise distances i = j) stay finite."))
_vn.extra["lift"] = _norm_lift


def _phi(m):
    """The lower triangle of m with its diagonal halved."""
    return np.tril(m, -1) + 0.5 * (np.tril(m) - np.tril(m, -1))


def _sym_from_lower(e):
    """tril(E) + tril(E, -1)ᵀ: the symmetric matrix that cholesky sees when E is its input."""
    return np.tril(e) + _T(np.tril(e, -1))


def _chol_jvp(ts, L, a):
    dA = _sym_from_lower(ts[0])
    Linv = np.linalg.inv(L)
    return L @ _phi(Linv @ dA @ _T(Linv))


def _lower_adjoint(S):
    """Ē = tril(S) + tril(Sᵀ, -1): the cotangent of the input E when only its lower triangle is
    read (as the symmetric matrix tril(E) + tril(E, -1)ᵀ) and S is that matrix's cotangent."""
    return np.tril(S) + np.tril(_T(S), -1)


def _chol_vjp(g, L, a):
    Linv = np.linalg.inv(L)
    return _lower_adjoint(_T(Linv) @ _phi(_T(L) @ g) @ Linv)


register(Primitive(
    name="cholesky", impl=np.linalg.cholesky, nargs=1, linear=False, analytic=False,
    jvp=_chol_jvp, vjp=(_chol_vjp,),
    doc="L = chol(A), A = L Lᵀ, reading only the lower triangle of A.  With Φ(M) the lower "
        "triangle of M with half its diagonal and dA = tril(Ȧ) + tril(Ȧ,-1)ᵀ:  "
        "dL = L Φ(L⁻¹ dA L⁻ᵀ);  S = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹,  Ā = tril(S) + tril(Sᵀ, -1).  "
        "(Hermitian on complex input, so not complex-analytic.)"))


# ----- symmetric eigenproblem: A = V diag(λ) Vᵀ, from one triangle of A -------------------

def _sym_from(e, uplo):
    """The symmetric matrix NumPy's eigh sees when E is its input and ``uplo`` the triangle read."""
    return _sym_from_lower(e) if uplo == "L" else np.triu(e) + _T(np.triu(e, 1))


def _adjoint_from(S, uplo):
    """The cotangent of E for the map E -> _sym_from(E, uplo), S the symmetric matrix's cotangent."""
    return _lower_adjoint(S) if uplo == "L" else np.triu(S) + np.triu(_T(S), 1)


def _gaps(w):
    """F with F_ij = 1/(λ_j - λ_i) off the diagonal, 0 on it (needs distinct eigenvalues)."""
    eye = np.eye(np.shape(w)[-1], dtype=bool)
    d = w[..., None, :] - w[..., :, None]
    return np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, d))


def _values_jvp(ts, w, a, driver, uplo):
    V = eigh_vectors(a, uplo=uplo)
    return np.sum(V * (_sym_from(ts[0], uplo) @ V), axis=-2)


def _values_vjp(g, w, a, driver, uplo):
    V = eigh_vectors(a, uplo=uplo)
    return _adjoint_from((V * g[..., None, :]) @ _T(V), uplo)


eigh_values = register(Primitive(
    name="eigh_values", nargs=1, linear=False, analytic=False,
    impl=lambda a, driver, uplo: (np.linalg.eigh(a, UPLO=uplo)[0] if driver == "eigh"
                                  else np.linalg.eigvalsh(a, UPLO=uplo)),
    jvp=_values_jvp, vjp=(_values_vjp,),
    doc="λ, the ascending eigenvalues of symmetric A, one triangle read (np.linalg.eigh / eigvalsh);  "
        "dλᵢ = vᵢᵀ dA vᵢ, dA the symmetric matrix built from that triangle of Ȧ;  "
        "Ā = that triangle's share of S = V diag(λ̄) Vᵀ (S on the triangle, Sᵀ added off the diagonal)."))


def _vectors_jvp(ts, V, a, uplo):
    F = _gaps(eigh_values(a, driver="eigh", uplo=uplo))
    return V @ (F * (_T(V) @ _sym_from(ts[0], uplo) @ V))


def _vectors_vjp(g, V, a, uplo):
    F = _gaps(eigh_values(a, driver="eigh", uplo=uplo))
    return _adjoint_from(V @ (F * (_T(V) @ g)) @ _T(V), uplo)


eigh_vectors = register(Primitive(
    name="eigh_vectors", nargs=1, linear=False, analytic=False, impl=lambda a, uplo: np.linalg.eigh(a, UPLO=uplo)[1],
    jvp=_vectors_jvp, vjp=(_vectors_vjp,),
    doc="V, the orthonormal eigenvectors (columns) of symmetric A, one triangle read.  With "
        "F_ij = 1/(λ_j - λ_i) (i ≠ j), 0 on the diagonal:  dV = V (F ∘ (Vᵀ dA V));  "
        "S = V (F ∘ (Vᵀ V̄)) Vᵀ, Ā = that triangle's share of S.  Needs distinct eigenvalues."))
