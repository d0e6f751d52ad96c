"""The worked Python examples (examples/*.py): loaded as the CLI loads them, against closed forms.

Each file is loaded through ``pyfile.load`` with its own ADCHECK_POINTS (the
user's path), its Jacobian or gradient taken by forward and by reverse mode,
and compared with the closed form stated in the file's docstring -- computed
here independently from the file's data.  Rosenbrock is judged against
SciPy's hand-written ``rosen_der`` and ``rosen_hess_prod``.  Finally each
file runs through the CLI (``adcheck grad FILE`` / ``adcheck jacobian FILE``)
and passes.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

import adcheck
from adcheck.frontends import pyfile
from adcheck.methods import forward, reverse

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


@pytest.fixture(autouse=True)
def _keep_sys_path(monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))


def load(name):
    return pyfile.load(os.path.join(EXAMPLES, name), None)


def both_jacobians(target):
    """Forward and reverse Jacobians; they must agree to round-off."""
    Jf = forward.jacobian(target.f, target.x0)[1]
    Jr = reverse.jacobian(target.f, target.x0)[1]
    np.testing.assert_allclose(Jf, Jr, rtol=1e-13, atol=1e-14 * max(1.0, np.max(np.abs(Jr))))
    return Jf, Jr


def test_jacobian3_matches_closed_form():
    t = load("jacobian3.py")
    x0, x1, x2 = t.x0
    e = np.exp(x0 + x1)
    closed = np.array([[2 * x0, 0, 0], [0, x2, x1], [e, e, 0]])
    for J in both_jacobians(t):
        np.testing.assert_allclose(J, closed, rtol=1e-15, atol=0)


@pytest.mark.parametrize("method", ["forward-over-reverse", "reverse-over-reverse", "forward-over-forward"])
def test_quadratic_gradient_and_hvp_are_AtA(method):
    t = load("quadratic.py")
    A = t.module.A
    G = A.T @ A
    for J in both_jacobians(t):
        np.testing.assert_allclose(J[0], G @ t.x0, rtol=1e-14)
    rng = np.random.default_rng(3)
    for _ in range(3):
        x, v = rng.standard_normal(t.n), rng.standard_normal(t.n)
        np.testing.assert_allclose(adcheck.hvp(t.f, x, v, method=method), G @ v, rtol=1e-13, atol=1e-13)


def test_mlp_gradient_matches_backpropagation_by_hand():
    t = load("mlp.py")
    m = t.module
    theta = t.x0
    # the closed form, written here independently of the file's loss_grad
    W1 = theta[:12].reshape(3, 4)
    b1, w2, b2 = theta[12:16], theta[16:20], theta[20]
    h = np.tanh(m.X @ W1 + b1)
    r = (h @ w2 + b2 - m.y) / len(m.y)
    delta = np.outer(r, w2) / np.cosh(m.X @ W1 + b1) ** 2
    closed = np.concatenate([(m.X.T @ delta).ravel(), delta.sum(axis=0), h.T @ r, [r.sum()]])
    for J in both_jacobians(t):
        np.testing.assert_allclose(J[0], closed, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(m.loss_grad(theta), closed, rtol=1e-12, atol=1e-15)


def test_maml_meta_gradient_matches_closed_form():
    t = load("maml.py")
    m = t.module
    w, alpha = t.x0, m.ALPHA
    closed = np.zeros(3)
    for X, y, V, z in zip(m.X_TRAIN, m.Y_TRAIN, m.X_VAL, m.Y_VAL):
        n = len(y)
        adapted = w - alpha * X.T @ (X @ w - y) / n
        closed += (np.eye(3) - alpha * X.T @ X / n) @ V.T @ (V @ adapted - z) / len(z)
    closed /= len(m.X_TRAIN)
    for J in both_jacobians(t):
        np.testing.assert_allclose(J[0], closed, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(m.meta_loss_grad(w), closed, rtol=1e-13, atol=1e-16)


def test_rosenbrock_matches_scipy():
    opt = pytest.importorskip("scipy.optimize")
    t = load("rosenbrock.py")
    rng = np.random.default_rng(4)
    for x in [t.x0] + [rng.uniform(-2, 2, t.n) for _ in range(3)]:
        for method in ("forward", "reverse"):
            np.testing.assert_allclose(adcheck.grad(t.f, x, method=method), opt.rosen_der(x), rtol=1e-14,
                                       atol=1e-12)
        for method in ("forward-over-reverse", "reverse-over-reverse"):
            v = rng.standard_normal(t.n)
            np.testing.assert_allclose(adcheck.hvp(t.f, x, v, method=method), opt.rosen_hess_prod(x, v),
                                       rtol=1e-13, atol=1e-11)
    assert float(t.f(np.ones(t.n))) == 0.0


@pytest.mark.parametrize("name,command", [("jacobian3.py", "jacobian"), ("quadratic.py", "grad"),
                                          ("mlp.py", "grad"), ("maml.py", "grad"),
                                          ("rosenbrock.py", "grad")])
def test_cli_runs_each_example_with_its_default_point(name, command):
    from typer.testing import CliRunner

    from adcheck.cli import app

    # symbolic is left out to keep this quick (it is exercised by the CLI tests)
    result = CliRunner().invoke(app, [command, os.path.join(EXAMPLES, name), "--method",
                                      "forward,reverse,fd-central", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["passed"] is True
    assert set(doc["methods"]) == {"forward", "reverse", "fd-central"}
