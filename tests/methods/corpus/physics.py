"""Physics, optimisation test problems and residual functions, as people write them.

Test data for tests/methods/test_numpy_corpus.py: nothing here knows about
adcheck.  The rosen* functions are written from the textbook formulas.
"""

import math

import numpy as np

rng = np.random.default_rng(99)
NB = 4                        # bodies
masses = rng.uniform(1.0, 2.0, NB)


def pendulum_energy(state):
    theta, omega = state
    m, l, g = 1.3, 0.7, 9.81
    kinetic = 0.5 * m * l ** 2 * omega ** 2
    potential = m * g * l * (1 - np.cos(theta))
    return kinetic + potential


def double_pendulum_wrapped(q):
    """Angles wrapped into [-pi, pi) with np.mod before computing positions."""
    th = np.mod(q[:2] + np.pi, 2 * np.pi) - np.pi
    x1, y1 = np.sin(th[0]), -np.cos(th[0])
    x2, y2 = x1 + np.sin(th[1]), y1 - np.cos(th[1])
    return np.array([x2, y2, np.hypot(x2, y2), np.arctan2(y2, x2)])


def spring_chain(x):
    k, rest = 3.0, 0.8
    ext = np.diff(x) - rest
    return np.sum(0.5 * k * ext ** 2) + 0.5 * k * (x[0] ** 2)


def nbody_potential(x):
    pos = x.reshape(NB, 3)
    diff = pos[:, None, :] - pos[None, :, :]
    r = np.linalg.norm(diff, axis=-1)
    mask = ~np.eye(NB, dtype=bool)
    mm = masses[:, None] * masses[None, :]
    return -0.5 * np.sum(mm[mask] / r[mask])


def nbody_forces(x):
    """Pairwise forces with the diagonal padded before the division."""
    pos = x.reshape(-1, 3)
    n = pos.shape[0]
    d = pos[None, :, :] - pos[:, None, :]
    r2 = np.sum(d ** 2, axis=2) + np.eye(n)
    inv_r3 = r2 ** -1.5
    inv_r3[np.arange(n), np.arange(n)] = 0.0
    F = np.einsum('ij,ijk->ik', inv_r3 * masses[None, :], d)
    return F.ravel()


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0)


def rosen_der(x):
    x = np.asarray(x)
    xm = x[1:-1]
    xm_m1 = x[:-2]
    xm_p1 = x[2:]
    der = np.zeros_like(x)
    der[1:-1] = 200 * (xm - xm_m1 ** 2) - 400 * (xm_p1 - xm ** 2) * xm - 2 * (1 - xm)
    der[0] = -400 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0])
    der[-1] = 200 * (x[-1] - x[-2] ** 2)
    return der


def rosen_hess_prod(x, p):
    x = np.atleast_1d(x)
    Hp = np.zeros(len(p), dtype=x.dtype)
    Hp[0] = (1200 * x[0] ** 2 - 400 * x[1] + 2) * p[0] - 400 * x[0] * p[1]
    Hp[1:-1] = (-400 * x[:-2] * p[:-2]
                + (202 + 1200 * x[1:-1] ** 2 - 400 * x[2:]) * p[1:-1]
                - 400 * x[1:-1] * p[2:])
    Hp[-1] = -400 * x[-2] * p[-2] + 200 * p[-1]
    return Hp


def rosen_hess(x):
    x = np.atleast_1d(x)
    H = np.diag(-400 * x[:-1], 1) - np.diag(400 * x[:-1], -1)
    diagonal = np.zeros(len(x), dtype=x.dtype)
    diagonal[0] = 1200 * x[0] ** 2 - 400 * x[1] + 2
    diagonal[-1] = 200
    diagonal[1:-1] = 202 + 1200 * x[1:-1] ** 2 - 400 * x[2:]
    H = H + np.diag(diagonal)
    return H


def lennard_jones(x):
    pos = x.reshape(-1, 2)
    i, j = np.triu_indices(len(pos), 1)
    r = np.linalg.norm(pos[i] - pos[j], axis=1)
    return np.sum(4 * (r ** -12 - r ** -6))


def damped_oscillator_euler(p):
    y = np.array([1.0, 0.0])
    dt = 0.1
    for _ in range(20):
        dy = np.array([y[1], -p[0] * y[0] - p[1] * y[1]])
        y = y + dt * dy
    return y


def powell_residuals(x):
    r = np.zeros(4)
    r[0] = x[0] + 10 * x[1]
    r[1] = math.sqrt(5) * (x[2] - x[3])
    r[2] = (x[1] - 2 * x[2]) ** 2
    r[3] = math.sqrt(10) * (x[0] - x[3]) ** 2
    return r


def polar_residual(v):
    x = np.asarray(v, dtype=float)
    r, t = x[0], x[1]
    return np.array([r * np.cos(t) - 1.0, r * np.sin(t) - 0.5, math.exp(x[0]) * float(x[1])])


def lorenz_rhs(y):
    sigma, rho, beta = 10.0, 28.0, 8.0 / 3.0
    dydt = np.empty_like(y)
    dydt[0] = sigma * (y[1] - y[0])
    dydt[1] = y[0] * (rho - y[2]) - y[1]
    dydt[2] = y[0] * y[1] - beta * y[2]
    return dydt


def path_length_loop(x):
    pts = x.reshape(-1, 2)
    total = 0.0
    for i in range(len(pts) - 1):
        dx = pts[i + 1, 0] - pts[i, 0]
        dy = pts[i + 1, 1] - pts[i, 1]
        total += math.sqrt(dx * dx + dy * dy)
    return total


def heat_step_periodic(u):
    dt, dx = 0.1, 0.5
    lap = (np.roll(u, 1) - 2 * u + np.roll(u, -1)) / dx ** 2
    return u + dt * lap


def heat_step_dirichlet(u):
    up = np.pad(u, 1)           # zero boundary values
    return u + 0.1 * (up[2:] - 2 * up[1:-1] + up[:-2])


def two_link_arm(q):
    l1, l2 = 1.0, 0.7
    elbow = np.array([l1 * np.cos(q[0]), l1 * np.sin(q[0])])
    hand = elbow + l2 * np.array([np.cos(q[0] + q[1]), np.sin(q[0] + q[1])])
    return np.concatenate([hand, [np.linalg.norm(hand, ord=1), np.arctan2(hand[1], hand[0])]])


ADCHECK_POINTS = {
    "pendulum_energy": [0.4, -1.1],
    "double_pendulum_wrapped": [2.9, -4.0],
    "spring_chain": np.cumsum(rng.uniform(0.5, 1.2, 6)),
    "nbody_potential": rng.standard_normal(3 * NB),
    "nbody_forces": rng.standard_normal(3 * NB),
    "rosen": rng.uniform(-1.5, 1.5, 5),
    "rosen_der": rng.uniform(-1.5, 1.5, 5),
    "rosen_hess_prod": {"x": rng.uniform(-1.5, 1.5, 5), "p": rng.standard_normal(5)},
    "rosen_hess": rng.uniform(-1.5, 1.5, 4),
    "lennard_jones": [0.0, 0.0, 1.1, 0.1, 0.2, 1.05, 1.3, 1.2],
    "damped_oscillator_euler": [2.0, 0.3],
    "powell_residuals": [3.0, -1.0, 0.5, 1.2],
    "polar_residual": [1.3, 0.6],
    "lorenz_rhs": [1.0, 2.0, 20.0],
    "path_length_loop": rng.standard_normal(10),
    "heat_step_periodic": rng.standard_normal(6),
    "heat_step_dirichlet": rng.standard_normal(6),
    "two_link_arm": [0.3, 0.9],
}
