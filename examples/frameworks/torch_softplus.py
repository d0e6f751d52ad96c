"""A numerically stable softplus as a torch.autograd.Function, and a copy whose backward forgets grad_output.

    softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|)      (no overflow for large |x|)
    softplus'(x) = sigmoid(x)

``adcheck check examples/frameworks/torch_softplus.py`` checks, with no
adcheck import here:

* ``Softplus`` and ``SoftplusForgetsGrad`` as custom rules: forward against
  the plain computation, backward against float64 finite differences, linearity
  in grad_output.  ``SoftplusForgetsGrad.backward`` returns sigmoid(x) instead
  of grad_output * sigmoid(x): right whenever grad_output is all ones (a bare
  ``.sum()`` after it), wrong everywhere else, and the linearity sub-check
  catches it (expected to fail: ADCHECK_EXPECT);
* ``loss`` (float64) and ``loss32`` (the same model in float32) through torch's
  autograd: the gradient torch computes, which runs Softplus.backward, against
  FD of the function in float64, with float32 tolerances for ``loss32``;
* ``loss_numpy`` is the NumPy twin of ``loss``: adcheck's own reverse AD of it is
  a second reference.
"""

import numpy as np
import torch


def stable_softplus(x):
    return torch.clamp(x, min=0) + torch.log1p(torch.exp(-torch.abs(x)))


class Softplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return stable_softplus(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(x)


class SoftplusForgetsGrad(Softplus):      # the same forward; only backward differs
    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return torch.sigmoid(x)          # the bug: grad_output is dropped


_rng = np.random.default_rng(0)
X = torch.from_numpy(_rng.standard_normal((40, 6)))
Y = torch.from_numpy(_rng.standard_normal(40))


def loss(w):
    """Softplus regression: mean((softplus(X w) - y)^2) + 1e-3 |w|^2."""
    pred = Softplus.apply(X.to(w.dtype) @ w)
    return ((pred - Y.to(w.dtype)) ** 2).mean() + 1e-3 * (w * w).sum()


def loss_numpy(w):
    pred = np.logaddexp(0.0, X.numpy() @ w)
    return np.mean((pred - Y.numpy()) ** 2) + 1e-3 * np.sum(w * w)


def loss32(w):
    pred = Softplus.apply(X.to(w.dtype) @ w)
    return ((pred - Y.to(w.dtype)) ** 2).mean() + 1e-3 * (w * w).sum()


W0 = np.array([0.3, -0.2, 0.5, 1.0, -1.5, 0.1])
ADCHECK_POINTS = {
    "loss": W0,
    "loss32": W0.astype(np.float32),
    "Softplus": np.array([-30.0, -2.0, -0.1, 0.0, 0.7, 3.0, 40.0]),
    "SoftplusForgetsGrad": np.array([-2.0, 0.5, 3.0]),
}
ADCHECK_EXPECT = {"SoftplusForgetsGrad": "fail"}
