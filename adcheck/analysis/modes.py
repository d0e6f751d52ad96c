"""Forward or reverse mode for a full Jacobian?  Count passes, time them, recommend.

For f: Rⁿ → Rᵐ the Jacobian J is m×n.  A JVP (forward mode) gives one column
J·v, a VJP (reverse mode) one row uᵀJ.  Cost model, in units of one
evaluation of f (cost(f) = t_f seconds):

    JVP ≈ c_f · cost(f),  c_f ≈ 1–3   (every op also pushes a tangent)
    VJP ≈ c_r · cost(f),  c_r ≈ 2–5   (trace onto a tape, then walk it backwards;
                                        the tape holds every intermediate: memory)
    full J forward ≈ n · JVP          (n columns; or ONE batched pass carrying n
                                        tangents, cost t₁ + (n − 1)·δ, where δ is
                                        the extra cost of one more tangent)
    full J reverse ≈ trace + m · backward   (m rows from one tape)

so reverse wins when m ≪ n (a scalar loss of many parameters), forward when
n ≪ m; near n ≈ m the constants decide, and those are measured here.
Batching amortises the per-operation overhead of an interpreted tracer over
all n tangents, which favours forward mode more than the arithmetic count
says: with adcheck's Python tracers one batched pass usually beats m
backward passes already at n ≈ m (see :func:`adcheck.analysis.modes_sweep.sweep`).

:func:`recommend` times f, one JVP, a batched probe, one VJP and one backward
at target.x0, predicts both full Jacobians, times them too (unless n·m >
MAX_MEASURED_ENTRIES or the prediction exceeds MEASURE_BUDGET) and picks the
faster, measured over predicted; within TIE the shape decides (forward iff
n ≤ m).  :func:`explain_shape`: the model alone; :mod:`adcheck.analysis.modes_sweep`: the crossover table.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, replace
from typing import Callable, Optional

import numpy as np

from adcheck.errors import BadInputError, MethodError
from adcheck.methods import forward, reverse
from adcheck.methods.dispatch import concrete

TYPICAL_C_FORWARD = 2.0       # JVP / f, typical
TYPICAL_C_REVERSE = 3.0       # VJP / f, typical
MAX_MEASURED_ENTRIES = 100_000
MEASURE_BUDGET = 2.0          # s: a full Jacobian predicted slower than this is not timed
TIMING_BUDGET = 0.3           # s spent on repeats of one full-Jacobian timing
PROBE_TANGENTS = 16           # tangents in the batched probe pass
TIE = 0.10                    # relative difference below which the shape decides


@dataclass(frozen=True)
class ModeCost:
    """What one mode costs for f's full Jacobian at x0.

    passes x tangents_per_pass: forward 1 x n (batched), reverse m x 1;
    unbatched_passes: n one-tangent JVPs / m VJPs.
    pass_seconds: one JVP (k = 1) / one VJP (trace + one backward).
    step_seconds: forward, each extra tangent in a batch (δ); reverse, one backward alone.
    c: pass_seconds / f_seconds, the measured constant of the cost model.
    predicted_seconds: t₁ + (n−1)·δ forward, VJP + (m−1)·backward reverse;
    predicted_unbatched_seconds: n·JVP / m·VJP.
    measured_seconds: forward.jacobian / reverse.jacobian timed (None when skipped).
    error: why this mode cannot run on f (then every number is None).
    """

    mode: str
    passes: int
    tangents_per_pass: int
    unbatched_passes: int
    pass_seconds: Optional[float] = None
    step_seconds: Optional[float] = None
    c: Optional[float] = None
    predicted_seconds: Optional[float] = None
    predicted_unbatched_seconds: Optional[float] = None
    measured_seconds: Optional[float] = None
    error: Optional[str] = None

    @property
    def seconds(self) -> Optional[float]:
        """The full Jacobian: measured when timed, else predicted."""
        return self.predicted_seconds if self.measured_seconds is None else self.measured_seconds


@dataclass(frozen=True)
class Recommendation:
    """Forward or reverse for f's full Jacobian at x0, with the numbers behind it.

    mode, passes (of that mode), reason (one sentence with the numbers);
    f_seconds: one evaluation of f; forward / reverse: each mode's costs;
    basis: "measured" or "predicted", the pair of full-Jacobian times that decided.
    target: what f is called in reports (the target's text or name).
    """

    mode: str
    passes: int
    reason: str
    n: int
    m: int
    f_seconds: float
    forward: ModeCost
    reverse: ModeCost
    basis: str
    notes: tuple = ()
    target: str = ""

    def to_dict(self) -> dict:
        return _json(self)


@dataclass(frozen=True)
class ShapeAdvice:
    """The cost model alone for an n-input, m-output f (no function, no timing).

    forward_cost / reverse_cost are in evaluations of f: c_forward·n and c_reverse·m.
    """

    n: int
    m: int
    mode: str
    passes: int
    forward_passes: int
    forward_tangents: int
    forward_unbatched_passes: int
    reverse_passes: int
    c_forward: float
    c_reverse: float
    forward_cost: float
    reverse_cost: float
    reason: str
    explanation: tuple = ()

    def to_dict(self) -> dict:
        return _json(self)


def recommend(target, *, repeats: int = 5) -> Recommendation:
    """Time f, one JVP, one VJP and the full Jacobians at target.x0; choose a mode.

    A mode that cannot trace f (MethodError) loses; when neither can, the
    forward mode's error is raised.
    """
    n, m, x, f = target.n, target.m, np.array(target.x0), target.f
    t_f = _timed(lambda: f(x), repeats)
    (fwd, fwd_exc), (rev, rev_exc) = _forward_cost(f, x, n, repeats), _reverse_cost(f, x, m, repeats)
    if fwd_exc and rev_exc:
        raise fwd_exc
    fwd, rev = (replace(c, c=None if c.error or not t_f else c.pass_seconds / t_f) for c in (fwd, rev))
    notes = []
    if not (fwd.error or rev.error):
        skip = _skip_reason(n * m, fwd, rev)
        if skip:
            notes.append(f"full Jacobians not timed: {skip}; the prediction decides")
        else:
            t_fwd = _timed(lambda: forward.jacobian(f, x), repeats, TIMING_BUDGET)
            t_rev = _timed(lambda: reverse.jacobian(f, x), repeats, TIMING_BUDGET)
            fwd, rev = replace(fwd, measured_seconds=t_fwd), replace(rev, measured_seconds=t_rev)
    basis = "measured" if fwd.measured_seconds is not None else "predicted"
    mode, tie = _choose(n, m, fwd, rev)
    return Recommendation(mode=mode, passes=fwd.passes if mode == "forward" else rev.passes,
                          reason=_reason(n, m, mode, fwd, rev, basis, tie), n=n, m=m,
                          f_seconds=t_f, forward=fwd, reverse=rev, basis=basis, notes=tuple(notes),
                          target=target.text or target.name)


def explain_shape(n: int, m: int, *, c_forward: float = TYPICAL_C_FORWARD,
                  c_reverse: float = TYPICAL_C_REVERSE) -> ShapeAdvice:
    """Passes and the cost-model choice for f: Rⁿ → Rᵐ: reverse iff c_r·m < c_f·n."""
    if not all(isinstance(v, (int, np.integer)) and v >= 1 for v in (n, m)):
        raise BadInputError(f"a shape needs two positive integers N,M (got {n!r}, {m!r})")
    n, m = int(n), int(m)
    cost_f, cost_r = c_forward * n, c_reverse * m
    mode = "reverse" if cost_r < cost_f else "forward"
    batched = f" (or 1 batched pass of {n} tangents)" if n > 1 else ""
    clauses = {"forward": f"{_plural(n, 'JVP')}{batched}, about {cost_f:g} f-evaluations",
               "reverse": f"{_plural(m, 'backward pass', 'backward passes')}, about {cost_r:g} f-evaluations"}
    other = "forward" if mode == "reverse" else "reverse"
    reason = f"{_shape_text(n, m)}: {mode} needs {clauses[mode]} vs {other} {clauses[other]}."
    explanation = (
        f"Forward mode pushes tangents: each JVP gives one column of the {m}x{n} Jacobian and costs"
        f" about c_f = {c_forward:g} evaluations of f (typically 1-3).",
        f"Reverse mode records f on a tape and pulls cotangents back: each backward pass gives one row;"
        f" a VJP costs about c_r = {c_reverse:g} evaluations of f (typically 2-5) plus tape memory.",
        "Reverse wins when m << n (a scalar loss: one pass whatever n is), forward when n << m;"
        " near n = m the constants decide, and batching the n tangents into one pass (the"
        " per-operation overhead paid once) favours forward further.",
        "Measure them on your function: adcheck modes TARGET --at POINT.")
    return ShapeAdvice(n=n, m=m, mode=mode, passes=1 if mode == "forward" else m,
                       forward_passes=1, forward_tangents=n, forward_unbatched_passes=n,
                       reverse_passes=m, c_forward=c_forward, c_reverse=c_reverse,
                       forward_cost=cost_f, reverse_cost=cost_r, reason=reason,
                       explanation=explanation)


def _timed(fn: Callable, repeats: int, budget: float = 0.25) -> float:
    """Min wall time of one fn() over ≤ ``repeats`` runs after a warm-up (a slow warm-up is
    the measurement); calls under 0.1 ms are looped; stops once ``budget`` s are spent."""
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    if first >= budget:
        return first
    number = 1 if first >= 1e-4 else min(1000, math.ceil(1e-4 / max(first, 1e-7)))
    best, spent = math.inf, first
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - start
        best, spent = min(best, elapsed / number), spent + elapsed
        if spent >= budget:
            break
    return best


def _forward_cost(f, x, n: int, repeats: int) -> tuple[ModeCost, Optional[MethodError]]:
    """One JVP, a batched probe of k ≤ PROBE_TANGENTS, and t₁ + (n−1)·δ for the full pass."""
    cost = ModeCost("forward", passes=1, tangents_per_pass=n, unbatched_passes=n)
    k = min(n, PROBE_TANGENTS)
    seeds = np.eye(k, n).reshape((k,) + x.shape)
    try:
        one = _timed(lambda: forward.jvp_batch(f, x, seeds[:1]), repeats)
        probe = _timed(lambda: forward.jvp_batch(f, x, seeds), repeats) if k > 1 else one
    except MethodError as exc:
        return replace(cost, error=str(exc)), exc
    delta = max(0.0, (probe - one) / (k - 1)) if k > 1 else 0.0
    return replace(cost, pass_seconds=one, step_seconds=delta, predicted_seconds=one + (n - 1) * delta,
                   predicted_unbatched_seconds=n * one), None


def _reverse_cost(f, x, m: int, repeats: int) -> tuple[ModeCost, Optional[MethodError]]:
    """One VJP (trace + backward), one backward alone, and VJP + (m−1) backward passes."""
    cost = ModeCost("reverse", passes=m, tangents_per_pass=1, unbatched_passes=m)
    try:
        y, pull = reverse.vjp(f, x)
        y = np.asarray(concrete(y))
        seed = np.eye(1, y.size).reshape(y.shape)
        one = _timed(lambda: reverse.vjp(f, x)[1](seed), repeats)
        back = _timed(lambda: pull(seed), repeats)
    except MethodError as exc:
        return replace(cost, error=str(exc)), exc
    return replace(cost, pass_seconds=one, step_seconds=back, predicted_seconds=one + (m - 1) * back,
                   predicted_unbatched_seconds=m * one), None


def _skip_reason(entries: int, fwd: ModeCost, rev: ModeCost) -> Optional[str]:
    if entries > MAX_MEASURED_ENTRIES:
        return f"n*m = {entries} entries > {MAX_MEASURED_ENTRIES}"
    if max(fwd.predicted_seconds, rev.predicted_seconds) > MEASURE_BUDGET:
        return f"predicted to take over {MEASURE_BUDGET:g} s"
    return None


# ---- the choice and its sentence -------------------------------------------------

def _choose(n: int, m: int, fwd: ModeCost, rev: ModeCost) -> tuple[str, bool]:
    """The faster mode, and whether it was a tie (then forward iff n ≤ m)."""
    if fwd.error or rev.error:
        return ("reverse" if fwd.error else "forward"), False
    t_fwd, t_rev = fwd.seconds, rev.seconds
    if abs(t_fwd - t_rev) <= TIE * max(t_fwd, t_rev):
        return ("forward" if n <= m else "reverse"), True
    return ("forward" if t_fwd < t_rev else "reverse"), False


def _reason(n, m, mode, fwd: ModeCost, rev: ModeCost, basis: str, tie: bool) -> str:
    clauses = {"forward": f"1 batched pass of {_plural(n, 'tangent')}",
               "reverse": _plural(m, "backward pass", "backward passes")}
    other = "reverse" if mode == "forward" else "forward"
    failed = fwd.error or rev.error
    if failed:
        return f"{_shape_text(n, m)}: {mode} needs {clauses[mode]}; {other} mode cannot run here ({failed})."
    seconds = {"forward": fwd.seconds, "reverse": rev.seconds}
    for k in clauses:
        clauses[k] += f" ({_duration(seconds[k])})"
    if tie:
        tail = f"{basis}, within {TIE:.0%} of each other, so the shape decides"
    else:
        fast, slow = seconds[mode], seconds[other]
        tail = f"{basis}, {mode} is {slow / fast if fast > 0 else math.inf:.3g}x faster"
    return f"{_shape_text(n, m)}: {mode} needs {clauses[mode]} vs {other} {clauses[other]}, {tail}."


def _shape_text(n: int, m: int) -> str:
    return f"n = {_plural(n, 'input')}, m = {_plural(m, 'output')}"


def _plural(k: int, word: str, words: Optional[str] = None) -> str:
    return f"{k} {word if k == 1 else (words or word + 's')}"


def _duration(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.3g} µs"
    return f"{s * 1e3:.3g} ms" if s < 1 else f"{s:.3g} s"


def _json(record) -> dict:
    """asdict with tuples as lists and non-finite floats as None."""
    def clean(v):
        if isinstance(v, float):
            return v if math.isfinite(v) else None
        if isinstance(v, dict):
            return {k: clean(e) for k, e in v.items()}
        if isinstance(v, (tuple, list)):
            return [clean(e) for e in v]
        return v
    return clean(asdict(record))
