"""Losses, small networks and statistical models, written the way people write them.

Test data for tests/methods/test_numpy_corpus.py: nothing here knows about
adcheck.  Fixed data come from a seeded generator at import; the points to
check at are in ADCHECK_POINTS (random, away from kinks).
"""

import numpy as np

rng = np.random.default_rng(1234)
N, D, C, H = 12, 3, 4, 5
X = rng.standard_normal((N, D))
y_reg = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(N)
y_pm = np.where(rng.standard_normal(N) > 0, 1.0, -1.0)
labels = rng.integers(0, C, size=N)


def mse(w):
    pred = X @ w
    return np.mean((pred - y_reg) ** 2)


def logistic_loss(w, b):
    z = np.dot(X, w) + b
    return np.sum(np.log1p(np.exp(-y_pm * z))) / len(y_pm) + 0.01 * np.dot(w, w)


def softmax_cross_entropy(W):
    W = W.reshape(D, C)
    logits = X @ W
    logits = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    return -np.mean(log_probs[np.arange(N), labels])


def huber(w, delta=1.0):
    r = X @ w - y_reg
    a = np.abs(r)
    return np.sum(np.where(a <= delta, 0.5 * r ** 2, delta * (a - 0.5 * delta)))


def hinge_svm(w):
    margins = y_pm * (X @ w)
    return np.mean(np.maximum(0, 1 - margins)) + 0.5 * 0.1 * np.sum(w ** 2)


def _unpack(params):
    i = 0
    W1 = params[i:i + D * H].reshape(D, H); i += D * H
    b1 = params[i:i + H]; i += H
    W2 = params[i:i + H]; i += H
    b2 = params[i]
    return W1, b1, W2, b2


def mlp_tanh(params):
    W1, b1, W2, b2 = _unpack(params)
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    return 0.5 * np.mean((out - y_reg) ** 2)


def mlp_relu_mask(params):
    W1, b1, W2, b2 = _unpack(params)
    h = X @ W1 + b1
    h[h < 0] = 0
    out = h.dot(W2) + b2
    return np.mean((out - y_reg) ** 2)


def mlp_relu_maximum(params):
    W1, b1, W2, b2 = _unpack(params)
    h = np.maximum(X @ W1 + b1, 0)
    return np.mean(np.abs(h @ W2 + b2 - y_reg))


def gaussian_loglik_slogdet(theta):
    """Multivariate normal log-likelihood, mean and Cholesky-like factor as parameters."""
    mu = theta[:D]
    L = np.zeros((D, D))
    L[np.tril_indices(D)] = theta[D:]
    Sigma = L @ L.T + 0.5 * np.eye(D)
    sign, logdet = np.linalg.slogdet(Sigma)
    diff = X - mu
    maha = np.sum(diff * np.linalg.solve(Sigma, diff.T).T, axis=1)
    return -0.5 * np.sum(maha) - 0.5 * N * logdet - 0.5 * N * D * np.log(2 * np.pi)


def gaussian_loglik_det(theta):
    mu = theta[:D]
    M = theta[D:].reshape(D, D)
    S = M @ M.T + np.eye(D)
    Sinv = np.linalg.inv(S)
    ll = 0.0
    for xi in X:
        d = xi - mu
        ll += -0.5 * d @ Sinv @ d
    return ll - 0.5 * len(X) * np.log(np.linalg.det(S))


def gmm_loglik(params):
    """1-D Gaussian mixture: log-sum-exp over components with the max trick."""
    K = 3
    logits, mu, log_s = params[:K], params[K:2 * K], params[2 * K:]
    w = np.exp(logits) / np.exp(logits).sum()
    x = X[:, 0]
    s = np.exp(log_s)
    log_p = (-0.5 * ((x[:, None] - mu[None, :]) / s) ** 2 - np.log(s)
             - 0.5 * np.log(2 * np.pi) + np.log(w))
    m = log_p.max(axis=1, keepdims=True)
    return np.sum(m[:, 0] + np.log(np.sum(np.exp(log_p - m), axis=1)))


def rbf_kernel_ridge(ls):
    """Kernel matrix from squared distances (keepdims trick), then a solve."""
    Z = X / ls
    sq = np.sum(Z ** 2, axis=1, keepdims=True)
    D2 = sq + sq.T - 2 * Z @ Z.T
    K = np.exp(-0.5 * D2) + 0.1 * np.eye(N)
    alpha = np.linalg.solve(K, y_reg)
    return y_reg @ alpha + np.linalg.slogdet(K)[1]


def standardize_then_loss(X0):
    Xs = X0.reshape(N, D)
    Z = (Xs - Xs.mean(axis=0)) / np.std(Xs, axis=0)
    v = np.var(Z[:, 0] * Z[:, 1], ddof=1)
    return np.sum(Z[:, 0] * Z[:, 2]) + v + np.max(Xs, axis=0).sum()


def attention_layer(q):
    Q = q.reshape(2, D)
    K = X[:4]
    scores = Q @ K.T / np.sqrt(D)
    w = np.exp(scores - scores.max(axis=-1, keepdims=True))
    w /= w.sum(axis=-1, keepdims=True)
    return (w @ K).ravel()


def batch_norm(x):
    B = x.reshape(4, D)
    mu = B.mean(axis=0, keepdims=True)
    var = B.var(axis=0, keepdims=True)
    return ((B - mu) / np.sqrt(var + 1e-5)).ravel()


def conv2d_valid(k):
    img = np.arange(25.0).reshape(5, 5) / 10
    K = k.reshape(3, 3)
    out = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            out[i, j] = np.sum(img[i:i + 3, j:j + 3] * K)
    return out


ADCHECK_POINTS = {
    "mse": rng.standard_normal(D),
    "logistic_loss": {"w": rng.standard_normal(D), "b": 0.3},
    "softmax_cross_entropy": rng.standard_normal(D * C),
    "huber": rng.standard_normal(D),
    "hinge_svm": rng.standard_normal(D),
    "mlp_tanh": 0.5 * rng.standard_normal(D * H + 2 * H + 1),
    "mlp_relu_mask": 0.5 * rng.standard_normal(D * H + 2 * H + 1),
    "mlp_relu_maximum": 0.5 * rng.standard_normal(D * H + 2 * H + 1),
    "gaussian_loglik_slogdet": 0.5 * rng.standard_normal(D + D * (D + 1) // 2),
    "gaussian_loglik_det": 0.5 * rng.standard_normal(D + D * D),
    "gmm_loglik": 0.5 * rng.standard_normal(9),
    "rbf_kernel_ridge": 1.0 + rng.uniform(0, 1, D),
    "standardize_then_loss": rng.standard_normal(N * D),
    "attention_layer": rng.standard_normal(2 * D),
    "batch_norm": rng.standard_normal(4 * D),
    "conv2d_valid": rng.standard_normal(9),
}
