"""scipy.linalg's solvers in traced code: stand-ins with scipy's values and layouts, and the
derivative of what they compute."""

import numpy as np
import pytest

import adcheck
from adcheck.frontends import scipy_functions as S
from adcheck.frontends.coerce import wrap

sla = pytest.importorskip("scipy.linalg")

RNG = np.random.default_rng(7)
M = RNG.standard_normal((4, 4))
SPD = M @ M.T + 4 * np.eye(4)
B = RNG.standard_normal((4, 2))
NONSYM = SPD + np.triu(RNG.standard_normal((4, 4)), 1)  # upper triangle differs from the lower


@pytest.mark.parametrize("lower", [False, True])
def test_cho_factor_keeps_scipys_layout(lower):
    c, low = S.cho_factor(NONSYM, lower=lower)
    c_ref, low_ref = sla.cho_factor(NONSYM, lower=lower)
    assert low == low_ref
    np.testing.assert_allclose(c, c_ref, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(S.cho_solve((c, low), B), sla.cho_solve((c_ref, low_ref), B), rtol=1e-12)
    np.testing.assert_allclose(S.cholesky(NONSYM, lower=lower), sla.cholesky(NONSYM, lower=lower), rtol=1e-13,
                               atol=1e-14)


@pytest.mark.parametrize("kw", [{}, {"lower": True}, {"trans": 1}, {"trans": "T", "lower": True},
                                {"unit_diagonal": True}])
def test_solve_triangular_matches_scipy(kw):
    np.testing.assert_allclose(S.solve_triangular(NONSYM, B, **kw), sla.solve_triangular(NONSYM, B, **kw),
                               rtol=1e-12)


@pytest.mark.parametrize("kw", [{}, {"assume_a": "pos"}, {"assume_a": "sym", "lower": True},
                                {"transposed": True}])
def test_solve_matches_scipy(kw):
    np.testing.assert_allclose(S.solve(NONSYM, B, **kw), sla.solve(NONSYM, B, **kw), rtol=1e-12)


def nlml(theta):
    """A Gaussian-process negative log marginal likelihood written with cho_factor/cho_solve."""
    ell, sf, sn = np.exp(theta)
    x = np.linspace(0.0, 1.0, 6)[:, None]
    y = np.sin(3.0 * x[:, 0])
    K = sf ** 2 * np.exp(-0.5 * (x - x.T) ** 2 / ell ** 2) + (sn ** 2 + 1e-6) * np.eye(6)
    c, low = sla.cho_factor(K)
    alpha = sla.cho_solve((c, low), y)
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(c)))


def triangular(v):
    A = np.array([[2.0, 0.0, 0.0], [0.5, 1.5, 0.0], [0.3, -0.2, 1.0]]) * (1.0 + v[0] ** 2)
    return (np.sum(sla.solve_triangular(A, v, lower=True) ** 2) + np.sum(sla.solve(A @ A.T + np.eye(3), v,
                                                                                      assume_a="pos"))
            + sla.det(A) + np.sum(sla.cholesky(A @ A.T + np.eye(3))) + np.sum(sla.inv(A + np.eye(3))))


@pytest.mark.parametrize("f, x", [(nlml, np.array([0.3, -0.2, 0.5])), (triangular, np.array([1.0, 2.0, 0.5]))],
                         ids=["cho_factor/cho_solve", "triangular/solve/det/cholesky/inv"])
@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_gradients_through_the_stand_ins(f, x, method):
    assert wrap(f)(x) == pytest.approx(f(x), rel=1e-12)  # the traced stand-ins give scipy's value
    g = adcheck.grad(f, x, method=method)
    np.testing.assert_allclose(g, adcheck.grad(f, x, method="fd-richardson"), rtol=1e-9, atol=1e-11)


def test_plain_calls_go_to_scipy_itself():
    from adcheck.frontends import coerce

    coerce._stand_ins_by_id()
    stand_in = coerce._BY_ID[id(sla.cho_solve)]
    assert stand_in.__wrapped__ is sla.cho_solve
    c = sla.cho_factor(SPD)
    np.testing.assert_array_equal(stand_in(c, B), sla.cho_solve(c, B))
