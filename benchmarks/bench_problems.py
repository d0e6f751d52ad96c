"""The benchmark problems: data made once in NumPy, math written once for every framework.

Each scalar function is written against a small namespace ``xp`` (sum, mean,
tanh, exp, log, sin, logaddexp0, rowmax, rowsum) so the same formula runs in
NumPy (adcheck, autograd), mygrad, jax.numpy and torch; only the namespace
differs.  Data arrays are converted to each framework's array type once.

Sizes: ``n`` is the number of inputs of f (the length of x).  The data sizes
scale with n so that f costs O(n)–O(10 n) flops at every size:

rosenbrock   Σ 100 (x[i+1] − x[i]²)² + (1 − x[i])²
logistic     Σ logaddexp(0, A x),  A: (m, n) with m = clip(10⁶ / n, 8, 1000)
mlp          mean((tanh(X W1 + b1) W2 + b2 − Y)²), X: (64, 16), Y: (64, 4),
             hidden width h = (n − 4) // 21, so n = 21 h + 4 parameters
softmax_ce   −Σ Y ⊙ log_softmax(X W) / 64, W = x as (n/10, 10), X: (64, n/10)
jacobian     f(x) = tanh(W sin x), W: (m, n), for R^n → R^m
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FUNCTIONS = ("rosenbrock", "logistic", "mlp", "softmax_ce")
MLP_IN, MLP_OUT, BATCH, CLASSES = 16, 4, 64, 10


@dataclass
class Problem:
    """One instance: the point x, a tangent v, the data, and a one-line description of the shapes."""

    name: str
    n: int
    x: np.ndarray
    v: np.ndarray
    data: dict = field(default_factory=dict)
    shapes: str = ""
    m: int = 1  # outputs of f


# ----- the math, once, for any namespace ---------------------------------------

def rosenbrock(xp, x, d):
    a, b = x[:-1], x[1:]
    return xp.sum(100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2)


def logistic(xp, x, d):
    return xp.sum(xp.logaddexp0(d["A"] @ x))


def mlp(xp, x, d):
    h = d["h"]
    i, o = MLP_IN, MLP_OUT
    w1 = x[: i * h].reshape(i, h)
    b1 = x[i * h: i * h + h]
    w2 = x[i * h + h: i * h + h + h * o].reshape(h, o)
    b2 = x[i * h + h + h * o:]
    hidden = xp.tanh(d["X"] @ w1 + b1)
    r = hidden @ w2 + b2 - d["Y"]
    return xp.mean(r * r)


def softmax_ce(xp, x, d):
    z = d["X"] @ x.reshape(-1, CLASSES)
    z = z - xp.rowmax(z)
    logp = z - xp.log(xp.rowsum(xp.exp(z)))
    return -xp.sum(d["Y"] * logp) / BATCH


def jac_map(xp, x, d):
    return xp.tanh(d["W"] @ xp.sin(x))


MATH = {"rosenbrock": rosenbrock, "logistic": logistic, "mlp": mlp, "softmax_ce": softmax_ce,
        "jacobian": jac_map}


class NumpyNS:
    """The namespace for plain NumPy (and for adcheck, which traces NumPy code)."""

    sum = staticmethod(np.sum)
    mean = staticmethod(np.mean)
    tanh = staticmethod(np.tanh)
    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    sin = staticmethod(np.sin)

    @staticmethod
    def logaddexp0(z):
        return np.logaddexp(0.0, z)

    @staticmethod
    def rowmax(z):
        return np.max(z, axis=1, keepdims=True)

    @staticmethod
    def rowsum(z):
        return np.sum(z, axis=1, keepdims=True)


def namespace_from(mod):
    """A namespace for a NumPy-like module (autograd.numpy, jax.numpy, mygrad)."""

    class NS:
        sum = staticmethod(mod.sum)
        mean = staticmethod(mod.mean)
        tanh = staticmethod(mod.tanh)
        exp = staticmethod(mod.exp)
        log = staticmethod(mod.log)
        sin = staticmethod(mod.sin)

        @staticmethod
        def logaddexp0(z):
            return mod.logaddexp(0.0, z)

        @staticmethod
        def rowmax(z):
            return mod.max(z, axis=1, keepdims=True)

        @staticmethod
        def rowsum(z):
            return mod.sum(z, axis=1, keepdims=True)

    return NS


def numpy_f(problem):
    """f(x) -> float in plain NumPy, data bound."""
    math, d = MATH[problem.name], problem.data
    return lambda x: math(NumpyNS, x, d)


# ----- instances ---------------------------------------------------------------

def make(name, n, seed=0):
    """The problem ``name`` with about n inputs (the exact n can differ slightly for mlp and softmax_ce)."""
    rng = np.random.default_rng(seed)
    d, shapes = {}, ""
    if name == "rosenbrock":
        shapes = "x in [0.5, 1.5]^n"
    elif name == "logistic":
        m = int(np.clip(1_000_000 // n, 8, 1000))
        d["A"] = rng.standard_normal((m, n)) / np.sqrt(n)
        shapes = f"A: {m}×{n}"
    elif name == "mlp":
        h = max(1, (n - MLP_OUT) // (MLP_IN + 1 + MLP_OUT))
        n = h * (MLP_IN + 1 + MLP_OUT) + MLP_OUT
        d["h"] = h
        d["X"] = rng.standard_normal((BATCH, MLP_IN))
        d["Y"] = rng.standard_normal((BATCH, MLP_OUT))
        shapes = f"X: {BATCH}×{MLP_IN}, hidden {h}, out {MLP_OUT}"
    elif name == "softmax_ce":
        k = max(1, n // CLASSES)
        n = k * CLASSES
        d["X"] = rng.standard_normal((BATCH, k)) / np.sqrt(k)
        d["Y"] = np.eye(CLASSES)[rng.integers(0, CLASSES, BATCH)]
        shapes = f"X: {BATCH}×{k}, W: {k}×{CLASSES}"
    else:
        raise ValueError(name)
    if name == "rosenbrock":
        x = rng.uniform(0.5, 1.5, n)
    else:
        x = rng.standard_normal(n) * (0.1 if name == "mlp" else 1.0)
    v = rng.standard_normal(n)
    return Problem(name, n, x, v, d, shapes)


def make_jacobian(n, m, seed=0):
    """f: R^n -> R^m, f(x) = tanh(W sin x)."""
    rng = np.random.default_rng(seed)
    d = {"W": rng.standard_normal((m, n)) / np.sqrt(n)}
    return Problem("jacobian", n, rng.standard_normal(n), rng.standard_normal(n), d, f"W: {m}×{n}", m=m)


def size_label(n):
    """10² style label for a power of ten, else the number with thin separators."""
    exp = int(round(np.log10(n))) if n > 0 else 0
    sup = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    if 10 ** exp == n:
        return "10" + str(exp).translate(sup)
    return f"{n:,}"
