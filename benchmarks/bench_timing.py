"""Interleaved timing: every case of one workload is measured in the same rounds.

Protocol (per workload instance)
    1. warm-up: each case runs once (JIT compilation, caches); that time is
       kept as ``first``; a case whose first call alone exceeds ``case_budget``
       keeps that call as its only sample;
    2. calibration on warm calls: each case gets ``loops`` calls per sample so
       one sample lasts at least ``min_sample`` seconds;
    3. rounds: round r runs every case once (one sample each), starting at
       case r mod k, so slow drift and machine noise fall on all cases alike;
       a case whose single call is slow gets fewer rounds, so that it costs at
       most about ``case_budget`` seconds (never fewer than one);
    4. the statistic is the median of the per-call times over the rounds.

The harness never asserts anything about timings; a case that raises is
recorded with its error and left out of later rounds.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable, Optional


@dataclass
class Settings:
    rounds: int = 7
    min_sample: float = 0.02
    case_budget: float = 4.0
    max_loops: int = 2000


@dataclass
class Stats:
    """Per-call times of one case, in seconds."""

    median: float = math.nan
    q1: float = math.nan
    q3: float = math.nan
    first: float = math.nan
    loops: int = 0
    rounds: int = 0
    error: Optional[str] = None
    samples: list = field(default_factory=list)

    @property
    def ok(self):
        return self.error is None and self.rounds > 0

    @property
    def spread(self):
        """Interquartile range relative to the median."""
        return (self.q3 - self.q1) / self.median if self.ok and self.median > 0 else math.nan


def _call_time(fn, loops):
    gc_was = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        for _ in range(loops):
            fn()
        return (time.perf_counter() - t0) / loops
    finally:
        if gc_was:
            gc.enable()


def _error_text(exc):
    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return text[:160]


def measure(cases: dict[str, Callable[[], object]], settings: Settings) -> dict[str, Stats]:
    """Time every case in ``cases`` with interleaved rounds (see module docstring)."""
    stats = {name: Stats() for name in cases}
    wanted = {}
    for name, fn in cases.items():
        st = stats[name]
        try:
            st.first = _call_time(fn, 1)
            if st.first >= settings.case_budget:
                # one call costs the whole budget: the warm-up is the only sample
                st.samples.append(st.first)
                st.loops, wanted[name] = 1, 1
                continue
            # warm calls (the first may have compiled or filled caches); the least of three, so one
            # preemption by another process does not shrink the loop count
            once = _call_time(fn, 1)
            if once < settings.case_budget / 20:
                once = min(once, _call_time(fn, 1), _call_time(fn, 1))
            if once < settings.min_sample / 10:
                once = _call_time(fn, 10)
        except Exception as exc:  # a peer failing on a workload is a result, not a crash
            st.error = _error_text(exc)
            continue
        st.loops = max(1, min(settings.max_loops, math.ceil(settings.min_sample / max(once, 1e-9))))
        per_sample = once * st.loops
        wanted[name] = max(1, min(settings.rounds, int(settings.case_budget / max(per_sample, 1e-9))))
    names = [n for n in cases if n in wanted]
    for r in range(settings.rounds):
        gc.collect()
        k = len(names)
        for j in range(k):
            name = names[(r + j) % k] if k else None
            st = stats[name]
            if st.error is not None or len(st.samples) >= wanted[name]:
                continue
            try:
                st.samples.append(_call_time(cases[name], st.loops))
            except Exception as exc:
                st.error = _error_text(exc)
    for st in stats.values():
        if st.samples and st.error is None:
            st.rounds = len(st.samples)
            st.median = statistics.median(st.samples)
            if len(st.samples) >= 4:
                qs = statistics.quantiles(st.samples, n=4)
                st.q1, st.q3 = qs[0], qs[2]
            else:
                st.q1, st.q3 = min(st.samples), max(st.samples)
    return stats


def wall_times(commands: dict[str, list], runs: int, timeout: float = 120.0) -> dict[str, Stats]:
    """Whole-process wall time of each command, ``runs`` times, interleaved; median per command."""
    import subprocess

    stats = {name: Stats() for name in commands}
    for r in range(runs):
        names = list(commands)
        names = names[r % len(names):] + names[: r % len(names)]
        for name in names:
            st = stats[name]
            if st.error is not None:
                continue
            t0 = time.perf_counter()
            try:
                proc = subprocess.run(commands[name], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      timeout=timeout, stdin=subprocess.DEVNULL)
            except (OSError, subprocess.TimeoutExpired) as exc:
                st.error = _error_text(exc)
                continue
            dt = time.perf_counter() - t0
            if proc.returncode != 0:
                st.error = f"exit {proc.returncode}: " + proc.stderr.decode(errors="replace").strip()[-160:]
                continue
            st.samples.append(dt)
    for st in stats.values():
        if st.samples and st.error is None:
            st.rounds, st.loops = len(st.samples), 1
            st.median = statistics.median(st.samples)
            st.q1, st.q3 = min(st.samples), max(st.samples)
            st.first = st.samples[0]
    return stats
