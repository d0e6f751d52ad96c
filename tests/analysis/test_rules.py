"""check_rule: each kind of broken rule is caught by the sub-check meant for it; correct rules pass."""

import importlib.util
import json
import pathlib

import numpy as np
import pytest

import adcheck
from adcheck.analysis.rules import RuleReport
from adcheck.errors import UsageError

X = np.array([-1.5, 0.3, 2.0, -0.2, 4.0])


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def softplus_with(vjp=None, jvp=None, primal=None):
    f = adcheck.custom_vjp(primal or (lambda x: np.logaddexp(0.0, x)))
    f.__name__ = "softplus"
    if vjp is not None:
        f.defvjp(vjp)
    if jvp is not None:
        f.defjvp(jvp)
    return f


GOOD_VJP = lambda g, ans, x: g * sigmoid(x)
GOOD_JVP = lambda t, ans, x: t * sigmoid(x)


def _traced_differs(x):
    """A primal with a plain-array fast path that disagrees with its NumPy path."""
    if isinstance(x, np.ndarray):
        return np.logaddexp(0.0, x)
    return 1.01 * np.logaddexp(0.0, x)


FAULTS = {
    # name: (rules, the sub-check that must catch it)
    "vjp scaled by 1.01": (dict(vjp=lambda g, a, x: 1.01 * g * sigmoid(x)), "vjp-vs-fd"),
    "vjp sign flipped": (dict(vjp=lambda g, a, x: -g * sigmoid(x)), "vjp-vs-fd"),
    "vjp ignores g": (dict(vjp=lambda g, a, x: sigmoid(x)), "vjp-linearity"),
    "jvp ignores t": (dict(jvp=lambda t, a, x: sigmoid(x)), "jvp-linearity"),
    "jvp scaled by 1.01": (dict(jvp=lambda t, a, x: 1.01 * t * sigmoid(x)), "jvp-vs-fd"),
    "vjp wrong shape": (dict(vjp=lambda g, a, x: (g * sigmoid(x))[:, None]), "shapes"),
    "jvp wrong shape": (dict(jvp=lambda t, a, x: (t * sigmoid(x))[None]), "shapes"),
    "vjp float32": (dict(vjp=lambda g, a, x: (g * sigmoid(x)).astype(np.float32)), "dtypes"),
    "jvp and vjp inconsistent": (dict(vjp=GOOD_VJP, jvp=lambda t, a, x: t * sigmoid(x) * (1 + 1e-9)), "adjoint"),
    "primal differs when traced": (dict(vjp=GOOD_VJP, primal=_traced_differs), "output"),
    "vjp raises": (dict(vjp=lambda g, a, x: g.nonexistent), "vjp-vs-fd"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_each_fault_is_caught_by_its_sub_check(fault):
    rules, catcher = FAULTS[fault]
    report = adcheck.check_rule(softplus_with(**rules), X)
    check = report.check(catcher)
    assert check is not None and check.passed is False, (fault, report.to_dict())
    assert report.exit_code == 1 and not report.passed
    assert check.message  # one line saying what and both numbers
    if check.max_error is not None:
        assert check.max_error > check.allowed


def test_float32_cotangent_fails_only_the_dtype_check():
    report = adcheck.check_rule(softplus_with(vjp=FAULTS["vjp float32"][0]["vjp"]), X)
    assert report.failed == ("dtypes",)
    assert "float32" in report.check("dtypes").message


def test_wrong_scale_message_names_both_numbers():
    report = adcheck.check_rule(softplus_with(vjp=FAULTS["vjp scaled by 1.01"][0]["vjp"]), X)
    msg = report.check("vjp-vs-fd").message
    assert "user VJP rule" in msg and " vs " in msg and "exceeds allowed" in msg


@pytest.mark.parametrize("rules", [dict(vjp=GOOD_VJP), dict(jvp=GOOD_JVP), dict(vjp=GOOD_VJP, jvp=GOOD_JVP)],
                         ids=["vjp", "jvp", "both"])
def test_correct_softplus_passes_across_50_seeds(rules):
    f = softplus_with(**rules)
    for seed in range(50):
        x = np.random.default_rng(seed).standard_normal(6) * 5
        report = adcheck.check_rule(f, x, seed=seed)
        assert report.exit_code == 0, (seed, [c.message for c in report.checks if c.passed is False])


def test_modes_say_which_rule_each_mode_uses():
    report = adcheck.check_rule(softplus_with(vjp=GOOD_VJP), X)
    modes = dict(report.modes)
    assert "user's VJP rule" in modes["reverse"] and "through the primal" in modes["forward"]
    assert "primal" in modes["symbolic"]
    assert report.check("jvp-linearity").passed is None  # no user JVP: not applicable
    assert "forward mode through the primal" in report.check("jvp-vs-fd").message


def test_report_is_frozen_and_json_safe():
    report = adcheck.check_rule(softplus_with(vjp=GOOD_VJP), X)
    assert isinstance(report, RuleReport)
    with pytest.raises(AttributeError):
        report.passed = False
    d = json.loads(json.dumps(report.to_dict()))
    assert d["passed"] is True and d["exit_code"] == 0 and d["name"] == "softplus"
    assert {c["name"] for c in d["checks"]} >= {"output", "shapes", "dtypes", "jvp-vs-fd", "vjp-vs-fd",
                                               "adjoint", "jvp-linearity", "vjp-linearity"}


def test_kink_at_x_is_inconclusive_not_a_failure():
    relu = softplus_with(vjp=lambda g, a, x: g * (x > 0), primal=lambda x: np.maximum(x, 0.0))
    report = adcheck.check_rule(relu, np.array([0.0, 1.0, -1.0]))
    assert report.exit_code == 3, report.to_dict()
    assert report.check("differentiable").passed is False
    assert adcheck.check_rule(relu, np.array([0.5, 1.0, -1.0])).exit_code == 0


def test_primal_not_finite_at_x_is_inconclusive():
    f = softplus_with(vjp=lambda g, a, x: g / x, primal=lambda x: np.log(x))
    assert adcheck.check_rule(f, np.array([-1.0, 2.0])).exit_code == 3


def test_several_arguments():
    f = adcheck.custom_vjp(lambda a, b: a * np.sin(b))
    f.defvjp(lambda g, ans, a, b: (g * np.sin(b), g * a * np.cos(b)))
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(3), rng.standard_normal(3))
    assert adcheck.check_rule(f, x).exit_code == 0
    f.defvjp(lambda g, ans, a, b: (g * np.sin(b), g * np.cos(b)))  # forgets a in ∂/∂b
    assert "vjp-vs-fd" in adcheck.check_rule(f, x).failed


def test_untraceable_primal_is_checked_through_its_rules():
    def primal(x):
        return np.logaddexp(0.0, np.asarray(x))  # np.asarray: AD cannot trace it

    both = softplus_with(vjp=GOOD_VJP, jvp=GOOD_JVP, primal=primal)
    report = adcheck.check_rule(both, X)
    assert report.exit_code == 0 and "cannot be traced" in report.check("output").message
    only_vjp = adcheck.check_rule(softplus_with(vjp=GOOD_VJP, primal=primal), X)
    assert only_vjp.exit_code == 0 and only_vjp.check("jvp-vs-fd").passed is None


def test_rtol_replaces_the_model():
    f = softplus_with(vjp=FAULTS["vjp scaled by 1.01"][0]["vjp"])
    assert adcheck.check_rule(f, X, rtol=0.05).exit_code == 0
    assert adcheck.check_rule(f, X, rtol=1e-4).exit_code == 1


def test_usage_errors():
    with pytest.raises(UsageError, match="custom_vjp"):
        adcheck.check_rule(lambda x: x, X)
    with pytest.raises(UsageError, match="no rule"):
        adcheck.check_rule(adcheck.custom_vjp(lambda x: x), X)
    with pytest.raises(UsageError, match="tuple means several arguments"):
        adcheck.check_rule(softplus_with(vjp=GOOD_VJP), (1.0, 2.0))


def test_softplus_example_matches_its_declared_expectations():
    path = pathlib.Path(__file__).parents[2] / "examples" / "softplus_rule.py"
    spec = importlib.util.spec_from_file_location("softplus_rule_example", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for name in ("softplus", "softplus_ignores_g"):
        report = adcheck.check_rule(getattr(mod, name), np.array(mod.ADCHECK_POINTS[name]))
        expected = mod.ADCHECK_EXPECT.get(name, "pass")
        assert report.passed == (expected == "pass"), (name, report.failed)
    assert adcheck.check_rule(mod.softplus, np.array([-800.0, 0.5, 800.0])).passed  # no overflow
