"""Scientific-computing snippets: Gaussian processes, normal modes, signals, integrals.

Test data for tests/methods/test_numpy_corpus.py; nothing here knows about adcheck.
"""

import numpy as np

rng = np.random.default_rng(31)
T = np.linspace(0.0, 2.0, 9)
Y_OBS = np.sin(2 * T) + 0.05 * rng.standard_normal(T.size)


def gp_neg_log_marginal(log_params):
    """GP regression: squared-exponential kernel, Cholesky, two triangular solves."""
    ell, sf, sn = np.exp(log_params)
    d2 = (T[:, None] - T[None, :]) ** 2
    K = sf ** 2 * np.exp(-0.5 * d2 / ell ** 2) + sn ** 2 * np.eye(len(T))
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, Y_OBS))
    return 0.5 * Y_OBS @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * len(T) * np.log(2 * np.pi)


def normal_mode_frequencies(k):
    """Spring constants -> the frequencies of a chain of unit masses (stiffness eigenvalues)."""
    n = len(k) - 1
    Kmat = np.zeros((n, n))
    for i in range(n):
        Kmat[i, i] = k[i] + k[i + 1]
        if i + 1 < n:
            Kmat[i, i + 1] = -k[i + 1]
            Kmat[i + 1, i] = -k[i + 1]
    w2, modes = np.linalg.eigh(Kmat)
    return np.concatenate([np.sqrt(w2), np.abs(modes[:, 0])])


def pca_explained(x):
    Xc = x.reshape(6, 3)
    Xc = Xc - Xc.mean(axis=0)
    C = Xc.T @ Xc / (len(Xc) - 1)
    evals = np.linalg.eigvalsh(C)
    return evals[-1] / np.sum(evals)


def smoothed_signal_energy(s):
    kernel = np.array([0.25, 0.5, 0.25])
    smooth = np.convolve(s, kernel, mode="same")
    return np.trapezoid(smooth ** 2, T[: len(s)]) + np.sum(np.gradient(s, T[1] - T[0]) ** 2)


def list_of_scalars(p):
    terms = [p[0] ** 2, np.sin(p[1]), p[0] * p[2]]
    dx, dy = p[1] - p[0], p[2] - p[1]
    return np.sum(terms) + np.mean([p[0], p[2]]) + np.linalg.norm([dx, dy]) + max(terms)


def masked_and_nan_stats(x):
    y = np.where(x > 1.0, np.nan, x)
    return np.array([np.sum(x ** 2, where=x > 0), np.nanmean(y), np.nanstd(y),
                     np.logaddexp.reduce(x), np.mean(x, where=x < 0.5)])


def pinball_quantile_loss(q):
    resid = Y_OBS - q[0] - q[1] * T
    tau = 0.8
    return np.mean(np.maximum(tau * resid, (tau - 1) * resid)) + np.percentile(q ** 2, 30)


def potential_on_grid(c):
    X, Y = np.meshgrid(np.linspace(-1, 1, 4), np.linspace(-1, 1, 3))
    V = c[0] * X ** 2 + c[1] * Y ** 2 + c[2] * X * Y
    V = np.select([V < 0, V > 1], [-V, np.sqrt(V)], default=V)
    return np.sum(V * np.sinc(X))


def angular_momentum(state):
    r, v = state[:3], state[3:]
    L = np.cross(r, 2.0 * v)
    return np.concatenate([L, [np.dot(L, L)]])


def kkt_solve(q):
    """Equality-constrained least squares through the KKT block system."""
    H = np.diag(q[:3] ** 2 + 1.0)
    Aeq = np.array([[1.0, 1.0, 1.0]])
    K = np.block([[H, Aeq.T], [Aeq, np.zeros((1, 1))]])
    rhs = np.concatenate([q[3:6], [1.0]])
    return np.linalg.solve(K, rhs)[:3]


def survival_and_markov(h):
    surv = np.cumprod(1.0 - 1.0 / (1.0 + np.exp(-h)))
    P = np.array([[1 - h[0] ** 2 / 10, h[0] ** 2 / 10], [0.2, 0.8]])
    return np.concatenate([surv, np.linalg.matrix_power(P, 4)[0]])


def weighted_features(w):
    feats = np.tensordot(np.arange(12.0).reshape(3, 4) / 10, w.reshape(4, 2), axes=1)
    return np.average(feats, axis=0, weights=[1.0, 2.0, 3.0]) + np.ptp(w)


def interpolated_drag(v):
    speeds = np.array([0.0, 1.0, 2.0, 4.0, 8.0])
    coeff = np.array([0.5, 0.45, 0.4, 0.42, 0.5])
    cd = np.interp(np.abs(v), speeds, coeff)
    return 0.5 * cd * v * np.abs(v)


ADCHECK_POINTS = {
    "gp_neg_log_marginal": [np.log(0.5), np.log(1.2), np.log(0.1)],
    "normal_mode_frequencies": rng.uniform(1.0, 3.0, 5),
    "pca_explained": rng.standard_normal(18),
    "smoothed_signal_energy": rng.standard_normal(7),
    "list_of_scalars": [0.6, -0.4, 1.3],
    "masked_and_nan_stats": rng.uniform(-1.0, 1.5, 8),
    "pinball_quantile_loss": [0.2, 0.3],
    "potential_on_grid": [0.7, 1.3, -0.4],
    "angular_momentum": rng.standard_normal(6),
    "kkt_solve": rng.standard_normal(6),
    "survival_and_markov": rng.standard_normal(4),
    "weighted_features": rng.standard_normal(8),
    "interpolated_drag": [0.5, -1.7, 3.1, 6.0],
}
