"""adcheck.implicit: derivatives of a solver's answer by the implicit function theorem.

Ridge regression z*(θ) = argmin ½‖Az − b‖² + ½θ‖z‖² has the optimality condition
F(z, θ) = Aᵀ(Az − b) + θz and the closed form dz*/dθ = −(AᵀA + θI)⁻¹ z*.  Forward
and reverse mode through ``adcheck.implicit`` must match it to round-off, and
match finite differences of the plain solver and the reverse-mode derivative
of an unrolled solver (gradient descent) to those methods' own accuracy.  A
vector-θ case (per-coordinate regularisation, F = Aᵀ(Az − b) + θ⊙z) checks the
full Jacobian; a nonlinear condition checks second derivatives (nesting).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import adcheck
from adcheck.methods import fd, forward, reverse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

rng = np.random.default_rng(11)
A = rng.standard_normal((10, 4))
b = rng.standard_normal(10)
G = A.T @ A
n = A.shape[1]


def ridge_solver(theta):
    t = np.reshape(theta, -1)[0]
    return np.linalg.solve(G + t * np.eye(n), A.T @ b)


def ridge_condition(z, theta):
    return A.T @ (A @ z - b) + theta * z


z_star = adcheck.implicit(ridge_solver, ridge_condition)


def closed_form(theta):
    t = float(np.reshape(theta, -1)[0])
    return -np.linalg.solve(G + t * np.eye(n), ridge_solver(theta))


def unrolled(theta, steps=200):
    """Gradient descent on the ridge objective, differentiable NumPy (θ a 1-element array)."""
    t = theta[0]
    lr = 1.0 / (np.linalg.eigvalsh(G)[-1] + 2.0)
    z = np.zeros(n)
    for _ in range(steps):
        z = z - lr * (G @ z - A.T @ b + t * z)
    return z


THETA = np.array([0.7])


def test_plain_call_returns_the_solvers_answer():
    z = z_star(THETA)
    assert type(z) is np.ndarray
    np.testing.assert_array_equal(z, ridge_solver(THETA))
    np.testing.assert_allclose(ridge_condition(z, THETA), 0.0, atol=1e-12)
    np.testing.assert_array_equal(z_star([0.7]), ridge_solver(THETA))


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_scalar_theta_matches_closed_form(method):
    J = adcheck.jacobian(z_star, THETA, method=method)
    assert J.shape == (n, 1)
    np.testing.assert_allclose(J[:, 0], closed_form(THETA), rtol=1e-10, atol=0)


def test_zero_dimensional_theta():
    theta = np.array(0.7)
    _, t = adcheck.jvp(z_star, theta, np.array(1.0))
    np.testing.assert_allclose(t, closed_form(theta), rtol=1e-10)
    _, ct = adcheck.vjp(z_star, theta, np.ones(n))
    assert np.shape(ct) == ()
    np.testing.assert_allclose(ct, np.sum(closed_form(theta)), rtol=1e-10)


def test_matches_fd_of_the_plain_solver():
    est = fd.jacobian(lambda v: ridge_solver(v), THETA.copy(), "fd-richardson")
    for method in ("forward", "reverse"):
        J = adcheck.jacobian(z_star, THETA, method=method)
        np.testing.assert_allclose(J, est.jacobian, rtol=1e-8, atol=1e-12)


def test_matches_the_unrolled_solver():
    J_unrolled = reverse.jacobian(unrolled, THETA)[1]
    np.testing.assert_allclose(unrolled(THETA), z_star(THETA), rtol=1e-6)
    for method in ("forward", "reverse"):
        J = adcheck.jacobian(z_star, THETA, method=method)
        np.testing.assert_allclose(J, J_unrolled, rtol=1e-5, atol=1e-8)


# ---- vector θ: per-coordinate regularisation ------------------------------------------

def diag_solver(theta):
    return np.linalg.solve(G + np.diag(theta), A.T @ b)


def diag_condition(z, theta):
    return A.T @ (A @ z - b) + theta * z


z_diag = adcheck.implicit(diag_solver, diag_condition)
THETA_VEC = np.array([0.3, 1.1, 0.6, 2.0])


def test_vector_theta_full_jacobian():
    # dz = -(G + diag θ)⁻¹ diag(z) dθ
    z = diag_solver(THETA_VEC)
    closed = -np.linalg.solve(G + np.diag(THETA_VEC), np.diag(z))
    Jf = forward.jacobian(z_diag, THETA_VEC)[1]
    Jr = reverse.jacobian(z_diag, THETA_VEC)[1]
    np.testing.assert_allclose(Jf, closed, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(Jr, closed, rtol=1e-10, atol=1e-14)
    est = fd.jacobian(diag_solver, THETA_VEC.copy(), "fd-richardson")
    np.testing.assert_allclose(Jr, est.jacobian, rtol=1e-7, atol=1e-10)


# ---- nonlinear condition, second derivatives -------------------------------------------

def cubic_solver(theta):
    """Newton's method on z + z³ = θ, elementwise (plain NumPy)."""
    z = np.array(theta, dtype=float)
    for _ in range(60):
        z = z - (z + z ** 3 - theta) / (1 + 3 * z ** 2)
    return z


def cubic_condition(z, theta):
    return z + z ** 3 - theta


z_cubic = adcheck.implicit(cubic_solver, cubic_condition)


def test_nonlinear_condition_and_second_derivative():
    theta = np.array([0.5, -1.5, 3.0])
    z = cubic_solver(theta)
    dz = 1.0 / (1 + 3 * z ** 2)          # z' = 1/(1 + 3z²)
    d2z = -6 * z * dz ** 3               # z'' = -6 z z'/(1 + 3z²)² = -6 z z'³
    for method in ("forward", "reverse"):
        np.testing.assert_allclose(adcheck.jacobian(z_cubic, theta, method=method), np.diag(dz), rtol=1e-12,
                                   atol=1e-15)

    def f(th):
        return np.sum(z_cubic(th))

    v = np.ones(3)
    for method in ("forward-over-reverse", "reverse-over-reverse"):
        np.testing.assert_allclose(adcheck.hvp(f, theta, v, method=method), d2z, rtol=1e-10)
    np.testing.assert_allclose(adcheck.hessian(f, theta), np.diag(d2z), rtol=1e-10, atol=1e-14)


# ---- the example file through the CLI -------------------------------------------------

def test_example_gradient_matches_closed_form():
    from adcheck.frontends import pyfile

    t = pyfile.load(os.path.join(ROOT, "examples", "ridge_ift.py") + "::loss", None)
    m = t.module
    Am, bm = m.A, m.b
    theta = np.asarray(t.x0, dtype=float)
    H = Am.T @ Am + theta[0] * np.eye(Am.shape[1])
    z = np.linalg.solve(H, Am.T @ bm)
    closed = (z - m.TARGET) @ -np.linalg.solve(H, z)
    for method in ("forward", "reverse"):
        np.testing.assert_allclose(adcheck.grad(m.loss, theta, method=method), [closed], rtol=1e-10)


def test_cli_grad_on_the_example_passes():
    from typer.testing import CliRunner

    from adcheck.cli import app

    result = CliRunner().invoke(app, ["grad", os.path.join(ROOT, "examples", "ridge_ift.py") + "::loss"])
    assert result.exit_code == 0, result.output
