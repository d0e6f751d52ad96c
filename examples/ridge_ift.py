"""Ridge regression differentiated through its solution by the implicit function theorem.

The ridge estimate is the minimiser

    z*(θ) = argmin_z ½‖Az − b‖² + ½θ‖z‖²,

found here by a plain NumPy solve, ``z* = (AᵀA + θI)⁻¹ Aᵀb`` -- adcheck never
looks inside the solver.  Instead ``adcheck.implicit`` differentiates the
optimality condition (the gradient of the objective)

    F(z, θ) = Aᵀ(Az − b) + θz = 0.

With ∂F/∂z = AᵀA + θI and ∂F/∂θ = z, the implicit function theorem gives

    dz*/dθ = −(AᵀA + θI)⁻¹ z*,

one linear solve, no unrolled iterations.  ``loss`` measures the distance of
the ridge estimate from a target; its derivative in θ is

    d loss/dθ = (z* − target)ᵀ dz*/dθ.

θ is a scalar, passed as a 1-element array (a 0-d array works too).

Try::

    adcheck grad examples/ridge_ift.py::loss
"""

import numpy as np

import adcheck

_rng = np.random.default_rng(3)
A = _rng.standard_normal((12, 4))
b = _rng.standard_normal(12)
TARGET = np.array([0.3, -0.2, 0.1, 0.5])


def ridge_solver(theta):
    """The plain solver: (AᵀA + θI)⁻¹ Aᵀb (θ a 1-element or 0-d array)."""
    t = np.reshape(theta, -1)[0]
    return np.linalg.solve(A.T @ A + t * np.eye(A.shape[1]), A.T @ b)


def ridge_condition(z, theta):
    """Optimality condition F(z, θ) = Aᵀ(Az − b) + θz (zero at the ridge estimate)."""
    return A.T @ (A @ z - b) + theta * z


z_star = adcheck.implicit(ridge_solver, ridge_condition)


def loss(theta):
    """½‖z*(θ) − target‖²."""
    return 0.5 * np.sum((z_star(theta) - TARGET) ** 2)


ADCHECK_POINTS = {"loss": [0.7]}
