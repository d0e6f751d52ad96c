"""NumPy's linear-algebra functions mapped to the primitives of linalg.py (no rules here).

norm (2-norm and Frobenius by the ``norm`` primitive, which stays finite at
zero vectors; other orders from abs, sums and powers), slogdet (the sign is
piecewise constant and taken at the point), eigh/eigvalsh (either triangle),
cholesky (lower, or upper via the transpose), inv, solve, det, lstsq (full column rank), pinv, the
singular values (svd without U, V; svdvals; the matrix norms 2, -2, nuc).
"""

from __future__ import annotations

import numpy as np

from adcheck.errors import UnsupportedOpError
from adcheck.prims import composites as C
from adcheck.prims import reductions as Rd
from adcheck.prims.table import bind, get


def norm(x, ord=None, axis=None, keepdims=False):
    x = C.asarray(x)
    if axis is None and C._ndim(x) == 2 and ord in (2, -2, "nuc"):
        s = svdvals(x)  # the spectral norm, its smallest counterpart, the nuclear norm
        r = np.max(s) if ord == 2 else np.min(s) if ord == -2 else Rd.sum_(s)
        return np.reshape(r, (1, 1)) if keepdims else r
    if axis is None and C._ndim(x) == 2 and ord not in (None, "fro"):
        raise UnsupportedOpError(f"np.linalg.norm(ord={ord!r}) of a matrix")
    ax = C.norm_axis(axis, C._ndim(x))
    if ord in (None, 2, "fro") and (ord != 2 or ax is None or len(ax) == 1):
        return bind(get("norm"), x, axis=ax, keepdims=bool(keepdims))
    if ord == 1:
        return Rd.sum_(np.abs(x), ax, keepdims=keepdims)
    if ord == np.inf:
        return np.max(np.abs(x), axis=ax, keepdims=keepdims)
    if isinstance(ord, (int, float)) and ord > 0:
        return Rd.sum_(np.abs(x) ** ord, ax, keepdims=keepdims) ** (1.0 / ord)
    raise UnsupportedOpError(f"np.linalg.norm(ord={ord!r})")


def _linalg(name):
    return lambda *args: bind(get(name), *args)


_SlogdetResult = type(np.linalg.slogdet(np.eye(1)))


def slogdet(a):
    """(sign, ln|det A|): the sign is piecewise constant (taken at the point), ln|det| traced."""
    from adcheck.methods.dispatch import concrete
    a = C.asarray(a)
    return _SlogdetResult(np.linalg.slogdet(concrete(a))[0], bind(get("slogdet"), a))


_EighResult = type(np.linalg.eigh(np.eye(1)))


def eigh(a, UPLO="L"):
    """(eigenvalues, eigenvectors) of symmetric A, read from the UPLO triangle."""
    a, uplo = C.asarray(a), UPLO.upper()
    return _EighResult(bind(get("eigh_values"), a, driver="eigh", uplo=uplo),
                       bind(get("eigh_vectors"), a, uplo=uplo))


def eigvalsh(a, UPLO="L"):
    return bind(get("eigh_values"), C.asarray(a), driver="eigvalsh", uplo=UPLO.upper())


def cholesky(a, /, *, upper=False):
    """L with A = L Lᵀ from A's lower triangle; upper=True: U = Lᵀ from A's upper triangle."""
    a = C.asarray(a)
    if upper:
        return C.swapaxes(bind(get("cholesky"), C.swapaxes(a, -1, -2)), -1, -2)
    return bind(get("cholesky"), a)



def svdvals(a):
    """The singular values of a matrix (first order: see the svdvals primitive)."""
    a = C.asarray(a)
    if C._ndim(a) != 2:
        raise UnsupportedOpError("singular values of a stack of matrices")
    return bind(get("svdvals"), a)


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    if compute_uv:
        raise UnsupportedOpError("np.linalg.svd with compute_uv=True of a traced matrix",
                                 detail="only the singular values have rules here: use compute_uv=False "
                                        "or np.linalg.svdvals")
    return svdvals(a)


def pinv(a, rcond=None, hermitian=False, **kw):
    if rcond is not None or hermitian or kw:
        raise UnsupportedOpError("np.linalg.pinv with rcond/rtol/hermitian of a traced matrix")
    if C._ndim(a) != 2:
        raise UnsupportedOpError("np.linalg.pinv of a stack of matrices")
    return bind(get("pinv"), C.asarray(a))


def lstsq(a, b, rcond=None):
    """(x, residuals, rank, s) as np.linalg.lstsq gives them, for A (m, n) of full column rank:
    x, the residuals and the singular values (as √eig(AᵀA)) traced, the rank taken at the point."""
    from adcheck.methods.dispatch import concrete

    a, b = C.asarray(a), C.asarray(b)
    if C._ndim(a) != 2:
        raise UnsupportedOpError("np.linalg.lstsq of a stack of matrices")
    m, n = C._shape(a)
    rank = np.linalg.lstsq(concrete(a), concrete(b), rcond=rcond)[2]
    if rank < n:
        raise UnsupportedOpError("np.linalg.lstsq of a traced system without full column rank",
                                 detail=f"the derivative here needs A (m, n) with rank n (A has rank {rank} of {n})")
    x = bind(get("lstsq"), a, b)
    r = b - a @ x
    residuals = Rd.sum_(r * r, 0 if C._ndim(b) > 1 else None, keepdims=False) if m > n else np.zeros(0)
    if m > n and C._ndim(b) == 1:
        residuals = np.reshape(residuals, (1,))
    # s as √eig(AᵀA), not the svdvals primitive: the tuple is computed whole, and svdvals' rules are
    # first order only, which would refuse every second derivative through lstsq
    s = np.sqrt(np.maximum(np.linalg.eigvalsh(C.swapaxes(a, -1, -2) @ a), 0.0))[::-1]
    return x, residuals, int(rank), s


FUNCTIONS = {
    np.linalg.norm: norm, np.linalg.inv: _linalg("inv"), np.linalg.solve: _linalg("solve"),
    np.linalg.det: _linalg("det"), np.linalg.slogdet: slogdet, np.linalg.cholesky: cholesky,
    np.linalg.eigh: eigh, np.linalg.eigvalsh: eigvalsh, np.linalg.lstsq: lstsq,
    np.linalg.pinv: pinv, np.linalg.svd: svd,
}
if hasattr(np.linalg, "svdvals"):  # NumPy >= 2.0
    FUNCTIONS[np.linalg.svdvals] = svdvals
C.FUNCTIONS.update(FUNCTIONS)
