"""The forward/reverse crossover table (``adcheck modes --sweep``).

For each shape (n, m) a representative function R^n -> R^m,
y = tanh(W2 @ tanh(W1 @ x)) with fixed-seed weights, is differentiated both
ways and the full-Jacobian times are compared with what the cost model of
:mod:`adcheck.analysis.modes` predicts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from adcheck.analysis.modes import TIMING_BUDGET, _json, _timed, explain_shape
from adcheck.methods import forward, reverse

SWEEP_SHAPES = ((5, 500), (50, 50), (500, 5), (1, 1000), (1000, 1))


@dataclass(frozen=True)
class SweepRow:
    """One shape of the crossover table: full Jacobian timed both ways.

    ratio = reverse_seconds / forward_seconds (> 1: forward is faster).
    model_mode: what :func:`explain_shape` predicts for this shape.
    """

    n: int
    m: int
    hidden: int
    forward_seconds: float
    reverse_seconds: float
    ratio: float
    winner: str
    model_mode: str

    def to_dict(self) -> dict:
        return _json(self)


def mlp(n: int, m: int, *, hidden: int = 64, seed: int = 0) -> tuple[Callable, np.ndarray]:
    """A representative f: Rⁿ → Rᵐ, y = tanh(W2 @ tanh(W1 @ x)), and a point x.

    W1 (hidden×n) and W2 (m×hidden) are fixed-seed Gaussian, scaled by 1/√fan-in.
    """
    rng = np.random.default_rng(seed)
    w1 = rng.standard_normal((hidden, n)) / math.sqrt(n)
    w2 = rng.standard_normal((m, hidden)) / math.sqrt(hidden)
    x = rng.standard_normal(n)

    def f(v):
        return np.tanh(w2 @ np.tanh(w1 @ v))

    return f, x


def sweep(shapes=SWEEP_SHAPES, *, seed: int = 0, hidden: int = 64, repeats: int = 3) -> list[SweepRow]:
    """The crossover table: for each (n, m), the MLP's full Jacobian forward (batched) vs reverse."""
    rows = []
    for n, m in shapes:
        f, x = mlp(n, m, hidden=hidden, seed=seed)
        t_fwd = _timed(lambda: forward.jacobian(f, x), repeats, budget=TIMING_BUDGET)
        t_rev = _timed(lambda: reverse.jacobian(f, x), repeats, budget=TIMING_BUDGET)
        rows.append(SweepRow(n=n, m=m, hidden=hidden, forward_seconds=t_fwd, reverse_seconds=t_rev,
                             ratio=t_rev / t_fwd, winner="forward" if t_fwd <= t_rev else "reverse",
                             model_mode=explain_shape(n, m).mode))
    return rows


# ---- timing -------------------------------------------------------------------



@dataclass(frozen=True)
class ModesReport:
    """What ``adcheck modes`` shows: a recommendation for a target, shape advice, and/or the sweep."""

    recommendation: object = None
    advice: object = None
    sweep: tuple = ()
    exit_code: int = 0

    def to_dict(self) -> dict:
        d = {"command": "modes"}
        if self.recommendation is not None:
            d["recommendation"] = self.recommendation.to_dict()
        if self.advice is not None:
            d["advice"] = self.advice.to_dict()
        if self.sweep:
            d["sweep"] = [r.to_dict() for r in self.sweep]
        d["exit_code"] = self.exit_code
        return d
