"""A two-layer tanh network's mean-squared-error loss, its parameters in one flat vector.

    h = tanh(X W₁ + b₁),    ŷ = h w₂ + b₂,    loss(θ) = ½ mean((ŷ - y)²)

θ packs W₁ (3×4), b₁ (4), w₂ (4) and b₂ (1): 21 numbers, unpacked inside
``loss`` with slicing and reshape as training code does.  The data (X, y)
are fixed.  One output and 21 inputs: reverse mode gets the gradient in one
backward pass, forward mode needs 21 directions (``adcheck modes`` says so).

``loss_grad`` is backpropagation by hand.  With r = (ŷ - y)/N:

    ∂/∂b₂ = Σᵢ rᵢ,    ∂/∂w₂ = hᵀ r,    δ = (r w₂ᵀ) ⊙ (1 - h²),
    ∂/∂W₁ = Xᵀ δ,     ∂/∂b₁ = Σᵢ δᵢ

    adcheck grad examples/mlp.py
    adcheck check examples/mlp.py        (loss_grad against AD and finite differences)
"""

import numpy as np

N_IN, N_HIDDEN = 3, 4
X = np.array([[0.5, -1.0, 0.3], [1.2, 0.4, -0.7], [-0.3, 0.8, 1.1], [0.0, -0.5, -1.4],
              [2.0, 0.1, 0.6], [-1.5, 1.3, 0.2], [0.7, 0.7, -0.2], [-0.9, -1.1, 0.9]])
y = np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2]


def _unpack(theta):
    """θ -> (W₁, b₁, w₂, b₂)."""
    i = N_IN * N_HIDDEN
    W1 = theta[:i].reshape(N_IN, N_HIDDEN)
    b1 = theta[i:i + N_HIDDEN]
    w2 = theta[i + N_HIDDEN:i + 2 * N_HIDDEN]
    b2 = theta[-1]
    return W1, b1, w2, b2


def loss(theta):
    """½ mean((ŷ - y)²) of the network with parameters θ on (X, y)."""
    W1, b1, w2, b2 = _unpack(theta)
    h = np.tanh(X @ W1 + b1)
    pred = h @ w2 + b2
    return 0.5 * np.mean((pred - y) ** 2)


def loss_grad(theta):
    """∇loss(θ) by backpropagation, packed like θ (formulas in the module docstring)."""
    W1, b1, w2, b2 = _unpack(theta)
    h = np.tanh(X @ W1 + b1)
    r = (h @ w2 + b2 - y) / len(y)
    delta = np.outer(r, w2) * (1.0 - h ** 2)
    return np.concatenate([(X.T @ delta).ravel(), delta.sum(axis=0), h.T @ r, [r.sum()]])


THETA0 = np.array([0.3, -0.8, 0.5, 0.1, -0.4, 0.9, -0.2, 0.6, 0.7, -0.1, 0.2, -0.5,
                   0.05, -0.1, 0.2, 0.0, 0.8, -0.6, 0.4, 1.1, 0.1])
ADCHECK_POINTS = {"loss": THETA0}
