"""Finite differences and complex step: accuracy, honest error estimates, edges."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from adcheck.errors import DomainError, NotApplicableError, UsageError
from adcheck.methods import fd, fd_steps

EPS = np.finfo(float).eps
TOL = {"fd-forward": 1e-6, "fd-central": 1e-8, "fd-richardson": 1e-10, "complex-step": 1e-13}


def _scalar(g, dg, x):
    return (lambda v: g(v), lambda v: np.array([[dg(v[0])]]), [x])


def _softmax(v):
    e = np.exp(v - np.max(v.real))
    return e / np.sum(e)


def _softmax_jac(v):
    p = _softmax(v)
    return np.diag(p) - np.outer(p, p)


def _rosen(v):
    return np.sum(100.0 * (v[1:] - v[:-1] ** 2) ** 2 + (1.0 - v[:-1]) ** 2)


def _rosen_grad(v):
    g = np.zeros_like(v)
    g[:-1] = -400.0 * v[:-1] * (v[1:] - v[:-1] ** 2) - 2.0 * (1.0 - v[:-1])
    g[1:] += 200.0 * (v[1:] - v[:-1] ** 2)
    return g[None, :]


ZOO = {
    "x^2 sin x": _scalar(lambda v: v**2 * np.sin(v), lambda x: 2 * x * np.sin(x) + x**2 * np.cos(x), 1.5),
    "exp": _scalar(np.exp, np.exp, 0.7),
    "sin": _scalar(np.sin, np.cos, 1.2),
    "log(x^2+e^x)": _scalar(lambda v: np.log(v**2 + np.exp(v)),
                            lambda x: (2 * x + np.exp(x)) / (x**2 + np.exp(x)), 0.5),
    "tanh": _scalar(np.tanh, lambda x: 1.0 / np.cosh(x) ** 2, 0.4),
    "1/(1+x^2)": _scalar(lambda v: 1.0 / (1.0 + v**2), lambda x: -2 * x / (1 + x**2) ** 2, 0.8),
    "sqrt": _scalar(np.sqrt, lambda x: 0.5 / np.sqrt(x), 2.0),
    "log": _scalar(np.log, lambda x: 1.0 / x, 1.7),
    "arctan": _scalar(np.arctan, lambda x: 1.0 / (1.0 + x**2), 0.6),
    "cos(x) e^-x": _scalar(lambda v: np.cos(v) * np.exp(-v),
                           lambda x: -(np.sin(x) + np.cos(x)) * np.exp(-x), 1.1),
    "x^3 - 2x": _scalar(lambda v: v**3 - 2 * v, lambda x: 3 * x**2 - 2, 0.9),
    "x exp(-x^2)": _scalar(lambda v: v * np.exp(-v**2), lambda x: (1 - 2 * x**2) * np.exp(-x**2), 0.5),
    "x0^2 x1 + sin x1": (
        lambda v: v[0] ** 2 * v[1] + np.sin(v[1]),
        lambda v: np.array([[2 * v[0] * v[1], v[0] ** 2 + np.cos(v[1])]]), [0.8, -1.3]),
    "[x0 x1, e^x0 cos x1, x0/x1]": (
        lambda v: np.array([v[0] * v[1], np.exp(v[0]) * np.cos(v[1]), v[0] / v[1]]),
        lambda v: np.array([[v[1], v[0]], [np.exp(v[0]) * np.cos(v[1]), -np.exp(v[0]) * np.sin(v[1])],
                            [1 / v[1], -v[0] / v[1] ** 2]]), [0.5, 1.5]),
    "3 -> 3": (
        lambda v: np.array([v[0] ** 2 * v[1], np.sin(v[0] * v[1] + v[2]), np.exp(v[0]) * v[2]]),
        lambda v: np.array([[2 * v[0] * v[1], v[0] ** 2, 0.0],
                            [v[1] * np.cos(v[0] * v[1] + v[2]), v[0] * np.cos(v[0] * v[1] + v[2]),
                             np.cos(v[0] * v[1] + v[2])],
                            [np.exp(v[0]) * v[2], 0.0, np.exp(v[0])]]), [0.7, -1.2, 0.4]),
    "logsumexp": (lambda v: np.log(np.sum(np.exp(v))), lambda v: _softmax(v)[None, :], [0.3, -0.2, 1.1]),
    "rosenbrock n=4": (_rosen, _rosen_grad, [0.3, 0.8, -0.5, 1.2]),
    "softmax 4 -> 4": (_softmax, _softmax_jac, [0.1, -0.4, 0.9, 0.2]),
}


@pytest.mark.parametrize("scheme", fd.SCHEMES)
@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_accuracy_and_honest_error(name, scheme):
    f, jac, x = ZOO[name]
    x = np.array(x, dtype=float)
    exact = np.atleast_2d(jac(x))
    est = fd.jacobian(f, x, scheme)
    scale = np.maximum(np.abs(exact), 1.0)
    err = np.abs(est.jacobian - exact)
    assert est.method == scheme and est.jacobian.shape == exact.shape
    assert np.all(err <= TOL[scheme] * scale), (name, scheme, err / scale)
    # honest: the true error is within the estimate (the reference itself is rounded)
    assert np.all(err <= est.err_est + 8 * EPS * np.abs(exact)), (name, scheme, err, est.err_est)
    # and not absurdly pessimistic: the estimate is itself below the tolerance
    assert np.all(est.err_est <= TOL[scheme] * scale), (name, scheme, est.err_est / scale)
    assert est.step.shape == (x.size,) and est.seconds >= 0


@pytest.mark.parametrize("name", ["x^2 sin x", "exp", "sin", "log(x^2+e^x)", "tanh", "1/(1+x^2)"])
def test_richardson_reaches_1e12(name):
    f, jac, x = ZOO[name]
    x = np.array(x, dtype=float)
    est = fd.jacobian(f, x, "fd-richardson")
    assert abs(est.jacobian[0, 0] - jac(x)[0, 0]) <= 1e-12 * abs(jac(x)[0, 0])


def test_x2sinx_at_15_matches_the_error_model():
    f, jac, x = ZOO["x^2 sin x"]
    exact = jac(np.array([1.5]))[0, 0]
    fwd = fd.jacobian(f, np.array([1.5]), "fd-forward")
    cen = fd.jacobian(f, np.array([1.5]), "fd-central")
    assert abs(fwd.jacobian[0, 0] - exact) < 1e-7 and 1e-9 < fwd.err_est[0, 0] < 1e-6
    assert abs(cen.jacobian[0, 0] - exact) < 1e-9 and 1e-11 < cen.err_est[0, 0] < 1e-8
    assert fwd.step[0] == pytest.approx(np.sqrt(EPS) * 1.5)
    assert cen.step[0] == pytest.approx(np.cbrt(EPS) * 1.5)


# ---- step refinement (fd_steps) -----------------------------------------------------

# f, x, exact f'.  The default steps assume f varies on the scale max(|x|, 1).
REFINE = {
    "sin(100x) at 0.01": (lambda v: np.sin(100 * v), 0.01, 100 * math.cos(1.0)),
    "1/x at 1e-3": (lambda v: 1.0 / v, 1e-3, -1e6),
    "exp(10x) at 1": (lambda v: np.exp(10 * v), 1.0, 10 * math.exp(10.0)),
    "x^2 sin x at 1.5": (lambda v: v**2 * np.sin(v), 1.5, 3 * math.sin(1.5) + 2.25 * math.cos(1.5)),
    "log x at 1e8": (np.log, 1e8, 1e-8),
    "tanh x at 5": (np.tanh, 5.0, 1.0 / math.cosh(5.0) ** 2),
    "sqrt x at 1e-6": (np.sqrt, 1e-6, 500.0),
    "sin(x)/x at 0.5": (lambda v: np.sin(v) / v, 0.5, math.cos(0.5) / 0.5 - math.sin(0.5) / 0.25),
}
# relative tolerances, where the target (central 1e-8, forward 1e-6) is out of reach:
LIMITS = {
    # f' = 1.8e-4 against f = 1: forward's float64 floor is ~1.5e-6 relative at any step,
    # so the forward error is judged against max(|f'|, 1) as in the zoo
    ("tanh x at 5", "fd-forward"): 1e-6 / (1.0 / math.cosh(5.0) ** 2),
    # round-off model allows for cancelling terms of size max(|x|, 1)·|f'| = 500 >> f = 1e-3,
    # so the balanced step is larger than the truly best one (fd_steps docstring)
    ("sqrt x at 1e-6", "fd-forward"): 3e-5,
    ("sqrt x at 1e-6", "fd-central"): 2e-7,
}


@pytest.mark.parametrize("scheme", ["fd-forward", "fd-central"])
@pytest.mark.parametrize("name", list(REFINE))
def test_refined_step_reaches_the_targets_and_stays_honest(name, scheme):
    f, x, exact = REFINE[name]
    est = fd.jacobian(f, np.array([x]), scheme)
    err = abs(est.jacobian[0, 0] - exact)
    assert err <= LIMITS.get((name, scheme), TOL[scheme]) * abs(exact), (name, scheme, err / abs(exact))
    assert err <= est.err_est[0, 0] + 8 * EPS * abs(exact), (name, scheme, err, est.err_est)
    # never worse than the default step alone: the refined err_est is kept only if smaller
    default = fd.jacobian(f, np.array([x]), scheme, h=fd_steps.default_step(x, scheme))
    assert est.err_est[0, 0] <= default.err_est[0, 0]


@pytest.mark.parametrize("scheme,extra", [("fd-forward", 3), ("fd-central", 4)])
def test_refinement_costs_one_round_and_is_counted(scheme, extra):
    made = []
    f = lambda v: made.append(1) or np.sin(100 * v)
    est = fd.jacobian(f, np.array([0.01]), scheme)
    base = 1 + (3 if scheme == "fd-forward" else 4)
    assert est.evaluations == len(made) == base + extra
    assert est.step[0] < fd_steps.default_step(0.01, scheme) / 3
    made.clear()  # truncation does not dominate at the default step: no refinement
    est = fd.jacobian(lambda v: made.append(1) or np.exp(v), np.array([0.7]), scheme)
    assert est.evaluations == len(made) == base
    assert est.step[0] == fd.exact_step(0.7, fd_steps.default_step(0.7, scheme))


def test_refinement_keeps_the_better_estimate_per_output():
    f = lambda v: np.array([np.sin(100 * v[0]), v[0] ** 2 + 3.0])
    exact = np.array([100 * math.cos(1.0), 0.02])
    for scheme in ("fd-forward", "fd-central"):
        est = fd.jacobian(f, np.array([0.01]), scheme)
        err = np.abs(est.jacobian[:, 0] - exact)
        assert np.all(err <= TOL[scheme] * np.maximum(np.abs(exact), 1.0)), (scheme, err)
        assert np.all(err <= est.err_est[:, 0] + 8 * EPS * np.abs(exact)), (scheme, err, est.err_est)
        value, err_est, _ = fd.directional(f, np.array([0.01]), np.array([1.0]), scheme)
        assert np.all(np.abs(value - exact) <= err_est + 8 * EPS * np.abs(exact))


def test_balanced_step_follows_the_error_model_and_the_clamp():
    one = np.array([1.0])
    assert fd_steps.balanced_step(1.0, one, np.array([1e-4]), True) == pytest.approx(1e-2)
    assert fd_steps.balanced_step(1.0, one, np.array([2e-3]), False) == pytest.approx(0.1)
    assert fd_steps.balanced_step(1.0, one, np.array([1e-30]), True) == 1.0 / fd_steps.MAX_SHRINK
    assert fd_steps.balanced_step(1.0, one, np.array([0.2]), True) is None  # T < BALANCE·R
    # several outputs: the smallest wanted step, from the outputs that are truncation-bound
    got = fd_steps.balanced_step(1.0, np.array([1.0, 1.0, 1e-9]), np.array([1e-4, 1e-6, 1.0]), True)
    assert got == pytest.approx(1e-3)


def test_explicit_step_is_not_refined():
    est = fd.jacobian(lambda v: np.sin(100 * v), np.array([0.01]), "fd-central", h=1e-5)
    assert est.step[0] == pytest.approx(1e-5, rel=1e-9) and est.evaluations == 5


# ---- err_est honesty over function families ----------------------------------------

def _family(a, b, c, d, p0, p1, p2):
    f = lambda v: a * np.sin(b * v) + c * np.exp(d * v) + p0 + p1 * v + p2 * v**2
    mpmath.mp.dps = 40
    df = lambda x: float(a * b * mpmath.cos(b * mpmath.mpf(x)) + c * d * mpmath.exp(d * mpmath.mpf(x))
                         + p1 + 2 * p2 * mpmath.mpf(x))
    return f, df


pos = st.floats(0.1, 3.0)


@settings(derandomize=True, max_examples=120, deadline=None)
@given(a=pos, b=st.floats(0.1, 0.75), c=pos, d=st.floats(0.1, 1.5), p0=pos, p1=pos, p2=pos,
       x=st.floats(0.1, 2.0))
def test_err_est_is_an_upper_bound_without_cancellation(a, b, c, d, p0, p1, p2, x):
    # every term of f and f' is positive here: the round-off model's assumption
    f, df = _family(a, b, c, d, p0, p1, p2)
    for scheme in fd.SCHEMES:
        est = fd.jacobian(f, np.array([x]), scheme)
        assert abs(est.jacobian[0, 0] - df(x)) <= est.err_est[0, 0], scheme


coef = st.floats(-3.0, 3.0)


@settings(derandomize=True, max_examples=120, deadline=None)
@given(a=coef, b=coef, c=coef, d=coef, p0=coef, p1=coef, p2=coef, x=coef)
def test_err_est_holds_within_a_small_factor_when_terms_cancel(a, b, c, d, p0, p1, p2, x):
    # terms of mixed sign can cancel; in 15000 random draws the worst ratio seen was 3.6
    f, df = _family(a, b, c, d, p0, p1, p2)
    for scheme in fd.SCHEMES:
        est = fd.jacobian(f, np.array([x]), scheme)
        assert abs(est.jacobian[0, 0] - df(x)) <= 5 * est.err_est[0, 0], scheme


@settings(derandomize=True, max_examples=40, deadline=None)
@given(a=pos, b=st.floats(-2, 2), x0=st.floats(-1, 1), x1=st.floats(0.2, 2), x2=st.floats(-1, 1))
def test_err_est_honest_for_vector_functions(a, b, x0, x1, x2):
    f = lambda v: np.array([a * np.sin(v[0] * v[1]) + v[2] ** 2, np.exp(b * v[2]) / v[1]])
    J = np.array([[a * x1 * np.cos(x0 * x1), a * x0 * np.cos(x0 * x1), 2 * x2],
                  [0.0, -np.exp(b * x2) / x1**2, b * np.exp(b * x2) / x1]])
    for scheme in fd.SCHEMES:
        est = fd.jacobian(f, np.array([x0, x1, x2]), scheme)
        assert np.all(np.abs(est.jacobian - J) <= est.err_est + 8 * EPS * np.abs(J)), scheme


# ---- directional ----------------------------------------------------------------------

@pytest.mark.parametrize("scheme", fd.SCHEMES)
def test_directional_matches_jv(scheme):
    f, jac, x = ZOO["3 -> 3"]
    x, v = np.array(x), np.array([0.3, -2.0, 1.1])
    exact = jac(x) @ v
    value, err, evaluations = fd.directional(f, x, v, scheme)
    assert np.all(np.abs(value - exact) <= TOL[scheme] * np.maximum(np.abs(exact), 1.0))
    assert np.all(np.abs(value - exact) <= err + 8 * EPS * np.abs(exact))
    assert evaluations > 1


def test_directional_zero_direction_is_exactly_zero():
    value, err, _ = fd.directional(np.sin, np.array([1.0, 2.0]), np.zeros(2))
    assert np.all(value == 0) and np.all(err == 0)


# ---- step sweep -----------------------------------------------------------------------

def test_step_sweep_v_shape_and_best_steps():
    f, jac, _ = ZOO["x^2 sin x"]
    x = np.array([1.5])
    sw = fd_steps.step_sweep(f, x, exact=jac(x)[0])
    err = {h: r for h, r in zip(sw.hs, sw.abs_error["fd-forward"][:, 0])}
    hs = list(sw.hs)
    e1, e8, e14 = err[hs[0]], err[hs[7]], err[hs[13]]
    assert hs[7] == pytest.approx(1e-8) and e1 > 100 * e8 and e14 > 10 * e8
    cen = sw.abs_error["fd-central"][:, 0]
    assert cen[0] > 100 * cen[5] and cen[13] > 100 * cen[5]
    for k in ("fd-forward", "fd-central"):
        assert abs(np.log10(sw.best_h[k] / sw.optimal_h[k])) <= 1.5, (k, sw.best_h[k])
    assert min(sw.abs_error["fd-richardson"][:, 0]) < 1e-12
    assert sw.optimal_h["fd-forward"] == pytest.approx(np.sqrt(EPS) * 1.5)
    assert sw.optimal_h["fd-central"] == pytest.approx(np.cbrt(EPS) * 1.5)


def test_step_sweep_without_exact_uses_estimates_and_rows_are_plain():
    f, _, _ = ZOO["exp"]
    calls = []
    sw = fd_steps.step_sweep(lambda v: calls.append(1) or f(v), np.array([0.7]))
    assert sw.abs_error is None and sw.evaluations == len(calls)
    for k in ("fd-forward", "fd-central"):
        assert abs(np.log10(sw.best_h[k] / sw.optimal_h[k])) <= 1.5, (k, sw.best_h[k])
    rows = sw.rows
    assert len(rows) == 14 and all(type(v) is float for r in rows for v in r.values())
    assert {"h", "fd-forward", "fd-central err_est", "fd-richardson"} <= set(rows[0])
    for r in rows[:8]:
        assert abs(r["fd-central"] - np.exp(0.7)) <= r["fd-central err_est"]


# ---- complex step applicability -----------------------------------------------------------

@pytest.mark.parametrize("f", [
    lambda v: np.array([math.sin(v[0])]),          # TypeError on complex
    lambda v: np.abs(v) ** 2,                      # real output for complex input
    lambda v: np.asarray(v, dtype=float) ** 2,     # ComplexWarning: drops the imaginary part
    lambda v: v**2 + 1j,                           # f(x + 0i) is not real
], ids=["math.sin", "np.abs", "cast-to-float", "adds-1j"])
def test_complex_step_not_applicable(f):
    with pytest.raises(NotApplicableError):
        fd.jacobian(f, np.array([0.5]), "complex-step")


# ---- domain, bookkeeping --------------------------------------------------------------------

@pytest.mark.parametrize("scheme", ["fd-forward", "fd-central", "fd-richardson"])
def test_domain_error_names_the_variable(scheme):
    f = lambda v: np.sqrt(np.array([1.0 - v[0], v[1]]))   # f(1, 1): x0 + h is outside
    if scheme == "fd-forward":
        with pytest.raises(DomainError, match=r"x\[0\]"):
            fd.jacobian(f, np.array([1.0, 1.0]), scheme)
    with pytest.raises(DomainError):
        fd.jacobian(np.sqrt, np.array([0.0]), "fd-central" if scheme == "fd-forward" else scheme)


def test_not_finite_at_the_point():
    with pytest.raises(DomainError):
        fd.jacobian(np.log, np.array([0.0]), "fd-central")


@pytest.mark.parametrize("scheme", ["fd-central", "fd-richardson"])
def test_near_a_domain_edge_the_step_shrinks_and_stays_honest(scheme):
    est = fd.jacobian(np.log, np.array([1e-6]), scheme)
    assert abs(est.jacobian[0, 0] - 1e6) <= est.err_est[0, 0]
    assert est.err_est[0, 0] < 1e6 * (0.5 if scheme == "fd-central" else 1e-6)


@pytest.mark.parametrize("scheme,calls", [("fd-forward", lambda n: 1 + 3 * n),
                                          ("fd-central", lambda n: 1 + 4 * n),
                                          ("complex-step", lambda n: 2 + 2 * n)])
def test_evaluations_are_counted_and_x_is_untouched(scheme, calls):
    made = []

    def f(v):
        made.append(1)
        out = np.array([np.sum(v**2), v[0] * v[1]])
        v *= 3.0  # a function that scribbles on its input must not disturb the estimate
        return out

    x = np.array([0.4, 1.3, -0.2])
    keep = x.copy()
    est = fd.jacobian(f, x, scheme)
    assert np.array_equal(x, keep)
    assert est.evaluations == len(made) == calls(3)
    assert np.allclose(est.jacobian, [[0.8, 2.6, -0.4], [1.3, 0.4, 0.0]], atol=1e-6)
    made.clear()
    est = fd.jacobian(f, x, scheme, f0=np.array([np.sum(x**2), x[0] * x[1]]))
    assert est.evaluations == len(made) == calls(3) - 1


def test_explicit_step():
    est = fd.jacobian(lambda v: v**2, np.array([1.0]), "fd-forward", h=1e-3)
    assert est.step[0] == pytest.approx(1e-3, rel=1e-12)
    assert est.jacobian[0, 0] == pytest.approx(2.001, abs=1e-9)
    assert abs(est.jacobian[0, 0] - 2.0) <= est.err_est[0, 0]


def test_unknown_scheme():
    with pytest.raises(UsageError):
        fd.jacobian(np.sin, np.array([1.0]), "fd-backward")


def test_formulas_share_one_signature():
    f, x, h = np.exp, np.array([0.5]), np.array([1e-5])
    fx = f(x)
    for formula, tol in ((fd.forward, 1e-4), (fd.backward, 1e-4), (fd.central, 1e-9)):
        assert formula(f, fx, x, h)[0] == pytest.approx(np.exp(0.5), rel=tol)
    assert fd.complex_step(f, fx, x, np.array([1e-20]))[0] == pytest.approx(np.exp(0.5), rel=1e-15)
    assert fd.exact_step(0.1, 1e-8) != 1e-8 and 0.1 + fd.exact_step(0.1, 1e-8) - 0.1 == fd.exact_step(0.1, 1e-8)
