"""Logistic regression computed in float32, with hand-written float32 derivatives that must pass.

Data X (N × d) and labels y ∈ {0, 1} are float32, and so is the point, so
the whole forward pass and the hand-written derivatives run in float32.
With z = X w and σ(z) = 1 / (1 + e^-z):

    loss(w)      = mean_i [ softplus(z_i) - y_i z_i ]     (the negative log-likelihood)
    ∇loss(w)     = Xᵀ (σ(z) - y) / N
    p(w)         = σ(X w)                              (predicted probabilities)
    ∂p_i/∂w_j    = σ(z_i) σ(-z_i) X_ij                 (σ' = σ(1 - σ) = σ(z) σ(-z))

adcheck computes its references in float64 from the same float32 data and
judges the float32 results against a float32 tolerance (a few hundred units
of float32 round-off, scaled by the size of the terms): a correct float32
derivative passes, although it differs from the float64 truth by ~1e-7.
σ(z) is written as exp(-log(1 + e^-z)) with ``np.logaddexp``, which neither
overflows nor cancels on either side, and σ' as σ(z) σ(-z).  The textbook
σ(1 - σ), or σ as (1 + tanh(z/2)) / 2, cancel in float32 once |z| is large
(1 - 0.99997 keeps three digits), and the checker rightly flags those.
"""

import numpy as np

_rng = np.random.default_rng(2024)
X = _rng.standard_normal((32, 5)).astype(np.float32)
Y = (_rng.uniform(size=32) < 0.5).astype(np.float32)


def sigmoid(z):
    """σ(z) = 1 / (1 + e^-z) = exp(-log(1 + e^-z)), in the precision of z."""
    return np.exp(-np.logaddexp(0.0, -z))


def loss(w):
    """Mean negative log-likelihood of logistic regression."""
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - Y * z)


def loss_grad(w):
    """Xᵀ(σ(Xw) − y) / N, in float32."""
    z = X @ w
    return X.T @ (sigmoid(z) - Y) / np.float32(X.shape[0])


def probabilities(w):
    """σ(Xw): one probability per sample."""
    return sigmoid(X @ w)


def probabilities_jac(w):
    """diag(σ'(z)) X with σ'(z) = σ(z) σ(−z), in float32 (N × d)."""
    z = X @ w
    return (sigmoid(z) * sigmoid(-z))[:, None] * X


W0 = np.array([0.3, -0.7, 1.1, 0.05, -0.4], dtype=np.float32)
ADCHECK_POINTS = {"loss": W0, "probabilities": W0}
