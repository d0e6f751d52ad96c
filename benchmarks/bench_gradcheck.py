"""Gradient checkers side by side: cost of one check vs n, and which ones catch a wrong entry.

Every tool checks the same NumPy Rosenbrock f and the same hand-written NumPy
gradient: correct, then with ONE entry off by a relative 1e-3 (and by 1e-2).
The wrong entry is a typical one: the entry of median |g_i|.  torch.autograd.gradcheck gets them through a torch.autograd.Function
whose backward calls the NumPy gradient; jax.test_util.check_grads through a
jax.custom_vjp whose forward and backward are jax.pure_callback calls.

Verdicts: adcheck, torch and jax say pass/fail themselves (their default
tolerances).  scipy.optimize.check_grad returns a number (the 2-norm of the
difference to its forward-difference gradient) and numdifftools.Gradient only
an estimate, so for them the verdict is ours, stated in RULES below, with
JAX's float64 default tolerance (1e-5 relative) as the threshold.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

WRONG_REL = (1e-3, 1e-2)
RULES = {
    "scipy": "err / ‖grad‖₂ ≤ 1e-5, err being check_grad's return value (rule ours: scipy gives no verdict)",
    "numdifftools": "np.allclose(grad, estimate) with numpy's defaults rtol=1e-5, atol=1e-8 "
                    "(rule ours: numdifftools gives no verdict)",
}


def rosen(x):
    a, b = x[:-1], x[1:]
    return np.sum(100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2)


def rosen_grad(x):
    a, b = x[:-1], x[1:]
    g = np.zeros_like(x)
    g[:-1] = -400.0 * a * (b - a * a) - 2.0 * (1.0 - a)
    g[1:] += 200.0 * (b - a * a)
    return g


def wrong_index(x):
    """The entry of median magnitude: neither the easiest nor the hardest one to notice."""
    g = np.abs(rosen_grad(x))
    return int(np.argsort(g, kind="stable")[x.size // 2])


def wrong_grad(i, rel):
    """The correct gradient with entry i multiplied by (1 + rel)."""

    def g(x):
        out = rosen_grad(x)
        out[i] *= 1.0 + rel
        return out

    return g


@dataclass
class Verdict:
    passed: Optional[bool]          # None: inconclusive
    detail: str = ""
    error: Optional[str] = None


@dataclass
class Checker:
    name: str
    tool: str                       # which installed package it needs
    run: Callable                   # (f, grad_f, x) -> Verdict
    max_n: Optional[int] = None     # above this n it is not run (see note)
    note: str = ""


class Counter:
    """f with a call counter (how many evaluations a check costs)."""

    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, x):
        self.calls += 1
        return self.f(x)


# ----- the checkers --------------------------------------------------------------

def _adcheck(f, g, x):
    import adcheck

    r = adcheck.check_grad(f, g, x)
    passed = True if r.exit_code == 0 else (False if r.exit_code == 1 else None)
    return Verdict(passed, f"max rel err {r.max_rel_error:.1e}" if r.max_rel_error is not None else r.verdict[:60])


def _torch_fn(f, g):
    import torch

    class UserFunction(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.tensor(f(x.detach().numpy()), dtype=torch.float64)

        @staticmethod
        def backward(ctx, grad_out):
            (x,) = ctx.saved_tensors
            return grad_out * torch.from_numpy(np.asarray(g(x.detach().numpy()), dtype=np.float64))

    return UserFunction.apply


def _torch(fast):
    def run(f, g, x):
        import torch

        xt = torch.from_numpy(x.copy()).requires_grad_(True)
        ok = torch.autograd.gradcheck(_torch_fn(f, g), (xt,), raise_exception=False, fast_mode=fast)
        return Verdict(bool(ok))

    return run


def _jax(f, g, x):
    import jax
    import jax.numpy as jnp
    from jax.test_util import check_grads

    scalar = jax.ShapeDtypeStruct((), jnp.float64)
    vector = jax.ShapeDtypeStruct(x.shape, jnp.float64)

    @jax.custom_vjp
    def user(z):
        return jax.pure_callback(lambda a: np.asarray(f(np.asarray(a)), dtype=np.float64), scalar, z)

    def fwd(z):
        return user(z), z

    def bwd(z, ct):
        return (ct * jax.pure_callback(lambda a: np.asarray(g(np.asarray(a)), dtype=np.float64), vector, z),)

    user.defvjp(fwd, bwd)
    try:
        check_grads(user, (jnp.asarray(x),), order=1, modes=("rev",))
    except AssertionError:
        return Verdict(False)
    return Verdict(True)


def _scipy(direction):
    def run(f, g, x):
        from scipy.optimize import check_grad

        kw = {"direction": direction}
        if direction == "random":
            params = inspect.signature(check_grad).parameters
            kw["rng" if "rng" in params else "seed"] = 0
        err = float(check_grad(f, g, x, **kw))
        rel = err / max(float(np.linalg.norm(g(x))), 1e-300)
        return Verdict(rel <= 1e-5, f"err/‖g‖ {rel:.1e}")

    return run


class _Numdifftools:
    """numdifftools.Gradient; the estimate of the last run is kept so the wrong-gradient verdict reuses it."""

    def __init__(self):
        self.last = None

    def __call__(self, f, g, x):
        import numdifftools as nd

        self.last = (x, np.asarray(nd.Gradient(f)(x), dtype=np.float64))
        return self.compare(g, x)

    def compare(self, g, x):
        est = self.last[1]
        u = np.asarray(g(x), dtype=np.float64)
        rel = float(np.max(np.abs(u - est)) / max(float(np.max(np.abs(est))), 1e-300))
        return Verdict(bool(np.allclose(u, est)), f"max|Δ|/max|g| {rel:.1e}")


def checkers(quick: bool):
    nd_max = 1_000 if quick else 10_000
    full_max = 1_000 if quick else 10_000
    return [
        Checker("adcheck.check_grad", "adcheck", _adcheck),
        Checker("torch gradcheck", "torch", _torch(False), full_max,
                f"full mode perturbs each input: 2n evaluations of f; not run above n = {full_max:,}"),
        Checker("torch gradcheck fast_mode", "torch", _torch(True)),
        Checker("jax check_grads (rev)", "jax", _jax),
        Checker("scipy check_grad", "scipy", _scipy("all"), 10_000,
                "direction='all': n + 1 evaluations of f; not run above n = 10,000"),
        Checker("scipy check_grad random", "scipy", _scipy("random")),
        Checker("numdifftools Gradient", "numdifftools", _Numdifftools(), nd_max,
                f"~30 n evaluations of f (Richardson); not run above n = {nd_max:,}"),
    ]


def verdict_of(checker, f, g, x):
    """Run one check outside the timer; a crash is recorded, not raised."""
    try:
        if isinstance(checker.run, _Numdifftools) and checker.run.last is not None \
                and checker.run.last[0] is x and g is not rosen_grad:
            return checker.run.compare(g, x)
        return checker.run(f, g, x)
    except Exception as exc:  # a checker failing is a result
        return Verdict(None, error=f"{type(exc).__name__}: {exc}".splitlines()[0][:160])
