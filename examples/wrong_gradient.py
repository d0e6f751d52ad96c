"""A ridge-regression loss whose hand-written gradient is WRONG ON PURPOSE: ``adcheck check`` must fail it.

    loss(w) = ½ ‖A w - b‖² + ½ λ ‖w‖²,    ∇loss(w) = Aᵀ(A w - b) + λ w

``loss_grad`` slips a sign on the penalty term and returns Aᵀ(A w - b) - λ w.
Such a bug is easy to miss: at small λ the gradient is nearly right, an
optimiser still makes progress, and only the penalty acts the wrong way.
The checker sees it at once: every entry is off by 2λ|w_j|, far beyond
round-off.

``ADCHECK_EXPECT = {"loss": "fail"}`` tells ``adcheck check`` that this
check fails on purpose, so a run over examples/ reports it as "xfail" and
passes; if the gradient were ever fixed, the run would fail with "xpass".
"""

import numpy as np

LAMBDA = 0.1
A = np.array([[1.0, 2.0, 0.0], [0.5, -1.0, 3.0], [2.0, 0.0, -1.5], [0.0, 1.0, 1.0]])
B = np.array([1.0, -2.0, 0.5, 3.0])


def loss(w):
    """½‖Aw − b‖² + ½λ‖w‖²."""
    r = A @ w - B
    return 0.5 * np.sum(r ** 2) + 0.5 * LAMBDA * np.sum(w ** 2)


def loss_grad(w):
    """WRONG ON PURPOSE: the penalty's sign is flipped (should be + LAMBDA * w)."""
    return A.T @ (A @ w - B) - LAMBDA * w


ADCHECK_POINTS = {"loss": [0.5, -1.0, 2.0]}
ADCHECK_EXPECT = {"loss": "fail"}
