"""The pytest plugin: the ``adcheck`` fixture in a user's test file, run by pytester."""

from importlib.metadata import entry_points

pytest_plugins = ["pytester"]

TEST_FILE = '''
import numpy as np

def loss(w):
    return np.sum((w - 1.0) ** 2 * np.exp(w))

def loss_grad(w):
    return (2 * (w - 1.0) + (w - 1.0) ** 2) * np.exp(w)

def test_right(adcheck):
    assert adcheck.grad(loss, loss_grad, np.array([0.5, 2.0])).passed

def test_wrong(adcheck):
    adcheck.grad(loss, lambda w: 2 * (w - 1.0) * np.exp(w), np.array([0.5, 2.0]))

def test_hvp_and_jacobian(adcheck):
    adcheck.hvp(lambda x: np.sum(x ** 3), lambda x, v: 6 * x * v, np.array([1.0, 2.0]), np.array([1.0, -1.0]))
    adcheck.jacobian(lambda x: x ** 2, lambda x: np.diag(2 * x), np.array([1.0, 3.0]))
'''


def _plugin_args():
    installed = any(ep.name == "adcheck" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "adcheck.pytest_plugin"]


def test_fixture_passes_and_fails_with_the_table(pytester):
    pytester.makepyfile(test_user=TEST_FILE)
    result = pytester.runpytest_inprocess(*_plugin_args(), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*adcheck: gradient of loss (1×2, float64): FAIL (exit 1)*",
                                 "*entry*yours*AD*FD ± error*allowed*",
                                 "*your gradient differs*"])


def test_fixture_is_listed(pytester):
    result = pytester.runpytest_inprocess(*_plugin_args(), "--fixtures")
    result.stdout.fnmatch_lines(["adcheck*", "*Check hand-written derivatives*"])
