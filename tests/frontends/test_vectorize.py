"""np.vectorize in traced code: the Python function runs on each traced entry."""

import numpy as np
import pytest

import adcheck
from adcheck.analysis.checks import check_grad
from adcheck.errors import AdcheckError

W = np.arange(1.0, 5.0)
X = np.array([0.3, -1.2, 0.8, 2.0])


@np.vectorize
def huber(t):
    return 0.5 * t * t if abs(t) < 1.0 else abs(t) - 0.5


def loss(x):
    return np.sum(huber(x) * W)


def loss_grad(x):
    return np.where(np.abs(x) < 1.0, x, np.sign(x)) * W


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_module_level_vectorize_differentiates_per_entry(method):
    np.testing.assert_array_equal(adcheck.grad(loss, X, method=method), loss_grad(X))


def test_vectorize_made_inside_f_broadcasts_like_numpy():
    def f(x):
        prod = np.vectorize(lambda a, b: a * b + np.sin(a))
        return np.sum(prod(x, np.array([[1.0], [2.0]])))

    np.testing.assert_allclose(adcheck.grad(f, X), 3.0 + 2 * np.cos(X), rtol=1e-15)


def test_check_catches_a_wrong_gradient_through_vectorize():
    assert check_grad(loss, loss_grad, X).passed
    bad = check_grad(loss, lambda x: loss_grad(x) * (1 + 1e-6), X)
    assert not bad.passed and bad.reference.startswith("reverse AD")


def test_plain_calls_and_unsupported_forms_stay_numpys():
    np.testing.assert_allclose(huber(X), [0.045, 0.7, 0.32, 1.5], rtol=1e-15)
    assert type(huber) is np.vectorize  # outside a trace the module keeps its own object
    excluded = np.vectorize(lambda a, k: a * k, excluded={1})

    def f(x):
        return np.sum(excluded(x, 2.0))

    with pytest.raises(AdcheckError):
        adcheck.grad(f, X)
