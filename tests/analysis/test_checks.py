"""adcheck's verdicts on hand-written derivatives: mutations caught, correct code never flagged."""

import numpy as np
import pytest

from adcheck.analysis.checks import check_grad, check_hvp, check_jacobian


# ----- correct hand-written gradients ------------------------------------------------

def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosen_der(x):
    d = np.zeros_like(x)
    d[1:-1] = 200 * (x[1:-1] - x[:-2] ** 2) - 400 * (x[2:] - x[1:-1] ** 2) * x[1:-1] - 2 * (1 - x[1:-1])
    d[0] = -400 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0])
    d[-1] = 200 * (x[-1] - x[-2] ** 2)
    return d


def _data(n, dtype):
    rng = np.random.default_rng(42)
    rows = max(n // 10, 12)
    return rng.standard_normal((rows, n)).astype(dtype) / np.sqrt(n), rng.choice([-1.0, 1.0], rows).astype(dtype)


def make_logistic(n, dtype):
    A, y = _data(n, dtype)

    def loss(w):
        return np.sum(np.logaddexp(0.0, -y * (A @ w)))

    def grad(w):
        z = -y * (A @ w)
        return A.T @ (-y / (1 + np.exp(-z)))

    return loss, grad


def make_quartic(n, dtype):
    c = np.linspace(0.5, 2.0, n).astype(dtype)

    def f(x):
        return np.sum(c * x ** 4) + np.sum(np.sin(x) * x)

    def g(x):
        return 4 * c * x ** 3 + np.cos(x) * x + np.sin(x)

    return f, g


CASES = {"rosen": lambda n, dt: (rosen, rosen_der), "logistic": make_logistic, "quartic": make_quartic}


def _point(n, dtype, seed):
    return np.random.default_rng(seed).uniform(-1.2, 1.2, n).astype(dtype)


# ----- mutations ------------------------------------------------------------------

def _big_entries(g, k=2):
    return np.argsort(-np.abs(g))[:k]


def sign_flip(g):
    g = g.copy(); j = _big_entries(g)[0]; g[j] = -g[j]; return g


def scaled(g):
    g = g.copy(); j = _big_entries(g)[0]; g[j] *= 1.5; return g


def zeroed(g):
    g = g.copy(); j = _big_entries(g)[0]; g[j] = 0; return g


def swapped(g):
    g = g.copy()
    order = np.argsort(g)
    i, j = order[0], order[-1]  # the most different pair
    g[i], g[j] = g[j], g[i]
    return g


def shifted(g):
    return np.roll(g, 1)


def small_error(g):
    g = g.copy(); j = _big_entries(g)[0]; g[j] *= 1 + 1e-4; return g


MUTATIONS = [sign_flip, scaled, zeroed, swapped, shifted, small_error]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("n", [8, 2000], ids=["small", "large"])
@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("mutate", MUTATIONS, ids=lambda m: m.__name__)
def test_every_mutation_is_caught(case, n, dtype, mutate):
    f, g = CASES[case](n, dtype)
    x = _point(n, dtype, seed=3)
    res = check_grad(f, lambda z: mutate(np.asarray(g(z))), x)
    assert res.exit_code == 1, res.verdict
    assert "differs" in res.verdict


def _untraceable(f):
    """f as a library might write it, leaving NumPy: adcheck's AD cannot follow it."""
    return lambda x: f(np.fromiter((v for v in x.reshape(-1)), dtype=x.dtype, count=x.size))


def larger_error(g):
    g = g.copy(); j = _big_entries(g)[0]; g[j] *= 1 + 3e-2; return g


PROJECTION_CASES = [(m, np.float64) for m in MUTATIONS] + [
    (m, np.float32) for m in MUTATIONS if m is not small_error] + [(larger_error, np.float32)]


@pytest.mark.parametrize("mutate,dtype", PROJECTION_CASES,
                         ids=[f"{m.__name__}-{np.dtype(d).name}" for m, d in PROJECTION_CASES])
def test_mutations_caught_by_projections_without_ad(mutate, dtype):
    # Without AD a single wrong entry shows only above ~6·sqrt(n) per-entry allowances
    # (projections.py): in float32 at n = 4000 that is ~1e-2 relative, so the 1e-4 error is
    # replaced by a 3e-2 one there.  With AD every entry has its own allowance (tests above).
    f, g = make_quartic(4000, dtype)
    x = _point(4000, dtype, seed=5)
    res = check_grad(_untraceable(f), lambda z: mutate(np.asarray(g(z))), x)
    assert res.mode == "projections"
    assert res.exit_code == 1, res.verdict


def test_projection_localises_the_wrong_entry():
    f, g = make_quartic(4000, np.float64)
    x = _point(4000, np.float64, seed=5)
    bad = lambda z: g(z) + (np.arange(4000) == 1234) * 1e-3  # noqa: E731
    res = check_grad(_untraceable(f), bad, x)
    assert res.worst.input == 1234


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_correct_gradients_never_fail_across_200_seeds(case, dtype):
    f, g = CASES[case](6, dtype)
    for seed in range(200):
        x = _point(6, dtype, seed)
        res = check_grad(f, g, x, seed=seed)
        assert res.exit_code == 0, (seed, res.verdict)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_correct_large_gradients_pass(dtype):
    for case in sorted(CASES):
        f, g = CASES[case](3000, dtype)
        res = check_grad(f, g, _point(3000, dtype, 1))
        assert res.exit_code == 0, (case, res.verdict)
        res = check_grad(_untraceable(f), g, _point(3000, dtype, 1))
        assert res.exit_code == 0, (case, "projections", res.verdict)


def test_kink_is_inconclusive_not_a_mismatch():
    f = lambda x: np.abs(x[0]) + np.maximum(x[1], 0.0)  # noqa: E731
    for claimed in ([0.0, 1.0], [1.0, 0.5], [-1.0, 0.0], [0.7, 0.2]):
        res = check_grad(f, lambda x, c=claimed: np.array(c), np.array([0.0, 0.0]))
        assert res.exit_code == 3, (claimed, res.verdict)
        assert res.kinks and "left" in res.verdict


# ----- Jacobians and HVPs -----------------------------------------------------------

def test_jacobian_transposed_is_caught_and_correct_passes():
    A = np.array([[1.0, 2.0, 0.0], [0.5, -1.0, 3.0], [2.0, 0.0, 1.0]])
    f = lambda x: np.tanh(A @ x)  # noqa: E731
    jac = lambda x: (1 - np.tanh(A @ x) ** 2)[:, None] * A  # noqa: E731
    x = np.array([0.1, -0.3, 0.2])
    assert check_jacobian(f, jac, x).exit_code == 0
    assert check_jacobian(f, lambda z: jac(z).T, x).exit_code == 1


def test_hvp_checked_against_ad_and_fd():
    x, v = np.array([0.3, -0.8, 1.1, 0.4]), np.array([1.0, 0.5, -0.2, 0.3])

    def hess_prod(x, p):  # rosenbrock H·p written out
        hp = np.zeros_like(x)
        hp[0] = (1200 * x[0] ** 2 - 400 * x[1] + 2) * p[0] - 400 * x[0] * p[1]
        hp[1:-1] = (-400 * x[:-2] * p[:-2] + (202 + 1200 * x[1:-1] ** 2 - 400 * x[2:]) * p[1:-1]
                    - 400 * x[1:-1] * p[2:])
        hp[-1] = -400 * x[-2] * p[-2] + 200 * p[-1]
        return hp

    assert check_hvp(rosen, hess_prod, x, v).exit_code == 0
    assert check_hvp(rosen, lambda x, p: hess_prod(x, p) * 1.001, x, v).exit_code == 1


def test_wrong_shape_is_a_mismatch_with_a_message():
    res = check_grad(rosen, lambda x: rosen_der(x)[:-1], np.ones(4))
    assert res.exit_code == 1 and "shape" in res.verdict


def test_result_is_json_safe():
    import json

    res = check_grad(rosen, lambda x: sign_flip(rosen_der(x)), np.array([0.5, 1.5, -0.3]))
    json.dumps(res.to_dict())


# ----- how AD is validated at small n -----------------------------------------------------

def _wrong_ad_sine(k):
    """Σ sin(kx), with a custom VJP 1e-6 too large: adcheck's own AD is wrong."""
    import adcheck

    @adcheck.custom_vjp
    def sine(x):
        return np.sin(k * x)

    @sine.defvjp
    def sine_vjp(g, ans, x):
        return g * k * np.cos(k * x) * (1 + 1e-6)

    return lambda x: np.sum(sine(x))


def test_cheap_validation_that_fails_falls_back_to_richardson_fd():
    """Central differences validate AD at n <= 200; when AD disagrees, Richardson FD becomes
    the reference, not the central estimate: an error half the size of the central estimate's
    own error bound is caught, and the true gradient passes."""
    from adcheck.methods import fd

    k = 100.0
    f = _wrong_ad_sine(k)
    x = np.linspace(0.5, 1.5, 30)
    true = k * np.cos(k * x)
    good = check_grad(f, lambda z: k * np.cos(k * z), x)
    assert good.passed and good.reference.startswith("FD")
    central = fd.jacobian(lambda z: np.atleast_1d(f(z)), x, "fd-central")
    off = check_grad(f, lambda z: true + 0.5 * central.err_est[0], x)
    assert not off.passed and off.exit_code == 1


def test_small_n_check_validates_ad_with_central_differences_only():
    """A correct gradient at n = 100 with traceable f: AD agrees with central FD, so no
    Richardson pass (26 evaluations per input) is made."""
    calls = []

    def f(x):
        calls.append(1)
        return rosen(x)

    x = np.linspace(0.5, 1.5, 100)
    r = check_grad(f, rosen_der, x)
    assert r.passed and r.reference == "reverse AD (agrees with FD)"
    assert len(calls) < 10 * x.size


# ----- kinks every method sees alike ------------------------------------------------------

def test_abs_at_zero_is_inconclusive_though_every_method_gives_zero():
    """|x| at 0: AD's subgradient, central and Richardson differences are all 0, so no entry
    disagrees; the tie is noted while AD runs and one-sided derivatives (-1, +1) find the kink."""
    x = np.array([0.0, 1.5, -0.3])
    r = check_grad(lambda z: np.sum(np.abs(z)) + np.sum(z ** 2), lambda z: np.sign(z) + 2 * z, x)
    assert r.exit_code == 3 and not r.passed
    assert "kink along x[0]" in r.verdict and "between" in r.verdict
    assert (r.kinks[0]["left"], r.kinks[0]["right"]) == pytest.approx((-1.0, 1.0), abs=1e-6)


@pytest.mark.parametrize("f, g", [
    (lambda z: np.sum(np.where(z > 0, z, 0.1 * z)), lambda z: np.where(z > 0, 1.0, 0.1)),
    (lambda z: np.max(np.stack([z[0] + z[1], 2 * z[1]])), lambda z: np.array([1.0, 1.0])),
], ids=["comparison at its threshold", "max reduction tie"])
def test_other_switching_points_with_a_kink_are_inconclusive(f, g):
    x = np.array([0.0, 0.0])
    assert check_grad(f, g, x).exit_code == 3


def test_a_tie_where_f_is_smooth_passes_with_a_note():
    """max(x, 0)² at 0 is a tie of max, but both one-sided derivatives are 0."""
    x = np.array([0.0, 0.7])
    r = check_grad(lambda z: np.sum(np.maximum(z, 0.0) ** 2), lambda z: 2 * np.maximum(z, 0.0), x)
    assert r.passed and any("differentiable at this point" in n for n in r.notes)


def test_no_tie_no_one_sided_search():
    calls = []

    def f(z):
        calls.append(1)
        return np.sum(np.abs(z) ** 3)

    x = np.array([0.5, -1.0, 2.0])
    r = check_grad(f, lambda z: 3 * z * np.abs(z), x)
    assert r.passed and not r.notes and len(calls) < 40


def test_kink_search_stops_at_its_time_budget(monkeypatch):
    from adcheck.analysis import checks

    monkeypatch.setattr(checks, "KINK_SEARCH_SECONDS", 0.0)
    x = np.array([0.0, 0.7, 0.2])
    r = check_grad(lambda z: np.sum(np.maximum(z, 0.0) ** 2), lambda z: 2 * np.maximum(z, 0.0), x)
    assert r.passed and any("1 of 3 inputs searched" in n for n in r.notes)
