"""Steps for fd-forward and fd-central: the default step, one refinement, the sweep.

Notation as in :mod:`adcheck.methods.fd`: s_j = max(|x_j|, 1), D(h) the
quotient with step h, C = NOISE_ULPS.

Default steps: sqrt(eps)·s_j (forward) and cbrt(eps)·s_j (central) balance
truncation against round-off when f varies on the length scale s_j.  When
it varies on a shorter one (sin(100x) at 0.01: scale 0.01, not 1) or x_j
lies near a pole or domain edge (1/x at 1e-3: h = 6e-6 is not small against
x), truncation dominates: central errors of 6e-8 and 4e-5 relative.

Refinement, one round per column.  At the step h, two_steps measures the
truncation T (from the comparison with 2h, as err_est counts it) and the
round-off model R = C·eps·size/h (size as in fd; the empirical noise sample
is left out: at such steps it also holds h^2 f''' or h^3 f''''/4 truncation,
which does not grow as h shrinks).  Moving to a step h', the error model is

    forward   T·(h'/h)   + R·(h/h'),   least at h' = h·sqrt(R/T)
    central   T·(h'/h)^2 + R·(h/h'),   least at h' = h·(R/(2T))^(1/3)

If T > BALANCE·R for some output, h' is the optimum of the output that
wants the smallest step, clamped to [h/MAX_SHRINK, h] and made exact; the
formula is rerun at h' with its own 2h' truncation, noise sample and
err_est, and each output keeps whichever estimate has the smaller err_est,
so refinement never loosens the bound.  h' is never larger than h: a larger
step helps only when round-off dominates, and T measured at h says nothing
of f further out, where a pole or domain edge may lie.  The clamp limits the
damage when T misleads, e.g. at a step outside the asymptotic range (sqrt
near 0), where D(2h) - D(h) does not scale as h^p.  One round, because when
T scales as assumed h' sits at the balance (T' ~ R', far below the BALANCE
trigger, so a second round would not start), and when it does not,
iterating would chase an unreliable model; the cost stays known: 3
(forward) or 4 (central) more evaluations per refined column.  An explicit step from the caller is used
as given.  R holds the allowance s_j·|D| for cancelling terms, so where f
has none and s_j = 1 is far above |x_j| (sqrt at 1e-6) R is pessimistic and
h' larger than the truly best step; that h' still minimises err_est.

Step sweep: for each step h (default 1e-1, 1e-2, ..., 1e-14, each made
exact) and the exact halvings h/2, h/4, with D(t) the quotient at step t:

    fd-forward     D_fw(h),  err_est = 2|D_fw(h) - D_fw(h/2)| + R_fw(h/2)
    fd-central     D_c(h),   err_est = 2|D_c(h) - D_c(h/2)| + R_c(h/4)
    fd-richardson  two levels of Richardson on D_c(h), D_c(h/2), D_c(h/4):
                   r1(t) = D_c(t/2) + (D_c(t/2) - D_c(t)) / 3     (h^2 removed)
                   r2 = r1(h/2) + (r1(h/2) - r1(h)) / 15         (h^4 removed)
                   err_est = |r2 - r1(h/2)| + 2 R_c(h/4)

each plus eps·|D|.  Forward truncation is linear in h, so D(h) - D(h/2) is
half the error of D(h): twice it is the error itself.  Central truncation
is quadratic: D(h) - D(h/2) is 3/4 of the error, and twice it a 1.5x margin.
R is the round-off model at the smallest step used, where it is largest.
Large h shows truncation (the right arm of the V), small h round-off (the
left arm); the bottom is near the default steps, reported as optimal_h.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..errors import DomainError
from .fd import EPS, central, exact_step, forward, point_text, prepare, quotient

BALANCE = 10.0  # refine when truncation exceeds round-off by this factor
MAX_SHRINK = 1e4  # the refined step is at least h / MAX_SHRINK
_BASE = {"fd-forward": float(np.sqrt(EPS)), "fd-central": float(np.cbrt(EPS))}


def default_step(x_j: float, scheme: str) -> float:
    """sqrt(eps)·s_j for fd-forward, cbrt(eps)·s_j for fd-central."""
    return _BASE[scheme] * max(abs(x_j), 1.0)


def two_steps(fc, f0, x, d, s, scheme, axis, h):
    """forward/central at h and 2h plus a noise sample; shrink h while f is not finite.

    Returns (value, err_est, step, truncation, round-off model), arrays (m,) but step.
    """
    one_sided = scheme == "fd-forward"
    formula = forward if one_sided else central
    for _ in range(5):
        t1, t2, t3 = (k * h if axis is None else exact_step(x[axis], k * h) for k in (1, 2, 3))
        d1, n1 = quotient(fc, f0, x, d, t1, formula, s)
        d2, n2 = quotient(fc, f0, x, d, t2, formula, s)
        with np.errstate(all="ignore"):
            if one_sided:
                y1, y2, y3 = (fc(x + t * d) for t in (t1, t2, t3))
                sample = np.abs(y3 - 3 * y2 + 3 * y1 - f0) / t1
            else:
                near, far = fc(x + t1 * d) + fc(x - t1 * d), fc(x + t2 * d) + fc(x - t2 * d)
                sample = np.abs(far - 4 * near + 6 * f0) / (4 * t1)
        if all(np.all(np.isfinite(a)) for a in (d1, d2, sample)):
            trunc, model = np.abs(d2 - d1) * (2.0 if one_sided else 1.0), np.maximum(n1, n2)
            return d1, trunc + np.maximum(model, sample) + EPS * np.abs(d1), t1, trunc, model
        h /= 16.0
    raise DomainError(f"f is not finite near {point_text(axis, t1)} (nor at 4 larger steps)",
                      hint="the point may be at the edge of f's domain")


def balanced_step(h: float, trunc, noise, one_sided: bool) -> Optional[float]:
    """The step in [h / MAX_SHRINK, h] that balances truncation against round-off
    for the output wanting the smallest one; None if truncation nowhere dominates."""
    big = trunc > BALANCE * noise
    if not np.any(big):
        return None
    r = noise[big] / trunc[big]
    ratio = np.sqrt(r) if one_sided else np.cbrt(r / 2.0)
    return h * max(float(np.min(ratio)), 1.0 / MAX_SHRINK)


def fixed_step(fc, f0, x, d, s, scheme, axis, h=None):
    """fd-forward/fd-central along d: (value, err_est, step).

    h None: the default step _BASE·s, refined once as the module docstring
    says; the step reported is the one the largest |value| uses.
    """
    # the base step balances truncation against the round-off of f's own precision
    # (fc.eps: float32 code needs sqrt(eps32)-sized steps, not sqrt(eps64))
    base = _BASE[scheme] * (fc.eps / EPS) ** (0.5 if scheme == "fd-forward" else 1.0 / 3.0)
    first = base * s if h is None else h
    v, e, t, trunc, noise = two_steps(fc, f0, x, d, s, scheme, axis, first)
    h2 = None if h is not None else balanced_step(t, trunc, noise, scheme == "fd-forward")
    if h2 is None:
        return v, e, t
    try:
        v2, e2, t2, _, _ = two_steps(fc, f0, x, d, s, scheme, axis, h2)
    except DomainError:  # f is not finite somewhere inside the first step: keep it
        return v, e, t
    keep = e2 < e
    v, e = np.where(keep, v2, v), np.where(keep, e2, e)
    return v, e, t2 if keep[np.argmax(np.abs(v))] else t


# ---- step sweep ---------------------------------------------------------------------

SWEEP_SCHEMES = ("fd-forward", "fd-central", "fd-richardson")


@dataclass(frozen=True)
class StepSweep:
    """df/dx_j over a range of steps.

    values, err_est, abs_error: scheme -> (len(hs), m) arrays (abs_error only
    when the exact derivative was given).  best_h: scheme -> step with the
    smallest error (true if known, else estimated) over the worst output.
    optimal_h: the theoretical steps for fd-forward and fd-central.
    """

    j: int
    x_j: float
    hs: np.ndarray
    values: dict
    err_est: dict
    abs_error: Optional[dict]
    best_h: dict
    optimal_h: dict
    evaluations: int

    def rows_for(self, i: int = 0) -> list[dict]:
        """Per step, plain floats for output i: h, each scheme's value, err_est, error."""
        rows = []
        for r, h in enumerate(self.hs):
            row = {"h": float(h)}
            for sch in SWEEP_SCHEMES:
                row[sch] = float(self.values[sch][r, i])
                row[f"{sch} err_est"] = float(self.err_est[sch][r, i])
                if self.abs_error is not None:
                    row[f"{sch} error"] = float(self.abs_error[sch][r, i])
            rows.append(row)
        return rows

    @property
    def rows(self) -> list[dict]:
        return self.rows_for(0)


def step_sweep(f, x, j: int = 0, exact=None, hs=None) -> StepSweep:
    """Forward, central and Richardson (from h, h/2, h/4) estimates of df/dx_j
    for h in hs (default 1e-1 ... 1e-14), each made exact."""
    fc, x, f0 = prepare(f, x)
    hs = 10.0 ** -np.arange(1, 15) if hs is None else np.asarray(hs, dtype=float).reshape(-1)
    d, s = np.zeros(x.size), max(abs(x[j]), 1.0)
    d[j] = 1.0
    vals, errs = {k: [] for k in SWEEP_SCHEMES}, {k: [] for k in SWEEP_SCHEMES}
    used = np.array([exact_step(x[j], h) for h in hs])
    for t0 in used:
        ts = [exact_step(x[j], t0 / 2.0 ** k) for k in range(3)]
        (fw0, _), (fw1, nf) = (quotient(fc, f0, x, d, t, forward, s) for t in ts[:2])
        (c0, _), (c1, _), (c2, nc) = (quotient(fc, f0, x, d, t, central, s) for t in ts)
        r1 = c2 + (c2 - c1) / 3.0
        r2 = r1 + (r1 - (c1 + (c1 - c0) / 3.0)) / 15.0
        for k, val, err in (("fd-forward", fw0, 2 * abs(fw0 - fw1) + nf),
                            ("fd-central", c0, 2 * abs(c0 - c1) + nc),
                            ("fd-richardson", r2, abs(r2 - r1) + 2 * nc)):
            vals[k].append(val)
            errs[k].append(err + EPS * np.abs(val))
    vals = {k: np.array(v) for k, v in vals.items()}
    errs = {k: np.array(v) for k, v in errs.items()}
    abs_error = None
    if exact is not None:
        exact = np.asarray(exact, dtype=float).reshape(-1)
        abs_error = {k: np.abs(v - exact) for k, v in vals.items()}
    judge = errs if abs_error is None else abs_error
    best = {k: float(used[np.nanargmin(np.max(judge[k], axis=1))]) for k in SWEEP_SCHEMES}
    optimal = {k: default_step(x[j], k) for k in ("fd-forward", "fd-central")}
    return StepSweep(j=j, x_j=float(x[j]), hs=used, values=vals, err_est=errs,
                     abs_error=abs_error, best_h=best, optimal_h=optimal,
                     evaluations=fc.calls)
