"""Is f differentiable at x?  Compare its one-sided derivatives.

Along a direction d the right and left derivatives are

    f'_+ = lim_{h->0+} (f(x + h d) - f(x)) / h,   f'_- = lim_{h->0+} (f(x) - f(x - h d)) / h.

Where f is differentiable they agree; at a kink (|x| at 0, max(x, 0) at 0)
they do not.  A one-sided quotient has an expansion in every power of h,

    D_+(h) = f'_+ + a_1 h + a_2 h^2 + ...,   D_-(h) = f'_- - a_1 h + a_2 h^2 - ...,

so each side is Richardson-extrapolated with p = 1, 2, 3, ... at the steps
h_k = s·2^-k (s = max(|x_j|, 1)), which also gives an error estimate
(:func:`adcheck.methods.fd.extrapolate`; its ladder extends to smaller steps
while the best estimate sits at the smallest step, so a nearby but distinct
kink, a pole or a domain edge is resolved rather than mistaken for one here).

Verdict: output i has a kink along coordinate j when

    |f'_+ - f'_-| > err_+ + err_- + 1e-6·max(|f'_+|, |f'_-|, scale).

The relative slack keeps smooth functions from false alarms when an error
estimate is slightly optimistic; the price is that a jump in slope smaller
than a millionth of the slope itself is not reported.

Domain edges: steps at which f is not finite are dropped and the ladder
shrinks (down to about 5e-14·s).  If f is not finite on one side at every
step, that side is *undefined* (value nan, error inf): the point is on the
edge of f's domain (sqrt at 0).  That is reported through
``OneSided.left_defined`` / ``right_defined``, never as a kink.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..methods.fd import ONE_SIDED_POWERS, Counted, backward, extrapolate, forward, prepare

RELATIVE_SLACK = 1e-6


def relative_slack(dtype) -> float:
    """The relative slack for f computed in ``dtype``: 1e-6 for float64, ~3e-2 for float32.

    One-sided quotients of a function evaluated in low precision carry noise of
    order sqrt(eps) relative even after extrapolation (the steps cannot shrink
    below the noise); 100·sqrt(eps) keeps float32 code from false kinks and
    equals the float64 slack above.
    """
    eps = float(np.finfo(dtype).eps) if np.issubdtype(np.dtype(dtype), np.floating) else 2.0 ** -52
    return max(RELATIVE_SLACK, 100.0 * float(np.sqrt(eps)))


@dataclass(frozen=True)
class OneSided:
    """One-sided derivatives of every output along one coordinate or direction.

    left, right, left_err, right_err: (m,) arrays; a side where f is not
    finite at any step has value nan and error inf.
    """

    left: np.ndarray
    right: np.ndarray
    left_err: np.ndarray
    right_err: np.ndarray
    evaluations: int

    @property
    def left_defined(self) -> bool:
        return bool(np.all(np.isfinite(self.left_err)))

    @property
    def right_defined(self) -> bool:
        return bool(np.all(np.isfinite(self.right_err)))


@dataclass(frozen=True)
class Kink:
    """Output ``output`` has different one-sided derivatives along x[index]
    (``index`` is None for a check along a direction v)."""

    index: Optional[int]
    output: int
    left: float
    right: float
    left_err: float = 0.0
    right_err: float = 0.0

    def describe(self, names=None) -> str:
        where = "along v" if self.index is None else (
            f"in {names[self.index]}" if names else f"in x[{self.index}]")
        return (f"output {self.output} has a kink {where}: left derivative "
                f"{self.left:.6g} ± {self.left_err:.1g}, right derivative "
                f"{self.right:.6g} ± {self.right_err:.1g}")


def _sides(fc: Counted, f0, x, d, s, axis) -> OneSided:
    before = fc.calls
    right, right_err, _ = extrapolate(fc, f0, x, d, s, forward, ONE_SIDED_POWERS, axis=axis)
    left, left_err, _ = extrapolate(fc, f0, x, d, s, backward, ONE_SIDED_POWERS, axis=axis)
    return OneSided(left=left, right=right, left_err=left_err, right_err=right_err,
                    evaluations=fc.calls - before)


def _kinks(sides: OneSided, index, scale, rel_slack=RELATIVE_SLACK) -> list[Kink]:
    found = []
    for i in range(sides.left.size):
        lo, ro, le, re = sides.left[i], sides.right[i], sides.left_err[i], sides.right_err[i]
        if not (np.isfinite(le) and np.isfinite(re)):
            continue  # one side undefined: a domain edge, not a kink
        slack = rel_slack * max(abs(lo), abs(ro), scale)
        if abs(lo - ro) > le + re + slack:
            found.append(Kink(index, i, float(lo), float(ro), float(le), float(re)))
    return found


def _unit(n: int, j: int) -> np.ndarray:
    d = np.zeros(n)
    d[j] = 1.0
    return d


def one_sided(f, x, j: int) -> OneSided:
    """Left and right derivatives of flat f along coordinate j at flat x."""
    fc, x, f0 = prepare(f, x)
    sides = _sides(fc, f0, x, _unit(x.size, j), max(abs(x[j]), 1.0), j)
    return OneSided(sides.left, sides.right, sides.left_err, sides.right_err, fc.calls)


def check_differentiable(f, x, *, scale: Optional[float] = None, rel_slack: float = RELATIVE_SLACK) -> list[Kink]:
    """Every (coordinate j, output i) at which f has a kink at x (empty if none).

    scale: a derivative size below which slope jumps do not count (default 0).
    Costs about 2·28·n evaluations; see :func:`check_directional_kink` for large n.
    """
    fc, x, f0 = prepare(f, x)
    scale = 0.0 if scale is None else abs(float(scale))
    found = []
    for j in range(x.size):
        sides = _sides(fc, f0, x, _unit(x.size, j), max(abs(x[j]), 1.0), j)
        found += _kinks(sides, j, scale, rel_slack)
    return found


def check_directional_kink(f, x, v, *, scale: Optional[float] = None) -> list[Kink]:
    """Kinks of t -> f(x + t v) at t = 0 (Kink.index is None): one line, any n."""
    fc, x, f0 = prepare(f, x)
    v = np.array(v, dtype=np.float64).reshape(-1)
    vmax = float(np.max(np.abs(v)))
    if vmax == 0.0:
        return []
    s = max(float(np.max(np.abs(x))), 1.0) / vmax
    return _kinks(_sides(fc, f0, x, v, s, None), None, 0.0 if scale is None else abs(float(scale)))
