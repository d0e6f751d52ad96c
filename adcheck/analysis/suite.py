"""Running a whole check run: every CheckSpec at each of its points, one record per check.

Points of a check: its fixed points, then ``n_random`` points drawn uniformly
in its box by ``numpy.random.default_rng([seed, crc32(check name)])``, so a
check's points depend only on the seed and its name (not on which other
checks run); an hvp check without a declared ``v`` draws v ~ N(0, I) from
``default_rng([seed, crc32(name), 1])``.  The seed is recorded in every record:
``--seed S`` replays a run.  Each point is checked by
:mod:`adcheck.analysis.checks` (or ``check_rule``); the worst point wins
(mismatch > inconclusive > pass, then the largest error relative to its
allowance), and the record keeps that point.

Status and exit code of one check
    pass 0 · fail 1 · inconclusive 3 (a kink, FD did not converge) ·
    xfail 0 (expected to fail, and it did) · xpass 1 (expected to fail, and it
    passed) · error: it could not run: 2 for a bad declaration (no point, a
    malformed box), 3 when the user's code raised or timed out, 4 for a bug in
    adcheck.  An expected failure that is inconclusive or errors keeps that
    status: only a real mismatch confirms an expected failure.
Exit code of the run
    1 if any check failed or xpassed; else 4, 2, 3 in that order if any check
    has that code; else 0.  A run with no checks at all is exit 2 (nothing
    was checked: a wrong path should not pass CI).
Tolerance
    A check's own ``rtol``/``atol`` (ADCHECK_CHECKS) win over the run's
    (command line or ``[tool.adcheck]``); with neither, the tolerance model of
    :mod:`adcheck.analysis.checks` applies.
"""

from __future__ import annotations

import os
import sys
import time
import zlib
from contextlib import ExitStack, redirect_stdout
from dataclasses import dataclass, field, replace
from typing import Callable, Optional

import numpy as np

from adcheck.analysis.results import _num
from adcheck.analysis.suite_parts import flat_pair, point_dict, worst_text
from adcheck.errors import AdcheckError

__all__ = ["CheckRecord", "CheckRun", "run_checks", "STATUSES"]

STATUSES = ("pass", "fail", "inconclusive", "xfail", "xpass", "error")
DEFAULT_TIMEOUT = 120.0   # seconds per check (all its points); 0: no limit
_RANK = {1: 2, 3: 1, 0: 0}


@dataclass(frozen=True)
class CheckRecord:
    """The outcome of one check over all its points (see the module docstring)."""

    name: str
    file: str
    label: str
    kind: str
    status: str
    exit_code: int
    verdict: str
    points: int = 0
    max_abs_error: Optional[float] = None
    max_rel_error: Optional[float] = None
    worst_entry: str = ""
    tolerance: str = ""
    seconds: float = 0.0
    seed: int = 0
    expect: str = "pass"
    point: Optional[dict] = None       # the worst point, {input name: nested lists} (+ "v" for hvp)
    result: object = None              # the worst point's CheckResult / RuleReport
    traceback: str = ""                # the user's traceback, when their code raised

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in ("name", "file", "label", "kind", "status", "exit_code",
                                            "verdict", "points", "worst_entry", "tolerance",
                                            "seconds", "seed", "expect", "point")}
        d["check"] = d.pop("label")
        d["max_abs_error"], d["max_rel_error"] = _num(self.max_abs_error), _num(self.max_rel_error)
        d["detail"] = self.result.to_dict() if self.result is not None else None
        if self.traceback:
            d["traceback"] = self.traceback
        return d


@dataclass(frozen=True)
class CheckRun:
    """Every record of a run and the run's exit code."""

    results: tuple
    exit_code: int
    seed: int
    seconds: float = 0.0
    notes: tuple = ()
    settings: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    @property
    def counts(self) -> dict:
        return {s: sum(r.status == s for r in self.results) for s in STATUSES}

    def to_dict(self) -> dict:
        return {"command": "check", "seed": self.seed, "settings": dict(self.settings),
                "checks": [r.to_dict() for r in self.results], "counts": self.counts,
                "notes": list(self.notes), "seconds": self.seconds, "passed": self.passed,
                "exit_code": self.exit_code}


def run_checks(specs, *, rtol=None, atol=None, seed=None, full=False, progress: Optional[Callable] = None,
               honour_expect: bool = True, timeout: float = DEFAULT_TIMEOUT) -> CheckRun:
    """Run every spec; never prints.  ``progress(i, total, name)`` is called as check i starts
    (i = checks finished so far) and once at the end with ``(total, total, "")``.
    ``honour_expect=False`` treats every check as expected to pass (ADCHECK_EXPECT ignored)."""
    t0 = time.perf_counter()
    seed = 0 if seed is None else int(seed)
    specs = list(specs)
    records = []
    for i, spec in enumerate(specs):
        if progress is not None:
            progress(i, len(specs), spec.name)
        records.append(_run_one(spec, rtol, atol, seed, full, honour_expect, timeout))
    if progress is not None:
        progress(len(specs), len(specs), "")
    codes = {r.exit_code for r in records}
    code = next((c for c in (1, 4, 2, 3) if c in codes), 0) if records else 2
    notes = () if records else ("no checks found: name derivatives f_grad / f_jac / f_hvp, "
                                "or declare ADCHECK_CHECKS",)
    settings = {"rtol": rtol, "atol": atol, "full": bool(full), "honour_expect": honour_expect}
    return CheckRun(tuple(records), code, seed, time.perf_counter() - t0, notes, settings)


# ----- one check ------------------------------------------------------------------------

def _record(spec, seed, **kw) -> CheckRecord:
    return CheckRecord(name=spec.name, file=spec.file, label=spec.label, kind=spec.kind, seed=seed,
                       expect=spec.expect, **kw)


def _run_one(spec, rtol, atol, seed, full, honour_expect, timeout) -> CheckRecord:
    from adcheck.frontends.pyfile_call import time_limit

    t0 = time.perf_counter()
    expect = spec.expect if honour_expect else "pass"
    if spec.problem:
        return _record(spec, seed, status="error", exit_code=spec.problem_code, verdict=spec.problem,
                       traceback=spec.extra.get("traceback", ""))
    rtol = spec.rtol if spec.rtol is not None or spec.atol is not None else rtol
    atol = spec.atol if spec.rtol is not None or spec.atol is not None else atol
    points, v = _points(spec, seed)
    outcomes = []
    try:
        with ExitStack() as stack:
            stack.enter_context(redirect_stdout(sys.stderr))   # the user's prints never reach stdout
            stack.enter_context(time_limit(timeout, spec.name))
            for p in points:
                outcomes.append((_check_at(spec, p, v, rtol, atol, seed, full), p))
    except AdcheckError as exc:
        return _error(spec, seed, exc, exc.exit_code, exc.message, t0, len(points))
    except Exception as exc:   # the user's f or derivative raised (or a bug in adcheck)
        return _error(spec, seed, exc, None, None, t0, len(points))
    return _aggregate(spec, outcomes, v, expect, seed, time.perf_counter() - t0)


def _error(spec, seed, exc, code, message, t0, npoints) -> CheckRecord:
    from adcheck.frontends.pyfile_call import describe, user_frames, user_traceback

    frames = user_frames(exc.__traceback__, spec.folder) if spec.folder else []
    tb = getattr(exc, "user_traceback", "") or (user_traceback(exc, spec.folder) if frames else "")
    if code is None:
        code = 3 if frames else 4
        where = f" ({os.path.basename(frames[-1].filename)}:{frames[-1].lineno})" if frames else ""
        message = (f"{spec.label} raised {describe(exc)}{where}" if frames
                   else f"internal error: {describe(exc)}")
    return _record(spec, seed, status="error", exit_code=code, verdict=message, points=npoints,
                   seconds=time.perf_counter() - t0, traceback=tb)


def _points(spec, seed) -> tuple:
    """The fixed points, then the random ones; and the hvp direction (None unless hvp)."""
    points = list(spec.at)
    tag = zlib.crc32(spec.name.encode("utf-8"))
    if spec.box is not None and spec.n_random:
        rng = np.random.default_rng([seed, tag])
        lo, hi = spec.box
        for _ in range(spec.n_random):
            points.append(_split(rng.uniform(lo, hi), spec.shapes, spec.dtype))
    v = spec.v
    if spec.kind == "hvp" and v is None:
        rng = np.random.default_rng([seed, tag, 1])
        v = _split(rng.standard_normal(sum(int(np.prod(s)) for s in spec.shapes)), spec.shapes, spec.dtype)
    return points, v


def _split(flat, shapes, dtype) -> tuple:
    out, k = [], 0
    for s in shapes:
        size = int(np.prod(s))
        out.append(np.asarray(flat[k:k + size], dtype=dtype).reshape(s))
        k += size
    return tuple(out)


def _check_at(spec, point, v, rtol, atol, seed, full):
    from adcheck.analysis import checks

    framework = spec.extra.get("framework")
    if framework:
        return _framework_check(spec, point, v, rtol, atol, seed, full)
    if spec.kind == "rule":
        from adcheck.analysis.rules import check_rule
        return check_rule(spec.f, point[0] if len(point) == 1 else tuple(point), seed=seed, rtol=rtol, atol=atol)
    if spec.kind == "hvp":
        return checks.check_hvp(spec.f, spec.derivative, point[0], v[0], rtol=rtol, atol=atol, seed=seed,
                                name=spec.label)
    f, d, x = (spec.f, spec.derivative, point[0]) if len(point) == 1 else flat_pair(spec, point)
    check = checks.check_grad if spec.kind == "grad" else checks.check_jacobian
    return check(f, d, x, rtol=rtol, atol=atol, seed=seed, full=full, name=spec.label)


def _framework_check(spec, point, v, rtol, atol, seed, full):
    """The checks of torch / jax code (:mod:`adcheck.frameworks.checks`)."""
    from adcheck.analysis import checks
    from adcheck.frameworks import checks as fw

    framework, twin = spec.extra["framework"], spec.extra.get("twin")
    if spec.kind == "autograd":
        return fw.check_autograd(spec.f, point, framework=framework, twin=twin, rtol=rtol, atol=atol,
                                 seed=seed, full=full, name=spec.label, guessed=spec.extra.get("guessed", False))
    if spec.kind == "hessian":
        return fw.check_second(spec.f, point, framework=framework, rtol=rtol, atol=atol, seed=seed,
                               name=spec.label)
    if spec.kind == "rule":
        from adcheck.analysis.rules import check_rule
        return check_rule(fw.rule_adapter(spec.f, twin), point[0] if len(point) == 1 else tuple(point),
                          seed=seed, rtol=rtol, atol=atol)
    # a hand-written derivative of framework code: both called on NumPy arrays, converted back
    ad, user = fw.adapter(spec.f, framework), fw.adapter(spec.derivative, framework)
    no_ad = None if twin is not None else f"{spec.label} is {framework} code with no NumPy twin"
    if spec.kind == "hvp":
        return checks.check_hvp(fw.numpy_side(ad.value, spec.f), fw.numpy_side(user.call, spec.derivative),
                                point[0], v[0], rtol=rtol, atol=atol, seed=seed, name=spec.label,
                                grad=lambda x: ad.gradient([x]), no_ad="the reference is FD of "
                                f"{framework}'s own gradient")
    numpy_spec = replace(spec, f=fw.numpy_side(ad.value, spec.f),
                         derivative=fw.numpy_side(user.call, spec.derivative))
    f, d, x = (numpy_spec.f, numpy_spec.derivative, point[0]) if len(point) == 1 else flat_pair(numpy_spec, point)
    ad_f = None
    if twin is not None:
        ad_f = twin if len(point) == 1 else flat_pair(replace(spec, f=twin, derivative=twin), point)[0]
    check = checks.check_grad if spec.kind == "grad" else checks.check_jacobian
    return check(f, d, x, rtol=rtol, atol=atol, seed=seed, full=full, name=spec.label, ad_f=ad_f, no_ad=no_ad)


def _ratio(result) -> float:
    """How far beyond its allowance the worst number of a result is (for choosing the worst point)."""
    if hasattr(result, "checks"):
        return max([c.max_error / c.allowed for c in result.checks
                    if c.max_error is not None and c.allowed], default=0.0)
    w = result.worst
    if w is None:
        return float("inf") if not result.passed else 0.0
    ref = w.ad if w.ad is not None else w.fd
    return abs(w.user - ref) / max(w.allowed, 1e-300) if ref is not None else float("inf")


def _aggregate(spec, outcomes, v, expect, seed, seconds) -> CheckRecord:
    ranked = [(_RANK.get(r.exit_code, 1), _ratio(r), k) for k, (r, _) in enumerate(outcomes)]
    k = max(ranked)[2]
    result, point = outcomes[k]
    code = result.exit_code
    if code == 0:
        status, exit_code = ("xpass", 1) if expect == "fail" else ("pass", 0)
    elif code == 1:
        status, exit_code = ("xfail", 0) if expect == "fail" else ("fail", 1)
    else:
        status, exit_code = "inconclusive", 3
    text, entry, tol, abs_err, rel_err = worst_text(spec, result)
    if hasattr(result, "checks"):
        abs_all = [abs_err] if abs_err is not None else []
        rel_all = []
    else:
        abs_all = [r.max_abs_error for r, _ in outcomes if r.max_abs_error is not None]
        rel_all = [r.max_rel_error for r, _ in outcomes if r.max_rel_error is not None]
    if len(outcomes) > 1:
        text += f" (worst of {len(outcomes)} points: point {k + 1})"
    if status == "xfail":
        text = f"fails as expected (ADCHECK_EXPECT): {text}"
    elif status == "xpass":
        text = f"expected to fail (ADCHECK_EXPECT) but passed: {text}"
    where = point_dict(spec, point, v)
    return _record(spec, seed, status=status, exit_code=exit_code, verdict=text, points=len(outcomes),
                   max_abs_error=max(abs_all, default=None), max_rel_error=max(rel_all, default=None),
                   worst_entry=entry, tolerance=tol, seconds=seconds, point=where, result=result)
