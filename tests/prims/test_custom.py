"""custom_vjp / custom_jvp: the user's rule is read by its mode, composes, nests, and only it.

Which rule each mode uses (adcheck.prims.custom): forward reads the JVP rule,
reverse reads the VJP rule, and a mode without a rule differentiates the
primal; the symbolic method always lifts the primal.
"""

import numpy as np
import pytest

import adcheck
from adcheck.errors import UnsupportedOpError
from adcheck.methods import forward, symbolic
from adcheck.prims import table
from adcheck.prims.custom import CustomFunction, RuleError
from adcheck.target import Target


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def make_softplus(kind, scale=1.0):
    """softplus with its rule (times ``scale``: 2 proves the rule is the one read)."""
    f = (adcheck.custom_vjp if kind == "vjp" else adcheck.custom_jvp)(lambda x: np.logaddexp(0.0, x))
    if kind == "vjp":
        f.defvjp(lambda g, ans, x: scale * g * sigmoid(x))
    else:
        f.defjvp(lambda t, ans, x: scale * t * sigmoid(x))
    return f


@pytest.fixture
def problem():
    rng = np.random.default_rng(3)
    return rng.standard_normal((5, 4)), rng.standard_normal(4)


def exact_grad(A, x):
    return A.T @ sigmoid(A @ x)


def exact_hessian(A, x):
    s = sigmoid(A @ x)
    return A.T @ np.diag(s * (1 - s)) @ A


@pytest.mark.parametrize("kind", ["vjp", "jvp"])
@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_inside_a_larger_computation_agrees_with_fd(kind, method, problem):
    A, x = problem
    sp = make_softplus(kind)
    loss = lambda z: np.sum(sp(A @ z)) + 0.5 * np.sum(z * z)
    got = adcheck.grad(loss, x, method=method)
    fd = adcheck.grad(loss, x, method="fd-richardson")
    np.testing.assert_allclose(got, fd, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got, exact_grad(A, x) + x, rtol=1e-13)


@pytest.mark.parametrize("kind, ruled, fallback", [("vjp", "reverse", "forward"), ("jvp", "forward", "reverse")])
def test_the_rule_is_read_by_its_mode_and_the_other_mode_uses_the_primal(kind, ruled, fallback, problem):
    A, x = problem
    sp = make_softplus(kind, scale=2.0)  # a wrong rule: twice the derivative
    loss = lambda z: np.sum(sp(A @ z))
    np.testing.assert_allclose(adcheck.grad(loss, x, method=ruled), 2 * exact_grad(A, x), rtol=1e-13)
    np.testing.assert_allclose(adcheck.grad(loss, x, method=fallback), exact_grad(A, x), rtol=1e-13)
    assert "user" in sp.modes()[ruled] and "through the primal" in sp.modes()[fallback]


def test_plain_call_runs_the_primal_only():
    f = adcheck.custom_vjp(lambda x: np.logaddexp(0.0, x))

    @f.defvjp
    def never(g, ans, x):
        raise AssertionError("the rule must not run on a plain call")

    x = np.array([-800.0, 0.0, 800.0])
    y = f(x)
    assert type(y) is np.ndarray
    np.testing.assert_array_equal(y, np.logaddexp(0.0, x))
    assert y[-1] == 800.0  # the stable primal: no overflow


@pytest.mark.parametrize("kind", ["vjp", "jvp"])
@pytest.mark.parametrize("method", ["forward-over-reverse", "reverse-over-reverse", "forward-over-forward"])
def test_nested_hvp_through_a_numpy_rule(kind, method, problem):
    # the rule is NumPy code, so it is itself differentiated at the outer level
    A, x = problem
    sp = make_softplus(kind)
    v = np.arange(1.0, 5.0)
    got = adcheck.hvp(lambda z: np.sum(sp(A @ z)), x, v, method=method)
    np.testing.assert_allclose(got, exact_hessian(A, x) @ v, rtol=1e-12)


def test_forward_rule_is_called_per_direction_with_the_shape_of_x(problem):
    A, x = problem
    seen = []
    sp = adcheck.custom_jvp(lambda z: np.logaddexp(0.0, z))

    @sp.defjvp
    def rule(t, ans, z):
        seen.append(np.shape(t))
        return t * sigmoid(z)

    jac = adcheck.jacobian(lambda z: sp(A @ z), x, method="forward")  # k = 4 directions at once
    np.testing.assert_allclose(jac, sigmoid(A @ x)[:, None] * A, rtol=1e-13)
    assert seen == [(5,)] * 4


def _mul_sin():
    """f(a, b) = a · sin(b) with both rules; the JVP handles a constant argument (None)."""
    f = adcheck.custom_vjp(lambda a, b: a * np.sin(b))
    f.defvjp(lambda g, ans, a, b: (g * np.sin(b), g * a * np.cos(b)))

    @f.defjvp
    def jvp(t, ans, a, b):
        ta, tb = t
        out = 0.0 * ans
        if ta is not None:
            out = out + ta * np.sin(b)
        if tb is not None:
            out = out + a * np.cos(b) * tb
        return out

    return f


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_several_positional_arguments(method):
    f = _mul_sin()
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal(3), rng.standard_normal(3)
    both = lambda z: np.sum(f(z[:3], z[3:]) ** 2)
    z = np.concatenate([a, b])
    np.testing.assert_allclose(adcheck.grad(both, z, method=method),
                               adcheck.grad(both, z, method="fd-richardson"), rtol=1e-9)
    only_a = lambda w: np.sum(f(w, b) * w)  # b constant: its tangent is None
    np.testing.assert_allclose(adcheck.grad(only_a, a, method=method), 2 * a * np.sin(b), rtol=1e-13)


def test_symbolic_lifts_the_primal_and_ignores_the_rule():
    sp = make_softplus("vjp", scale=2.0)  # a wrong rule that symbolic must not read
    x0 = np.array([-1.0, 0.5])
    target = Target(f=lambda z: np.sum(sp(z)), x0=x0, variables=["x[0]", "x[1]"])
    est = symbolic.jacobian(target)
    np.testing.assert_allclose(est.jacobian[0], sigmoid(x0), rtol=1e-15)


def test_keyword_parameters_reach_primal_and_rule():
    f = adcheck.custom_vjp(lambda x, beta=1.0: np.logaddexp(0.0, beta * x) / beta)
    f.defvjp(lambda g, ans, x, beta=1.0: g * sigmoid(beta * x))
    x = np.array([0.3, -2.0])
    np.testing.assert_allclose(adcheck.grad(lambda z: np.sum(f(z, beta=3.0)), x), sigmoid(3.0 * x), rtol=1e-14)
    with pytest.raises(UnsupportedOpError, match="keyword"):
        adcheck.grad(lambda z: np.sum(f(z[:1], beta=z[1])), x)


def test_wrong_shape_from_a_rule_is_an_error_naming_the_function():
    f = adcheck.custom_vjp(lambda x: np.logaddexp(0.0, x))
    f.__name__ = "softplus"
    f.defvjp(lambda g, ans, x: np.sum(g * sigmoid(x)))
    with pytest.raises(RuleError, match="softplus.*shape"):
        adcheck.grad(lambda z: np.sum(f(z)), np.ones(3))


def test_not_registered_globally_and_names_may_repeat():
    a, b = make_softplus("vjp"), make_softplus("vjp", scale=2.0)
    assert isinstance(a, CustomFunction) and a.prim is not b.prim
    assert all(p is not a.prim for p in table.all_primitives())
    x = np.array([0.7])
    assert adcheck.grad(lambda z: np.sum(b(z)), x)[0] == pytest.approx(2 * adcheck.grad(lambda z: np.sum(a(z)), x)[0])


def test_output_not_depending_on_the_input_has_zero_tangent():
    f = adcheck.custom_vjp(lambda x: np.ones(2))  # forward mode through it finds no dependence
    f.defvjp(lambda g, ans, x: None)
    _, t = forward.jvp_batch(lambda z: f(z), np.ones(2), np.eye(2))
    np.testing.assert_array_equal(t, np.zeros((2, 2)))
    np.testing.assert_array_equal(adcheck.grad(lambda z: np.sum(f(z) * z), np.ones(2)), np.ones(2))
