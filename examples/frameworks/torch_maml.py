"""A MAML meta-gradient in PyTorch: differentiating through one inner gradient step.

    θ' = θ - α ∇L_train(θ)                       (inner step, create_graph=True)
    meta_loss(θ) = L_val(θ')
    ∇meta_loss(θ) = (I - α ∇²L_train(θ)) ∇L_val(θ')

The meta-gradient needs the Hessian of L_train: torch gets it by double
backward through the inner ``torch.autograd.grad(..., create_graph=True)``.
``adcheck check examples/frameworks/torch_maml.py`` checks the meta-gradient
torch computes against float64 finite differences of meta_loss, and
``--order 2`` its Hessian (triple backward) against finite differences of the
meta-gradient.  ``meta_loss_numpy`` is the closed-form twin for adcheck's
own reverse AD, the MAML of examples/maml.py.
"""

import numpy as np
import torch

ALPHA = 0.1
_rng = np.random.default_rng(2)
XT, YT = _rng.standard_normal((16, 3)), _rng.standard_normal(16)
XV, YV = _rng.standard_normal((16, 3)), _rng.standard_normal(16)


def _loss(theta, X, y):
    return torch.mean(torch.tanh(X @ theta) - y) ** 2 + torch.mean((X @ theta - y) ** 2)


def meta_loss(theta):
    XT_, YT_ = torch.as_tensor(XT, dtype=theta.dtype), torch.as_tensor(YT, dtype=theta.dtype)
    XV_, YV_ = torch.as_tensor(XV, dtype=theta.dtype), torch.as_tensor(YV, dtype=theta.dtype)
    inner = _loss(theta, XT_, YT_)
    (g,) = torch.autograd.grad(inner, theta, create_graph=True)
    adapted = theta - ALPHA * g
    return _loss(adapted, XV_, YV_)


def _loss_np(theta, X, y):
    return np.mean(np.tanh(X @ theta) - y) ** 2 + np.mean((X @ theta - y) ** 2)


def _grad_np(theta, X, y):
    n = len(y)
    t = np.tanh(X @ theta)
    return 2 * np.mean(t - y) * (X.T @ (1 - t ** 2)) / n + 2 * X.T @ (X @ theta - y) / n


def meta_loss_numpy(theta):
    return _loss_np(theta - ALPHA * _grad_np(theta, XT, YT), XV, YV)


ADCHECK_POINTS = {"meta_loss": np.array([0.5, -0.3, 0.8])}
