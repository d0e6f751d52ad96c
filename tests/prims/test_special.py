"""scipy.special in traced code: its ufuncs as primitives, logsumexp/softmax/log_softmax as
stand-ins.  (Each ufunc's rules are also checked against sympy and the adjoint identity in
test_table.py.)"""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import adcheck
from adcheck.errors import AdcheckError

sc = pytest.importorskip("scipy.special")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
X = np.array([0.3, -1.2, 0.8, 2.0])


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_ufuncs_differentiate_to_their_closed_forms(method):
    a = np.array([0.4, 1.3, 2.2, 3.5])

    def f(z):
        return np.sum(sc.expit(z) + sc.gammaln(z) + sc.log_ndtr(-z) + sc.xlogy(z, z + 1.0) + sc.erfc(z))

    phi = np.exp(-0.5 * a * a) / np.sqrt(2 * np.pi)
    s = sc.expit(a)
    want = (s * (1 - s) + sc.psi(a) - phi / sc.ndtr(-a) + np.log(a + 1.0) + a / (a + 1.0)
            - 2 / np.sqrt(np.pi) * np.exp(-a * a))
    np.testing.assert_allclose(adcheck.grad(f, a, method=method), want, rtol=1e-13)


def test_second_derivatives_through_the_ufuncs():
    """Partials are written with the same ufuncs, so they differentiate again (ψ' = ζ(2, ·))."""
    a = np.array([0.7, 1.9])
    h = adcheck.hessian(lambda z: np.sum(sc.gammaln(z) + sc.expit(z)), a)
    s = sc.expit(a)
    np.testing.assert_allclose(np.diag(h), sc.polygamma(1, a) + s * (1 - s) * (1 - 2 * s), rtol=1e-12)
    np.testing.assert_allclose(h - np.diag(np.diag(h)), 0.0, atol=0)


def test_log_ndtr_gradient_far_in_the_tail():
    """φ/Φ computed as exp(-a²/2 - ln Φ): finite where Φ itself underflows."""
    a = np.array([-40.0])
    g = adcheck.grad(lambda z: np.sum(sc.log_ndtr(z)), a)
    assert np.isfinite(g).all() and g[0] == pytest.approx(40.0249, rel=1e-4)


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_logsumexp_softmax_log_softmax_stand_ins(axis):
    """Replaced while traced: the same values as scipy's, the derivative of the closed form."""
    M = np.array([[0.3, -1.2, 0.8], [2.0, 0.1, -0.4]])
    w = np.array([[1.0, 2.0, 0.5], [0.3, 1.5, 2.5]])

    def f(z):
        return (np.sum(sc.logsumexp(z, axis=axis) * 1.5) + np.sum(w * sc.softmax(z, axis=axis))
                + np.sum(w * sc.log_softmax(z, axis=axis)))

    from adcheck.frontends.coerce import wrap

    assert wrap(f)(M) == pytest.approx(f(M), rel=1e-15)
    g_rev = adcheck.grad(f, M)
    g_fd = adcheck.grad(f, M, method="fd-richardson")
    np.testing.assert_allclose(g_rev, g_fd, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(adcheck.grad(f, M, method="forward"), g_rev, rtol=1e-13, atol=1e-15)


def test_logsumexp_with_weights_and_keepdims():
    b = np.array([0.5, 2.0, 1.0, 3.0])

    def f(z):
        return np.sum(sc.logsumexp(z, b=b, keepdims=True))

    e = b * np.exp(X)
    np.testing.assert_allclose(adcheck.grad(f, X), e / e.sum(), rtol=1e-14)


def test_a_scipy_ufunc_without_a_rule_names_itself():
    with pytest.raises(AdcheckError, match=r"scipy\.special\.huber"):
        adcheck.grad(lambda z: np.sum(sc.huber(1.0, z)), X)


def test_zeta_in_s_is_refused_not_zero():
    with pytest.raises(AdcheckError, match="zeta"):
        adcheck.grad(lambda s: np.sum(sc.zeta(s, 2.0)), np.array([2.5, 3.0]))


MODEL = """
    import numpy as np
    from scipy.special import logsumexp, expit, gammaln
    import scipy.special as sp

    ADCHECK_POINTS = {{"nll": [0.3, -1.2, 0.8, 2.0], "mix": [0.5, 1.5, 2.5]}}
    X = np.array([[1.0, 0.5, -0.3, 0.2], [0.1, -1.0, 0.7, 0.4], [2.0, 0.3, 0.1, -0.5]])


    def nll(w):
        z = X @ w
        return logsumexp(z) - z[0] + np.sum(sp.log_softmax(z))


    def nll_grad(w):
        z = X @ w
        p = sp.softmax(z)
        return X.T @ p - X[0] + X.T @ (np.ones(3) - 3 * p){nll_bug}


    def mix(a):
        return np.sum(gammaln(a) + expit(a) * sp.xlogy(a, a + 1.0))


    def mix_grad(a):
        s = expit(a)
        return sp.psi(a) + s * (1 - s) * sp.xlogy(a, a + 1.0) + s * (np.log(a + 1.0) + a / (a + 1.0)){mix_bug}
"""


@pytest.mark.parametrize("bug", [None, "nll", "mix"])
def test_check_on_a_file_that_imports_scipy_special(tmp_path, bug):
    path = tmp_path / "model.py"
    path.write_text(textwrap.dedent(MODEL.format(nll_bug=" * 1.0001" if bug == "nll" else "",
                                                 mix_bug=" * 1.0001" if bug == "mix" else "")))
    proc = subprocess.run([sys.executable, "-m", "adcheck", "check", str(path), "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    import json

    doc = json.loads(proc.stdout)
    status = {c["check"]: c for c in doc["checks"]}
    for name in ("nll", "mix"):
        assert status[name]["status"] == ("fail" if bug == name else "pass"), status[name]["verdict"]
        assert status[name]["detail"]["reference"].startswith("reverse AD"), status[name]["detail"]["reference"]
    assert proc.returncode == (1 if bug else 0)


def test_adcheck_import_and_a_numpy_check_do_not_import_scipy():
    code = ("import sys, numpy as np, adcheck\n"
            "adcheck.grad(lambda x: np.sum(np.tanh(x) ** 2), np.ones(3))\n"
            "from adcheck.analysis.checks import check_grad\n"
            "check_grad(lambda x: np.sum(x**2), lambda x: 2*x, np.ones(3))\n"
            "print('scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


@pytest.mark.skipif(not hasattr(sc, "softplus"), reason="scipy < 1.15 has no softplus")
def test_softplus_function_stand_in():
    def f(z):
        return np.sum(sc.softplus(z) * np.arange(1.0, 5.0))

    np.testing.assert_allclose(adcheck.grad(f, X), sc.expit(X) * np.arange(1.0, 5.0), rtol=1e-14)
