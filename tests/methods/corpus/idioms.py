"""Everyday NumPy idioms in small functions (test data; nothing here knows about adcheck)."""

import numpy as np

rng = np.random.default_rng(5)
A = rng.standard_normal((4, 4))
B = rng.standard_normal((3, 4))
idx = np.array([0, 2, 2, 3, 1])


def einsum_matvec(x):
    y = np.einsum('ij,j->i', A, x)
    return np.einsum('i,i->', y, y) + np.einsum('ii', A) * x[0]


def einsum_bilinear(M):
    M = M.reshape(4, 4)
    G = np.einsum('ki,kj->ij', M, M)          # M^T M
    return np.einsum('ij,ij', G, A) + np.einsum('ii->i', M).sum() + np.einsum('ij->', M * M)


def trimmed_mean(x):
    s = np.sort(x)
    k = len(x) // 5
    return np.mean(s[k:len(x) - k])


def order_statistics(x):
    X2 = x.reshape(3, 4)
    srt = np.sort(X2, axis=0)
    return np.concatenate([srt[-1], np.sort(X2)[:, 0], [np.median(x)]])


def product_and_cumsum(x):
    return np.array([np.prod(x), np.prod(x[:3] + 1.0)]).sum() + np.cumsum(x)[-2] * x[0]


def trace_inverse(m):
    M = m.reshape(3, 3)
    S = M @ M.T + np.eye(3)
    return np.trace(np.linalg.inv(S)) + np.trace(S @ S)


def quadratic_form(x):
    Q = A + A.T
    return x.T @ Q @ x + np.outer(x, x)[1, 2] + x @ A @ x


def kron_features(x):
    K = np.kron(x[:2], x[2:])
    K2 = np.kron(np.eye(2), x[:4].reshape(2, 2))
    return np.sum(K ** 2) + np.sum(K2 * np.arange(16.0).reshape(4, 4))


def tile_repeat(x):
    t = np.tile(x, 2)
    r = np.repeat(x, 3)
    T2 = np.tile(x[:2], (2, 2))
    return np.concatenate([t * r[: t.size], T2.ravel(), np.repeat(x.reshape(2, 2), 2, axis=1).ravel()])


def triangular_parts(m):
    M = m.reshape(4, 4)
    L = np.tril(M)
    U = np.triu(M, k=1)
    return np.sum(L @ L.T) + np.sum(np.triu(M @ M.T, -1) ** 2) - np.sum(np.tril(U.T))


def softplus_logaddexp(x):
    return np.sum(np.logaddexp(0, x)) + np.logaddexp(x[0], x[1])


def fancy_and_masks(x):
    g = x[idx]
    pos = x[x > 0]
    strided = x[::2]
    x2 = x.reshape(2, 3)
    rows = x2[[1, 0], :]
    cols = x2[:, np.array([2, 0])]
    return np.sum(g ** 2) + np.sum(pos) * np.sum(strided) + np.sum(rows * 2) + np.sum(cols ** 3)


def stacking(x):
    a = np.concatenate([x[:2], x[2:] ** 2, [x[0] * x[1]]])
    b = np.vstack([x[:3], x[3:]])
    c = np.hstack([b[:, 0], b[1]])
    return np.concatenate([a, b.ravel(), c, np.stack([x[:3], x[3:]], axis=1).ravel()])


def clip_abs_sign(x):
    c = np.clip(x, -0.5, 0.5)
    return np.sum(np.abs(x) ** 1.5) + np.sign(x[0]) * x[1] ** 2 + np.sum(c * x) + np.abs(x).max()


def column_stats(x):
    Xm = x.reshape(5, 3)
    mx = np.max(Xm, axis=0)
    mu = Xm.mean(axis=0)
    sd = np.std(Xm, axis=0)
    v = np.var(Xm, axis=1, ddof=1)
    return np.concatenate([mx, mu, sd, v, [np.min(Xm), np.linalg.norm(x, ord=1)]])


def polynomial_fit_residual(c):
    t = np.linspace(0.0, 1.0, 7)
    target = np.sin(3 * t)
    return np.polyval(c, t) - target


def interp_table(xq):
    xp = np.array([0.0, 0.5, 1.0, 2.0, 3.5])
    fp = np.array([1.0, 0.2, -0.4, 0.8, 2.0])
    return np.interp(xq, xp, fp) * xq


def broadcasting_rowwise(x):
    W = x.reshape(3, 4)
    norms = np.sqrt(np.sum(W ** 2, axis=1, keepdims=True))
    Wn = W / norms
    scores = Wn @ B.T
    return np.sum(scores * scores, axis=0) - np.mean(Wn, axis=(0, 1)) + W[:, :1].T @ W[:, 1:2]


def matrix_outputs(x):
    M = x.reshape(2, 3)
    return (M[:, :, None] * M[:, None, :]).sum(axis=0) @ np.ones(3) + np.dot(M.T, M[:, 0])


ADCHECK_POINTS = {
    "einsum_matvec": rng.standard_normal(4),
    "einsum_bilinear": rng.standard_normal(16),
    "trimmed_mean": rng.standard_normal(10),
    "order_statistics": rng.standard_normal(12),
    "product_and_cumsum": rng.uniform(0.5, 1.5, 5),
    "trace_inverse": rng.standard_normal(9),
    "quadratic_form": rng.standard_normal(4),
    "kron_features": rng.standard_normal(4),
    "tile_repeat": rng.standard_normal(4),
    "triangular_parts": rng.standard_normal(16),
    "softplus_logaddexp": rng.standard_normal(5),
    "fancy_and_masks": rng.standard_normal(6),
    "stacking": rng.standard_normal(6),
    "clip_abs_sign": np.array([0.9, -0.2, 0.3, -1.4, 0.1]),
    "column_stats": rng.standard_normal(15),
    "polynomial_fit_residual": rng.standard_normal(4),
    "interp_table": np.array([0.2, 0.7, 1.4, 2.9]),
    "broadcasting_rowwise": rng.standard_normal(12),
    "matrix_outputs": rng.standard_normal(6),
}
