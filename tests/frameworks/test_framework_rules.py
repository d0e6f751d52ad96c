"""torch.autograd.Function and jax.custom_vjp / custom_jvp rules, checked like adcheck's own custom rules."""

import numpy as np
import pytest

from adcheck.analysis.rules import check_rule


def _torch():
    return pytest.importorskip("torch")


def _jax():
    return pytest.importorskip("jax")


def torch_softplus(backward):
    torch = _torch()

    class Softplus(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.clamp(x, min=0) + torch.log1p(torch.exp(-torch.abs(x)))

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return backward(torch, g, x)
    return Softplus


X = np.array([-30.0, -2.0, -0.1, 0.0, 0.7, 3.0, 40.0])


def test_correct_torch_function_passes_every_applicable_sub_check():
    rep = check_rule(torch_softplus(lambda t, g, x: g * t.sigmoid(x)), X)
    assert rep.exit_code == 0, rep.to_dict()
    ran = {c.name for c in rep.checks if c.passed is not None}
    assert {"output", "vjp-vs-fd", "vjp-linearity", "shapes", "dtypes"} <= ran
    assert rep.check("jvp-vs-fd").passed is None          # no jvp staticmethod: not applicable


@pytest.mark.parametrize("backward,fails", [
    (lambda t, g, x: t.sigmoid(x), "vjp-linearity"),                         # ignores grad_output
    (lambda t, g, x: 1.001 * g * t.sigmoid(x), "vjp-vs-fd"),                 # slightly wrong
    (lambda t, g, x: (g * t.sigmoid(x))[:-1], "shapes"),                     # wrong shape
    (lambda t, g, x: (g * t.sigmoid(x)).double(), "dtypes"),                 # float64 for float32 x
    (lambda t, g, x: -g * t.sigmoid(x), "vjp-vs-fd"),                        # sign
], ids=["ignores-grad-output", "scaled", "shape", "dtype", "sign"])
def test_torch_backward_bugs_are_caught(backward, fails):
    x = X.astype(np.float32) if fails == "dtypes" else X
    rep = check_rule(torch_softplus(backward), x)
    assert rep.exit_code == 1 and fails in rep.failed, rep.to_dict()


def test_torch_jvp_staticmethod_is_checked_and_adjoint_to_backward():
    torch = _torch()

    class Sin(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            ctx.save_for_forward(x)
            return torch.sin(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * torch.cos(x)

        @staticmethod
        def jvp(ctx, t):
            (x,) = ctx.saved_tensors
            return t * torch.cos(x) * 1.01

    rep = check_rule(Sin, np.array([0.2, 1.0, -2.0]))
    assert rep.exit_code == 1 and {"jvp-vs-fd", "adjoint"} <= set(rep.failed)


def test_two_input_torch_function():
    torch = _torch()

    class Mul(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b, g * a

    assert check_rule(Mul, (np.array([1.0, 2.0]), np.array([3.0, -1.0]))).exit_code == 0


def test_jax_custom_vjp_correct_and_ignoring_the_cotangent():
    jax = _jax()
    jnp = jax.numpy

    def make(bwd):
        @jax.custom_vjp
        def sp(x):
            return jnp.logaddexp(0.0, x)
        sp.defvjp(lambda x: (sp(x), x), bwd)
        return sp

    good = make(lambda x, g: (g * jax.nn.sigmoid(x),))
    bad = make(lambda x, g: (jax.nn.sigmoid(x),))
    assert check_rule(good, X).exit_code == 0
    rep = check_rule(bad, X)
    assert rep.exit_code == 1 and "vjp-linearity" in rep.failed


def test_jax_fwd_that_computes_another_output_fails_the_output_check():
    jax = _jax()
    jnp = jax.numpy

    @jax.custom_vjp
    def f(x):
        return jnp.tanh(x)
    f.defvjp(lambda x: (jnp.tanh(x) + 1e-3, x), lambda x, g: (g * (1 - jnp.tanh(x) ** 2),))
    rep = check_rule(f, np.array([0.1, 0.5]))
    assert rep.exit_code == 1 and "output" in rep.failed


def test_jax_custom_jvp_wrong_tangent():
    jax = _jax()
    jnp = jax.numpy

    @jax.custom_jvp
    def f(x):
        return jnp.exp(x)

    @f.defjvp
    def f_jvp(p, t):
        return jnp.exp(p[0]), jnp.exp(p[0]) * t[0] * 0.999
    rep = check_rule(f, np.array([0.1, 0.5]))
    assert rep.exit_code == 1 and "jvp-vs-fd" in rep.failed


def test_kink_in_a_torch_rule_is_inconclusive():
    torch = _torch()

    class Abs(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.abs(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * torch.where(x >= 0, 1.0, -1.0).to(x.dtype)   # the right-hand side at 0
    rep = check_rule(Abs, np.array([0.0, 1.0, -2.0]))
    assert rep.exit_code == 3, rep.to_dict()
