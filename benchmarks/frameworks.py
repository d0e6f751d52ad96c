"""Checkers of torch and jax gradients on the same functions: adcheck vs torch.autograd.gradcheck vs jax's check_grads.

    python benchmarks/frameworks.py            # full run (< 15 min on 2 cores) -> benchmarks/FRAMEWORKS.md
    python benchmarks/frameworks.py --quick    # n = 100 and 1000, one repetition -> FRAMEWORKS-quick.md

Every case is written twice, once as torch code and once as jax code, with the
same formula, the same point and the same planted bug:

  correct   a fused loss sum(c·x⁴) + sum(x·sin x) as ONE torch.autograd.Function /
            jax.custom_vjp whose hand-written backward is right;
  wrong1    the same backward with one gradient entry (the entry of median |g_i|)
            scaled by 1 + 1e-3 (float64) or 1 + 3e-2 (float32);
  nograd    a stable softplus Function / custom_vjp whose backward returns
            sigmoid(x) instead of grad_output·sigmoid(x), used as
            sum(softplus(x)²), so the incoming gradient is not all ones;
  kink      correct code, sum(relu(x)) + ½·sum(c·x²), at a point with one
            coordinate exactly 0 (the right verdict is "inconclusive"; a pass is
            acceptable, a failure is a false alarm).

Tools, each with its own defaults: adcheck's check_autograd (on the torch
version and on the jax version of each function), torch.autograd.gradcheck
(full mode and fast_mode=True), jax.test_util.check_grads(order=1,
modes=["rev"]).  The float64 jax rows run inside jax.enable_x64(True); the
float32 rows with jax's default 32-bit mode.  Every library runs on one thread
(see bench_machine.limit_threads).  Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import bench_machine  # noqa: E402

FULL_SIZES = (100, 1_000, 10_000, 100_000, 1_000_000)
QUICK_SIZES = (100, 1_000)
WRONG_REL = {"float64": 1e-3, "float32": 3e-2}
CALL_LIMIT = 60.0          # gradcheck is skipped at a size where one call is predicted to exceed this
HARD_LIMIT = 120.0         # any call still running after this is stopped (SIGALRM) and the cell left empty
LONG_CALL = 5.0            # a first call at least this long is the only timed call


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ----- the functions, once per framework ------------------------------------------------------

def point(n, dtype, kink=False):
    """The point of every case: uniform in [-1.2, 1.2], seeded by n; for the kink, x[n // 3] = 0 exactly."""
    x = np.random.default_rng(n).uniform(-1.2, 1.2, n)
    if kink:
        x[n // 3] = 0.0
    return x.astype(dtype)


def quartic_grad_np(x):
    x = np.asarray(x, dtype=np.float64)
    c = np.linspace(0.5, 2.0, x.size)
    return 4 * c * x ** 3 + np.cos(x) * x + np.sin(x)


def wrong_entry(x):
    """The entry of median |g_i|: a typical entry, neither the largest nor a near-zero one."""
    g = np.abs(quartic_grad_np(x))
    return int(np.argsort(g, kind="stable")[x.size // 2])


def torch_functions():
    import torch

    def quartic(wrong=None):
        class FusedQuartic(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                c = torch.linspace(0.5, 2.0, x.numel(), dtype=x.dtype)
                return (c * x ** 4).sum() + (x * torch.sin(x)).sum()

            @staticmethod
            def backward(ctx, grad_out):
                (x,) = ctx.saved_tensors
                c = torch.linspace(0.5, 2.0, x.numel(), dtype=x.dtype)
                g = 4 * c * x ** 3 + torch.cos(x) * x + torch.sin(x)
                if wrong is not None:
                    i, rel = wrong
                    g = g.clone()
                    g[i] = g[i] * (1 + rel)
                return grad_out * g

        def fused_quartic(x):
            return FusedQuartic.apply(x)
        return fused_quartic

    class SoftplusIgnoresGradOutput(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.clamp(x, min=0) + torch.log1p(torch.exp(-torch.abs(x)))

        @staticmethod
        def backward(ctx, grad_out):
            (x,) = ctx.saved_tensors
            return torch.sigmoid(x)          # the bug: grad_out * torch.sigmoid(x)

    def softplus_squares(x):
        return (SoftplusIgnoresGradOutput.apply(x) ** 2).sum()

    def relu_kink(x):
        c = torch.linspace(0.5, 2.0, x.numel(), dtype=x.dtype)
        return torch.relu(x).sum() + 0.5 * (c * x ** 2).sum()

    return {"correct": lambda x, dt: quartic(),
            "wrong1": lambda x, dt: quartic((wrong_entry(x), WRONG_REL[dt])),
            "nograd": lambda x, dt: softplus_squares,
            "kink": lambda x, dt: relu_kink}


def jax_functions():
    import jax
    import jax.numpy as jnp

    def quartic(wrong=None):
        @jax.custom_vjp
        def fused_quartic(x):
            c = jnp.linspace(0.5, 2.0, x.shape[0], dtype=x.dtype)
            return jnp.sum(c * x ** 4) + jnp.sum(x * jnp.sin(x))

        def fwd(x):
            return fused_quartic(x), x

        def bwd(x, ct):
            c = jnp.linspace(0.5, 2.0, x.shape[0], dtype=x.dtype)
            g = 4 * c * x ** 3 + jnp.cos(x) * x + jnp.sin(x)
            if wrong is not None:
                i, rel = wrong
                g = g.at[i].multiply(1 + rel)
            return (ct * g,)

        fused_quartic.defvjp(fwd, bwd)
        return fused_quartic

    @jax.custom_vjp
    def softplus(x):
        return jnp.maximum(x, 0) + jnp.log1p(jnp.exp(-jnp.abs(x)))

    def sp_fwd(x):
        return softplus(x), x

    def sp_bwd(x, ct):
        return (jax.nn.sigmoid(x),)         # the bug: (ct * jax.nn.sigmoid(x),)

    softplus.defvjp(sp_fwd, sp_bwd)

    def softplus_squares(x):
        return jnp.sum(softplus(x) ** 2)

    def relu_kink(x):
        c = jnp.linspace(0.5, 2.0, x.shape[0], dtype=x.dtype)
        return jnp.sum(jax.nn.relu(x)) + 0.5 * jnp.sum(c * x ** 2)

    return {"correct": lambda x, dt: quartic(),
            "wrong1": lambda x, dt: quartic((wrong_entry(x), WRONG_REL[dt])),
            "nograd": lambda x, dt: softplus_squares,
            "kink": lambda x, dt: relu_kink}


@dataclass
class Case:
    key: str
    label: str
    expect: str          # "pass", "fail" or "kink"


CASES = [
    Case("correct", "(a) fused quartic, correct backward", "pass"),
    Case("wrong1", "(b) one entry wrong", "fail"),
    Case("nograd", "(c) backward ignores grad_output", "fail"),
    Case("kink", "(d) relu kink, correct code", "kink"),
]


# ----- the tools --------------------------------------------------------------------------------

@dataclass
class Outcome:
    verdict: str                 # "pass", "FAIL", "inconclusive", "error"
    detail: str = ""
    warned: str = ""


def _first_line(text, limit=150):
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    return (lines[0] if lines else "")[:limit]


def _adcheck(framework):
    def run(fn, x):
        from adcheck.frameworks.checks import check_autograd

        r = check_autograd(fn, (x,), framework=framework, seed=0)
        verdict = {0: "pass", 1: "FAIL", 3: "inconclusive"}.get(r.exit_code, "error")
        return Outcome(verdict, f"{r.mode}: {_first_line(r.verdict)}")
    return run


def _gradcheck(fast):
    def run(fn, x):
        import torch
        from torch.autograd.gradcheck import GradcheckError

        xt = torch.from_numpy(x.copy()).requires_grad_(True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                torch.autograd.gradcheck(fn, (xt,), fast_mode=fast)     # the defaults: raises on a mismatch
                out = Outcome("pass")
            except GradcheckError as exc:
                text = str(exc)
                slow = [ln.strip() for ln in text.splitlines() if "max per-element difference" in ln]
                out = Outcome("FAIL", _first_line(text).rstrip(",") + ("; " + slow[0] if slow else ""))
        if caught:
            out.warned = f"{caught[0].category.__name__}: {_first_line(caught[0].message, 200)}"
        return out
    return run


def _check_grads(fn, x):
    import contextlib

    import jax
    import jax.numpy as jnp
    from jax.test_util import check_grads

    wide = jax.enable_x64(True) if x.dtype == np.float64 else contextlib.nullcontext()
    with wide:
        try:
            check_grads(fn, (jnp.asarray(x),), order=1, modes=["rev"])
        except AssertionError as exc:
            text = " ".join(ln.strip() for ln in str(exc).splitlines() if "Max" in ln or "Mismatch" in ln)
            return Outcome("FAIL", text[:160] or _first_line(exc))
    return Outcome("pass")


@dataclass
class Tool:
    key: str
    label: str
    framework: str
    run: Callable
    max_n: Optional[int] = None
    predict: bool = False        # skip a size where one call is predicted to exceed CALL_LIMIT

    def power(self, last_verdict):
        """How one call's time grows with n.  Linear, except a failing fast-mode gradcheck: it then
        recomputes both full Jacobians for its message (n evaluations of f, n backward rows)."""
        return 2.0 if self.key == "gradcheck-fast" and last_verdict == "FAIL" else 1.0


TOOLS = [
    Tool("adcheck-torch", "adcheck (torch fn)", "torch", _adcheck("torch")),
    Tool("gradcheck", "gradcheck full", "torch", _gradcheck(False), max_n=10_000, predict=True),
    Tool("gradcheck-fast", "gradcheck fast", "torch", _gradcheck(True), predict=True),
    Tool("adcheck-jax", "adcheck (jax fn)", "jax", _adcheck("jax")),
    Tool("check_grads", "jax check_grads", "jax", _check_grads),
]


# ----- one cell: verdict and time ----------------------------------------------------------------

RIGHT = {"pass": {"pass": "✓", "FAIL": "✗", "inconclusive": "~"},
         "fail": {"FAIL": "✓", "pass": "✗", "inconclusive": "~"},
         "kink": {"inconclusive": "✓", "pass": "~", "FAIL": "✗"}}


@dataclass
class Cell:
    outcome: Optional[Outcome] = None
    seconds: float = math.nan
    first: float = math.nan
    calls: int = 0
    skipped: str = ""
    unstable: bool = False
    notes: list = field(default_factory=list)

    def mark(self, expect):
        if self.outcome is None:
            return ""
        return RIGHT[expect].get(self.outcome.verdict, "✗")

    def text(self, expect):
        if self.skipped:
            return f"— ({self.skipped})"
        o = self.outcome
        t = _fmt_time(self.seconds) + ("" if self.calls > 1 else "¹")
        if self.calls > 1 and self.first > 3 * self.seconds and self.first > 0.05:
            t += f" (1st {_fmt_time(self.first)})"
        return f"{self.mark(expect)} {o.verdict}{'*' if self.unstable else ''} {t}"


def _fmt_time(s):
    if not math.isfinite(s):
        return "?"
    if s < 1e-2:
        return f"{s * 1e3:.1f} ms"
    if s < 1:
        return f"{s * 1e3:.0f} ms"
    return f"{s:.1f} s"


class CallTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise CallTimeout(f"stopped after {HARD_LIMIT:.0f} s")


def _call(tool, fn, x):
    """One check; a call still running after HARD_LIMIT seconds raises CallTimeout (not caught here)."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, HARD_LIMIT)
    t0 = time.perf_counter()
    try:
        out = tool.run(fn, x)
    except CallTimeout:
        raise
    except Exception as exc:  # a tool crashing on a case is a result
        out = Outcome("error", f"{type(exc).__name__}: {_first_line(exc)}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    return out, time.perf_counter() - t0


def measure(tool, fn, x, reps):
    """First call: the verdict.  If it was short, ``reps`` more calls and their median; else its own time."""
    cell = Cell()
    try:
        out, first = _call(tool, fn, x)
    except CallTimeout as exc:
        return Cell(skipped=str(exc))
    cell.outcome, cell.first = out, first
    if first >= LONG_CALL or reps <= 1:
        cell.seconds, cell.calls = first, 1
        return cell
    times, verdicts = [], {out.verdict}
    for _ in range(reps):
        try:
            o, t = _call(tool, fn, x)
        except CallTimeout:
            break
        times.append(t)
        verdicts.add(o.verdict)
    if not times:
        cell.seconds, cell.calls = first, 1
        return cell
    cell.seconds, cell.calls = statistics.median(times), len(times)
    cell.unstable = len(verdicts) > 1
    return cell


# ----- the run -----------------------------------------------------------------------------------

def warm_up(tools, builders):
    """One untimed call of every tool on a tiny correct case: imports, first compilations."""
    for tool in tools:
        x = point(16, np.float64)
        _call(tool, builders[tool.framework]["correct"](x, "float64"), x)


def run(sizes, reps, tools, cases, builders):
    results = {}       # (dtype, case, n, tool) -> Cell
    last = {}          # (dtype, case, tool) -> (n, seconds)
    for dt in ("float64", "float32"):
        for case in cases:
            for n in sizes:
                x = point(n, np.dtype(dt), kink=case.key == "kink")
                fns = {fw: b[case.key](x, dt) for fw, b in builders.items()}
                for tool in tools:
                    key = (dt, case.key, n, tool.key)
                    if tool.max_n is not None and n > tool.max_n:
                        results[key] = Cell(skipped=f"not run above n = {tool.max_n:,}")
                        continue
                    prev = last.get((dt, case.key, tool.key))
                    if prev is not None and tool.predict:
                        predicted = prev[1] * (n / prev[0]) ** tool.power(prev[2])
                        if predicted > CALL_LIMIT:
                            results[key] = Cell(skipped=f"predicted {predicted:.0f} s per call")
                            continue
                    cell = measure(tool, fns[tool.framework], x, reps)
                    results[key] = cell
                    if cell.outcome is None:
                        log(f"{dt} {case.key:8s} n={n:<8d} {tool.key:15s} {cell.skipped}")
                        continue
                    last[(dt, case.key, tool.key)] = (n, max(cell.seconds, cell.first), cell.outcome.verdict)
                    log(f"{dt} {case.key:8s} n={n:<8d} {tool.key:15s} {cell.outcome.verdict:13s} "
                        f"{_fmt_time(cell.seconds):>9s} 1st {_fmt_time(cell.first):>9s}  {cell.outcome.detail[:80]}")
    return results


# ----- the report ---------------------------------------------------------------------------------

def _table(results, dt, sizes, tools, cases):
    head = "| case | n | " + " | ".join(t.label for t in tools) + " |"
    rows = [head, "|" + " --- |" * (len(tools) + 2)]
    for case in cases:
        for n in sizes:
            cells = [results[(dt, case.key, n, t.key)].text(case.expect) for t in tools]
            rows.append(f"| {case.label} | {n:,} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _tally(results, dt, sizes, tool, cases):
    right = acceptable = wrong = 0
    wrongs = []
    for case in cases:
        for n in sizes:
            c = results[(dt, case.key, n, tool.key)]
            if c.outcome is None:
                continue
            m = c.mark(case.expect)
            if m == "✓":
                right += 1
            elif m == "~":
                acceptable += 1
            else:
                wrong += 1
                kind = {"pass": "false alarm" if c.outcome.verdict == "FAIL" else c.outcome.verdict,
                        "fail": "miss" if c.outcome.verdict == "pass" else c.outcome.verdict,
                        "kink": "false alarm" if c.outcome.verdict == "FAIL" else c.outcome.verdict}[case.expect]
                wrongs.append(f"{case.key} n={n:,} ({kind})")
    return right, acceptable, wrong, wrongs


def _ratio(results, dt, case, n, tool):
    """tool's time / adcheck's time on the same framework's function, or None."""
    a = results.get((dt, case, n, "adcheck-" + tool.framework))
    b = results.get((dt, case, n, tool.key))
    if a and b and a.outcome and b.outcome and a.seconds > 0 and math.isfinite(b.seconds):
        return b.seconds / a.seconds
    return None


def _verdicts(results, dt, case, sizes, tool):
    return {n: results[(dt, case, n, tool.key)].outcome.verdict for n in sizes
            if results[(dt, case, n, tool.key)].outcome is not None}


def _summary(results, sizes, tools, dt):
    """One row per tool: how often it passed (a), told (b) and (c) from (a), what it said at the kink."""
    rows = ["| tool | (a) correct: pass | (b) one wrong entry: caught | (c) ignores grad_output: caught "
            "| (d) kink: inconclusive · pass · FAIL |", "|" + " --- |" * 5]
    for tool in tools:
        a = _verdicts(results, dt, "correct", sizes, tool)
        cells = [f"{sum(v == 'pass' for v in a.values())} of {len(a)}"]
        for case in ("wrong1", "nograd"):
            v = _verdicts(results, dt, case, sizes, tool)
            fails = [n for n, x in v.items() if x == "FAIL"]
            caught = [n for n in fails if a.get(n) == "pass"]
            text = f"{len(caught)} of {len(v)}"
            if len(fails) > len(caught):
                text += f" ({len(fails)} FAIL, {len(fails) - len(caught)} where (a) fails too)"
            cells.append(text)
        d = _verdicts(results, dt, "kink", sizes, tool)
        cells.append(" · ".join(str(sum(x == k for x in d.values())) for k in ("inconclusive", "pass", "FAIL"))
                     + f" of {len(d)}")
        rows.append(f"| {tool.label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _notes(results, tools, cases, sizes):
    """Distinct messages per (tool, dtype): warnings, failure texts, adcheck's verdict lines."""
    seen = {}
    for (dt, case, n, tk), c in results.items():
        if c.outcome is None:
            continue
        for text in (c.outcome.warned and "warning: " + c.outcome.warned,
                     c.outcome.detail and f"{case}: {c.outcome.detail}"):
            if not text:
                continue
            key = (tk, dt, text if text.startswith("warning") else (case, c.outcome.verdict))
            seen.setdefault(key, (n, text))
    lines = []
    labels = {t.key: t.label for t in tools}
    for (tk, dt, _), (n, text) in sorted(seen.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[1][0])):
        lines.append(f"* {labels[tk]}, {dt}, first at n = {n:,}: {text}")
    return "\n".join(lines)


def report(results, args, sizes, tools, cases, machine, threads, versions, wall, others):
    out = []
    p = out.append
    p("# torch and jax gradient checkers, side by side\n")
    p(f"Written by `python benchmarks/frameworks.py{' --quick' if args.quick else ''}` "
      f"({'quick run' if args.quick else 'full run'}; {wall / 60:.1f} min).  "
      "Only the verdicts and times of one run; nothing here is asserted.\n")
    p("## Headline\n")
    p("Counted over the sizes at which the tool ran.  A FAIL on (b) or (c) counts as *caught* only where "
      "the same tool passed the correct code (a) at the same n and dtype: a checker that fails everything "
      "catches nothing.\n")
    for dt in ("float64", "float32"):
        p(f"**{dt}**\n")
        p(_summary(results, sizes, tools, dt))
        p("")
    p("Wrong verdicts (✗ in the tables below):\n")
    for dt in ("float64", "float32"):
        for tool in tools:
            r, a, w, wrongs = _tally(results, dt, sizes, tool, cases)
            if wrongs:
                p(f"* {tool.label}, {dt}: " + "; ".join(wrongs))
    p("")
    p("Time of each peer divided by adcheck's time on the same framework's function (> 1: the peer is "
      "slower), on the correct code (a) and on the one wrong entry (b):\n")
    p("| tool | dtype | case | " + " | ".join(f"n = {n:,}" for n in sizes) + " |")
    p("|" + " --- |" * (len(sizes) + 3))
    for tool in tools:
        if tool.key.startswith("adcheck"):
            continue
        for dt in ("float64", "float32"):
            for case in ("correct", "wrong1"):
                r = [_ratio(results, dt, case, n, tool) for n in sizes]
                p(f"| {tool.label} | {dt} | ({'a' if case == 'correct' else 'b'}) | "
                  + " | ".join(f"{v:.2g}×" if v is not None else "—" for v in r) + " |")
    p("")
    p("## Why the tools answer as they do\n")
    p(WHY.strip() + "\n")
    p("## How it was measured\n")
    p(HOW.strip() + "\n")
    p("Legend: ✓ the right verdict; ~ acceptable but not the best (a pass at the kink: no false alarm, "
      "but the kink is not reported; an inconclusive on smooth code); ✗ wrong (a false alarm on correct "
      "code, a pass on wrong code, an error).  ¹ time of the single (first) call; otherwise the median of "
      f"{args.reps} further calls.  * the verdict changed between repetitions.\n")
    for dt in ("float64", "float32"):
        p(f"## {dt}\n")
        p(_table(results, dt, sizes, tools, cases))
        p("")
    p("## What the tools said\n")
    p("The first message of each kind, per tool and dtype (warnings, failure texts, adcheck's verdict "
      "lines):\n")
    p(_notes(results, tools, cases, sizes))
    p("")
    p("## Machine\n")
    p("| | |\n| --- | --- |")
    for k, v in machine.items():
        p(f"| {k} | {v} |")
    for k, v in versions.items():
        p(f"| {k} | {v} |")
    p(f"| threads | {'; '.join(threads)} |")
    p(f"| other processes | kept {others:.2f} CPUs busy on average during the run |" if others is not None
      else "| other processes | unknown |")
    p("")
    return "\n".join(out)


WHY = """
* **gradcheck, full mode**, builds the whole Jacobian twice — by central differences with step
  eps = 1e-6 and from the backward pass — and accepts each entry when |analytical − numerical| ≤
  atol + rtol·|numerical| with atol = 1e-5 and rtol = 1e-3.  An entry wrong by 1e-3 relative is
  therefore inside the tolerance by construction, at every n.  At an exact zero of relu the central
  difference is ½ and relu's derivative is 0: a failure on correct code.
* **gradcheck, fast mode**, compares one number, uᵀJv for random u and v, with the same
  tolerances.  One wrong entry is a single term of that sum and disappears in it; the kink is seen
  only when its term happens to matter.  When fast mode does fail, torch recomputes both full
  Jacobians to print them, so a failing fast check costs as much as a full one (hence its skipped
  cells above).
* **gradcheck on float32 tensors** warns that the input is not double precision and runs anyway.
  eps = 1e-6 is a few float32 ulps of a value near 1, and the rounding error of f itself, divided
  by 2·eps, is of order one or more — far above atol = 1e-5.  Correct float32 code fails at every
  size, so its FAILs on (b) and (c) in float32 carry no information.
* **check_grads(order=1, modes=["rev"])** draws one random tangent t and one random cotangent c
  and compares cᵀ(Jt), with Jt from a central difference of step 1e-4, against (Jᵀc)ᵀt from the
  VJP, to 1e-5 (float64) or 2e-3 (float32), absolute and relative.  It is one projection: a wrong
  entry is caught only when its share of the projected sum exceeds the tolerance, which depends on n
  and on the draw.  In float32 the difference quotient of a sum of n terms carries rounding error that
  grows with n until correct code fails.  The step along t crosses the relu kink, so the kink fails.
* **adcheck** (`check_autograd`): entrywise for n ≤ 200 — each entry against a Richardson
  difference with its own error estimate, one-sided derivatives where they disagree, so a kink is
  "inconclusive" rather than a mismatch.  Above 200: random ±1 projections, each with its own
  difference error estimate and a bound on the rounding the user's entries may carry, a failing
  projection narrowed to entries by halving, and "inconclusive" when it cannot be pinned on entries
  and f has a kink along that direction.  A kink at the point itself is not looked for unless a
  projection fails, so the exact zero passes there (~).  float32 code is also run in float64 (the same
  code on float64 inputs) and each float32 entry compared with that gradient, which is why a bug
  that is there in both precisions is caught at every n.
"""


HOW = """
* **Same functions.** Each case is written once in torch (a `torch.autograd.Function` with its own
  `backward`, or plain torch ops for the kink) and once in jax (a `jax.custom_vjp`, or plain jax ops),
  with the same formula, the same point (uniform in [-1.2, 1.2], seeded by n) and the same bug.
  The wrong entry of (b) is the one of median |g_i| at that point, scaled by 1 + 1e-3 in float64 and
  1 + 3e-2 in float32.  The kink point has x[n // 3] = 0 exactly; torch.relu and jax.nn.relu both
  give the derivative 0 there, while a central difference gives ½.
* **Defaults only.** adcheck: `check_autograd(f, (x,), framework=..., seed=0)` (exit 0 pass, 1 FAIL,
  3 inconclusive); entrywise FD for n ≤ 200, random projections with localisation above.
  torch: `torch.autograd.gradcheck(f, (x,))` and `fast_mode=True`, with its defaults (eps 1e-6,
  atol 1e-5, rtol 1e-3, raise on mismatch), on a tensor of the row's dtype — it is not cast to float64
  for it, so the float32 rows show what gradcheck does with float32 code.  jax:
  `jax.test_util.check_grads(f, (x,), order=1, modes=["rev"])`, which compares one VJP with a central
  difference along one random direction (step 1e-4) to the dtype's default gradient tolerance
  (1e-5 in float64, 2e-3 in float32); the float64 rows run inside `jax.enable_x64(True)`, the
  float32 rows in jax's default 32-bit mode.
* **Time.** Wall time of one whole check (building the input tensor included).  Every tool first
  runs once, untimed, on a tiny case (imports, compilation).  In each cell the first call gives the
  verdict; when it took less than 5 s, the cell's time is the median of a few more calls, otherwise
  that first call is the time (marked ¹).  "(1st …)" gives the first call's time when it was over
  3× the median: jax compiles f for each new function and shape (adcheck's jax adapter jit-compiles f).
* **Skips.** Full gradcheck perturbs every input (n evaluations of f, n backward rows for a vector
  output) and is not run above n = 10,000.  gradcheck, full or fast, is not run at a size where one
  call is predicted, from its time at the previous size, to exceed 60 s: linear in n, except after a
  failing fast-mode check, which recomputes both full Jacobians for its error message — its time is
  then taken as quadratic in n.  Any call still running after 120 s is stopped and its cell left
  empty.
* **Threads.** torch on one intra-op and one inter-op thread, XLA with single-threaded Eigen,
  NumPy's OpenBLAS on one thread: the machine is a shared 2-core VM, see the last section.
"""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="n = 100 and 1000, one call per cell")
    ap.add_argument("--sizes", help="comma-separated sizes (overrides the plan; the smoke test uses tiny ones)")
    ap.add_argument("--reps", type=int, help="timed calls per cell after the first (default 3, 1 with --quick)")
    ap.add_argument("--no-warm-up", action="store_true", help="skip the untimed first call of each tool "
                    "(the smoke test; the first cells then include imports and compilation)")
    ap.add_argument("--out", help="where to write the report (default FRAMEWORKS.md / FRAMEWORKS-quick.md)")
    args = ap.parse_args(argv)
    sizes = tuple(int(float(s)) for s in args.sizes.split(",")) if args.sizes else (
        QUICK_SIZES if args.quick else FULL_SIZES)
    args.reps = args.reps if args.reps is not None else (1 if args.quick else 3)
    out = args.out or os.path.join(HERE, "FRAMEWORKS-quick.md" if args.quick else "FRAMEWORKS.md")

    t0 = time.perf_counter()
    monitor = bench_machine.LoadMonitor()
    machine = bench_machine.describe(os.path.dirname(HERE))
    machine["load average at start"] = bench_machine.loadavg()
    threads = bench_machine.limit_threads()
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax
    import torch

    import tool_torch
    threads.append(tool_torch.limit_threads())
    versions = {"torch": torch.__version__, "jax": f"{jax.__version__} ({jax.default_backend()})"}
    try:
        import jaxlib
        versions["jax"] += f", jaxlib {jaxlib.__version__}"
    except ImportError:
        pass
    builders = {"torch": torch_functions(), "jax": jax_functions()}
    tools, cases = TOOLS, CASES
    if not args.no_warm_up:
        warm_up(tools, builders)
    results = run(sizes, args.reps, tools, cases, builders)
    wall = time.perf_counter() - t0
    at_end = bench_machine.describe(os.path.dirname(HERE))["adcheck commit"]
    if at_end != machine["adcheck commit"]:
        machine["adcheck commit"] += f" at the start, {at_end} at the end: adcheck changed during the run"
    text = report(results, args, sizes, tools, cases, machine, threads, versions, wall, monitor.others())
    with open(out, "w", encoding="utf-8") as fh:
        fh.write(text)
    log(f"wrote {out} in {wall:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
