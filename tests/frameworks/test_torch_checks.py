"""torch code under adcheck's verdicts: torch's own gradient checked against FD in float64.

The "user's derivative" of torch code is what torch's autograd computes.  Bugs
enter through hand-written backward passes (a fused kernel with its own
gradient, a torch.autograd.Function), so the mutation classes of
tests/analysis/test_checks.py are planted in such a backward here.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from adcheck.frameworks import framework_of                      # noqa: E402
from adcheck.frameworks.checks import check_autograd, check_second  # noqa: E402

from tests.analysis.test_checks import MUTATIONS, larger_error, small_error  # noqa: E402


def quartic_np(n):
    c = np.linspace(0.5, 2.0, n)
    return (lambda x: np.sum(c * x ** 4) + np.sum(np.sin(x) * x),
            lambda x: 4 * c * x ** 3 + np.cos(x) * x + np.sin(x), c)


def fused(n, mutate=None):
    """quartic as one torch.autograd.Function with a hand-written backward (mutated if asked)."""
    _, g_np, c = quartic_np(n)

    class Quartic(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            cc = torch.as_tensor(c, dtype=x.dtype)
            return (cc * x ** 4).sum() + (torch.sin(x) * x).sum()

        @staticmethod
        def backward(ctx, grad_out):
            (x,) = ctx.saved_tensors
            g = g_np(x.detach().numpy().astype(np.float64))
            if mutate is not None:
                g = mutate(g)
            return grad_out * torch.as_tensor(g, dtype=x.dtype)

    def f(x):
        return Quartic.apply(x)
    return f


def point(n, dtype, seed):
    return np.random.default_rng(seed).uniform(-1.2, 1.2, n).astype(dtype)


def test_framework_is_recognised_by_the_names_f_uses():
    def helper(x):
        return torch.sin(x)

    def uses_helper(x):
        return helper(x).sum()

    assert framework_of(uses_helper) == "torch"
    assert framework_of(fused(3)) == "torch"                 # through the Function's .apply
    assert framework_of(lambda x: np.sum(x)) is None
    assert framework_of(lambda x: np.sum(x), "torch") == "torch"


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("n", [8, 2000], ids=["small", "large"])
def test_correct_fused_backward_passes(n, dtype):
    res = check_autograd(fused(n), (point(n, dtype, 3),))
    assert res.exit_code == 0, res.verdict
    assert res.extra["framework"] == "torch"
    assert res.mode.startswith("entrywise" if n == 8 else "projections")


CASES = [(m, np.float64, n) for m in MUTATIONS for n in (8, 2000)] + \
    [(m, np.float32, 8) for m in MUTATIONS] + \
    [(m, np.float32, 2000) for m in MUTATIONS if m is not small_error] + [(larger_error, np.float32, 2000)]


@pytest.mark.parametrize("mutate,dtype,n", CASES,
                         ids=[f"{m.__name__}-{np.dtype(d).name}-{n}" for m, d, n in CASES])
def test_every_mutation_of_a_backward_is_caught(mutate, dtype, n):
    # float32 at n = 2000 has only projections (no NumPy twin): a single wrong entry must be
    # ~1e-2 relative there (projections.py); entrywise, 1e-4 is caught in float32 too
    res = check_autograd(fused(n, mutate), (point(n, dtype, 3),))
    assert res.exit_code == 1, res.verdict
    assert "differs" in res.verdict


def test_the_wrong_entry_is_localised_in_a_large_gradient():
    def bump(g):
        g = g.copy()
        g[1234] += 1e-3
        return g
    res = check_autograd(fused(4000, bump), (point(4000, np.float64, 5),))
    assert res.exit_code == 1 and res.worst.input == 1234


def test_a_numpy_twin_adds_adcheck_reverse_ad_as_reference():
    f_np, _, _ = quartic_np(8)
    res = check_autograd(fused(8), (point(8, np.float64, 1),), twin=f_np)
    assert res.exit_code == 0 and res.reference.startswith("reverse AD")


_G = torch.Generator().manual_seed(0)
_X = torch.randn(24, 4, generator=_G, dtype=torch.float64)
_Y = torch.randn(24, generator=_G, dtype=torch.float64)


def mlp(w):
    h = torch.tanh(_X.to(w.dtype) @ w[:12].reshape(4, 3))
    return ((h @ w[12:15] - _Y.to(w.dtype)) ** 2).mean() + torch.nn.functional.softplus(w).sum() * 1e-2


def mlp_f32_data(w):                     # float32 constants: refuses float64 inputs
    X, Y = _X.float(), _Y.float()
    h = torch.tanh(X @ w[:12].reshape(4, 3))
    return ((h @ w[12:15] - Y) ** 2).mean()


def logsumexp(w):
    return torch.logsumexp(3 * w, 0) - 0.1 * w.sum() + (w[1:] * w[:-1]).sum()


@pytest.mark.parametrize("f", [mlp, mlp_f32_data, logsumexp], ids=lambda f: f.__name__)
def test_no_false_alarm_on_correct_float32_torch_code_across_100_seeds(f):
    for seed in range(100):
        x = np.random.default_rng(seed).standard_normal(15).astype(np.float32)
        res = check_autograd(f, (x,), seed=seed)
        assert res.exit_code == 0, (seed, res.verdict)
        assert res.dtype == "float32"


def test_float32_constants_make_fd_run_in_float32_with_a_note():
    res = check_autograd(mlp_f32_data, (point(15, np.float32, 0),))
    assert res.exit_code == 0
    assert any("cannot be evaluated in float64" in n for n in res.notes)


def test_relu_kink_is_inconclusive_not_a_mismatch():
    def f(x):
        return torch.relu(x).sum() + (x ** 2).sum()
    res = check_autograd(f, (np.array([0.0, 1.0, -0.5]),))
    assert res.exit_code == 3 and res.kinks and res.kinks[0]["input"] == 0, res.verdict


def test_several_inputs_and_a_jacobian():
    def f(w, b):
        return torch.tanh(w * b) + w ** 2
    res = check_autograd(f, (np.array([0.3, -0.7]), np.array([1.5, 2.0])))
    assert res.exit_code == 0 and res.kind == "jacobian" and res.shape == (2, 4)


def test_a_wrong_forward_mode_rule_is_caught():
    class Sin(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_forward(x)
            ctx.save_for_backward(x)
            return torch.sin(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * torch.cos(x)

        @staticmethod
        def jvp(ctx, t):
            (x,) = ctx.saved_tensors
            return -t * torch.cos(x)            # wrong sign

    res = check_autograd(lambda x: Sin.apply(x), (np.array([0.1, 0.5, 2.0]),), framework="torch")
    assert res.exit_code == 1 and "forward mode disagrees" in res.verdict


# ----- second order: double backward -------------------------------------------------

class CubeDetached(torch.autograd.Function):
    """x³ whose backward is correct but not differentiable (detaches x): double backward is wrong."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x.detach() ** 2


def test_double_backward_is_checked_against_fd_of_the_gradient():
    def good(x):
        return (x ** 3).sum() + torch.sin(x).prod()

    def bad(x):
        return CubeDetached.apply(x).sum() + torch.sin(x).prod()

    x = np.array([0.4, -0.8, 1.1])
    assert check_autograd(bad, (x,)).exit_code == 0         # first order is right
    ok = check_second(good, (x,), framework="torch")
    assert ok.exit_code == 0 and ok.kind == "hessian", ok.verdict
    res = check_second(bad, (x,))
    assert res.exit_code == 1 and "hessian differs" in res.verdict


def test_large_second_order_uses_a_hessian_vector_product():
    def good(x):
        return (x ** 3).sum() + (x[1:] * x[:-1]).sum()

    def bad(x):
        return CubeDetached.apply(x).sum() + (x[1:] * x[:-1]).sum()

    x = point(500, np.float64, 2)
    assert check_second(good, (x,), framework="torch").exit_code == 0    # no torch name in good
    res = check_second(bad, (x,))
    assert res.kind == "hvp" and res.exit_code == 1


def test_float32_check_is_the_formula_in_float64_then_each_entry_in_float32():
    # one entry off by 1e-4: in float32 projections alone cannot see it at n = 2000; the float64
    # stage (same code, float64 inputs) sees it, so float32 code gets float64 sensitivity
    res = check_autograd(fused(2000, small_error), (point(2000, np.float32, 3),))
    assert res.exit_code == 1 and res.dtype == "float32"
    assert any("formula itself" in n for n in res.notes)


def test_a_float32_only_overflow_is_caught_by_the_precision_stage():
    class Softplus(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.nn.functional.softplus(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            e = torch.exp(x)
            return g * e / (1 + e)           # inf / inf in float32 above x ≈ 88

    def loss(x):
        return Softplus.apply(x).sum()

    x = np.array([-1.0, 0.5, 95.0])
    assert check_autograd(loss, (x,)).exit_code == 0                  # fine in float64
    res = check_autograd(loss, (x.astype(np.float32),))
    assert res.exit_code == 1 and "differs from the same code in float64" in res.verdict
    assert res.worst.input == 2


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_a_kink_in_a_large_input_is_never_a_mismatch(dtype):
    def f(x):
        return torch.relu(x).sum() + (x ** 2).sum()
    x = point(20000, dtype, 4)
    x[20000 // 3] = 0.0
    res = check_autograd(f, (x,))
    assert res.exit_code in (0, 3), res.verdict
