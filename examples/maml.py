"""MAML on linear regression: the meta-loss after one hand-written inner gradient step.

Each task t has training data (Xₜ, yₜ) and validation data (Vₜ, zₜ); a
task's loss is L(w; X, y) = ½ mean((X w - y)²), whose gradient is
∇L(w) = Xᵀ(X w - y)/n.  One inner step from the shared weights w, then the
validation loss, averaged over tasks:

    wₜ'(w)    = w - α Xₜᵀ(Xₜ w - yₜ)/n
    meta(w)   = meanₜ L(wₜ'(w); Vₜ, zₜ)

The inner gradient is written out in NumPy (no adcheck import), so
differentiating ``meta_loss`` differentiates *through* a gradient step:
second-order information enters.  In closed form, wₜ' is affine in w with
Jacobian I - α Hₜ, Hₜ = XₜᵀXₜ/n (symmetric), so

    ∇meta(w) = meanₜ (I - α Hₜ) Vₜᵀ(Vₜ wₜ' - zₜ)/m

which ``meta_loss_grad`` computes; AD (forward and reverse) must match it.

    adcheck grad examples/maml.py
    adcheck check examples/maml.py      (meta_loss_grad against AD and FD)
"""

import numpy as np

ALPHA = 0.1
rng = np.random.default_rng(2024)          # fixed data: two tasks, 3 features
X_TRAIN = rng.standard_normal((2, 6, 3))
Y_TRAIN = rng.standard_normal((2, 6))
X_VAL = rng.standard_normal((2, 5, 3))
Y_VAL = rng.standard_normal((2, 5))


def _task_loss(w, X, y):
    r = X @ w - y
    return 0.5 * np.mean(r ** 2)


def _inner_gradient(w, X, y):
    """∇L(w) = Xᵀ(X w - y)/n, by hand."""
    return X.T @ (X @ w - y) / len(y)


def meta_loss(w):
    """meanₜ L(w - α ∇L_train,t(w); validation data of t)."""
    total = 0.0
    for t in range(len(X_TRAIN)):
        adapted = w - ALPHA * _inner_gradient(w, X_TRAIN[t], Y_TRAIN[t])
        total += _task_loss(adapted, X_VAL[t], Y_VAL[t])
    return total / len(X_TRAIN)


def meta_loss_grad(w):
    """The closed-form meta-gradient of the module docstring."""
    g = np.zeros_like(w)
    for X, y, V, z in zip(X_TRAIN, Y_TRAIN, X_VAL, Y_VAL):
        adapted = w - ALPHA * X.T @ (X @ w - y) / len(y)
        H = X.T @ X / len(y)
        g += (np.eye(len(w)) - ALPHA * H) @ (V.T @ (V @ adapted - z) / len(z))
    return g / len(X_TRAIN)


ADCHECK_POINTS = {"meta_loss": [0.5, -1.0, 0.25]}
