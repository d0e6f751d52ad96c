"""adcheck.testing: assertions that pass right derivatives and fail wrong ones with the table."""

import numpy as np
import pytest

import adcheck
from adcheck.testing import Inconclusive, assert_grad, assert_hvp, assert_jacobian, assert_rule


def f(x):
    return np.sum(np.sin(x) * x ** 2)


def f_grad(x):
    return np.cos(x) * x ** 2 + 2 * x * np.sin(x)


def f_grad_wrong(x):
    return np.cos(x) * x ** 2 + x * np.sin(x)     # the product rule's factor 2 forgotten


def polar(x):
    return np.array([x[0] * np.cos(x[1]), x[0] * np.sin(x[1])])


def polar_jac(x):
    return np.array([[np.cos(x[1]), -x[0] * np.sin(x[1])], [np.sin(x[1]), x[0] * np.cos(x[1])]])


X = np.array([0.7, -1.3, 2.1])


def test_right_gradient_returns_the_result():
    result = assert_grad(f, f_grad, X)
    assert result.passed and result.exit_code == 0 and result.kind == "grad"


def test_wrong_gradient_raises_with_the_table():
    with pytest.raises(AssertionError) as info:
        assert_grad(f, f_grad_wrong, X)
    text = str(info.value)
    assert not isinstance(info.value, Inconclusive)
    lines = text.splitlines()
    assert lines[0] == "adcheck: gradient of f (1×3, float64): FAIL (exit 1)"
    assert lines[1].split() == ["entry", "yours", "AD", "FD", "±", "error", "allowed"]
    assert "your gradient differs" in text and "seed: 0" in text and "tolerance:" in text


def test_jacobian_hvp_and_tolerances():
    assert assert_jacobian(polar, polar_jac, np.array([2.0, 0.3])).passed
    with pytest.raises(AssertionError, match="output i"):
        assert_jacobian(polar, lambda x: polar_jac(x).T, np.array([2.0, 0.3]))
    assert assert_hvp(lambda x: np.sum(x ** 4), lambda x, v: 12 * x ** 2 * v, X, np.ones(3)).passed
    with pytest.raises(AssertionError):
        assert_hvp(lambda x: np.sum(x ** 4), lambda x, v: 4 * x ** 3 * v, X, np.ones(3))
    assert assert_grad(f, lambda x: f_grad(x) * (1 + 1e-7), X, rtol=1e-6).passed


def test_a_kink_is_inconclusive_not_a_pass():
    with pytest.raises(Inconclusive, match="kink"):
        assert_grad(lambda x: np.sum(np.abs(x)), lambda x: 0.5 * np.ones_like(x), np.array([0.0, 1.0]))


def test_rules():
    @adcheck.custom_vjp
    def cube(x):
        return x ** 3

    @cube.defvjp
    def cube_vjp(g, ans, x):
        return 3 * g * x ** 2

    @adcheck.custom_vjp
    def cube_bad(x):
        return x ** 3

    @cube_bad.defvjp
    def cube_bad_vjp(g, ans, x):
        return 3 * x ** 2                         # forgets g

    assert assert_rule(cube, np.array([0.5, -2.0])).passed
    with pytest.raises(AssertionError, match="vjp-linearity"):
        assert_rule(cube_bad, np.array([0.5, -2.0]))


def test_public_api_names():
    assert adcheck.check_grad(f, f_grad, X).passed
    assert adcheck.check_jacobian is not None and adcheck.check_hvp is not None
