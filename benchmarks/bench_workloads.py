"""The workloads: build every installed tool's cases for one instance, time them together, keep the rows."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

import bench_gradcheck as gc_
from bench_timing import Stats, measure, wall_times

FD_MAX_N = 100  # finite-difference gradients (O(n) evaluations of f) only at the smallest size


@dataclass
class Row:
    tool: str
    op: str
    stats: Stats
    base: Optional[Stats]          # the denominator: f (or grad, for HVPs) in the same framework
    agree: Optional[float] = None  # max |this − adcheck| / max |adcheck|

    @property
    def ratio(self):
        if self.base is None or not (self.stats.ok and self.base.ok):
            return float("nan")
        return self.stats.median / self.base.median


@dataclass
class Instance:
    family: str                    # grad | jvp | hvp | jacobian
    function: str
    n: int
    shapes: str
    base_op: str
    rows: list = field(default_factory=list)
    m: int = 1

    @property
    def label(self):
        return f"n={self.n:,}, m={self.m:,}" if self.family == "jacobian" else f"{self.function}, n={self.n:,}"

    def row(self, tool, op):
        return next((r for r in self.rows if r.tool == tool and r.op == op), None)


def _max_rel(a, ref):
    a, ref = np.asarray(a, dtype=np.float64).reshape(-1), np.asarray(ref, dtype=np.float64).reshape(-1)
    if a.shape != ref.shape:
        return float("inf")
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    return float(np.max(np.abs(a - ref))) / (scale if scale > 0 else 1.0)


def _reference_op(op):
    if op.startswith("hvp"):
        return "hvp fwd-over-rev"
    if op.startswith("jac"):
        return "jac rev"
    return op


def run_instance(family, problem, tools, settings, log):
    """Time all tools on one problem; return an Instance."""
    method = {"grad": "grad_cases", "jvp": "jvp_cases", "hvp": "hvp_cases", "jacobian": "jacobian_cases"}[family]
    base_op = "grad" if family == "hvp" else "f"
    providers = dict(tools.ad)
    if family == "grad" and problem.n <= FD_MAX_N:
        providers.update(tools.fd)
    cases, convert = {}, {}
    build_errors = {}
    for name, mod in providers.items():
        builder = getattr(mod, method, None)
        if builder is None:
            continue
        try:
            for op, fn in builder(problem).items():
                cases[(name, op)] = fn
                convert[(name, op)] = mod.to_numpy
        except Exception as exc:  # a peer that cannot express the workload is a result
            build_errors[name] = f"{type(exc).__name__}: {exc}".splitlines()[0][:160]
    outputs = {}
    for key, fn in cases.items():
        if key[1] == base_op:
            continue
        try:
            outputs[key] = convert[key](fn())
        except Exception:  # measured below, where the error is recorded
            pass
    log(f"  {family:8s} {problem.name:10s} n={problem.n:<9,} m={problem.m:<5,} {len(cases)} cases")
    stats = measure({f"{t}|{op}": fn for (t, op), fn in cases.items()}, settings)
    inst = Instance(family, problem.name, problem.n, problem.shapes, base_op, m=problem.m)
    for (tool, op) in cases:
        if op == base_op:
            continue
        ref = outputs.get(("adcheck", _reference_op(op)))
        out = outputs.get((tool, op))
        agree = _max_rel(out, ref) if out is not None and ref is not None else None
        base = stats.get(f"{tool}|{base_op}")
        inst.rows.append(Row(tool, op, stats[f"{tool}|{op}"], base, agree))
    for tool, why in build_errors.items():
        inst.rows.append(Row(tool, "—", Stats(error=why), None))
    del outputs
    return inst


# ----- the gradient checkers -----------------------------------------------------

@dataclass
class CheckRow:
    checker: str
    n: int
    stats: Stats
    evals: Optional[float]
    correct: Optional[gc_.Verdict]
    wrong: tuple                   # one Verdict per gc_.WRONG_REL
    skipped: str = ""


def run_checks(sizes, tools, settings, quick, log):
    """Every installed checker at every n: time on the correct gradient, verdicts on both gradients."""
    available = set(tools.ad) | set(tools.fd)
    rows, notes = [], {}
    for n in sizes:
        x = np.random.default_rng(1).uniform(0.5, 1.5, n)
        i = gc_.wrong_index(x)
        wrongs = [gc_.wrong_grad(i, rel) for rel in gc_.WRONG_REL]
        active, cases, last, evals = [], {}, {}, {}
        for ch in gc_.checkers(quick):
            if ch.tool not in available:
                continue
            if ch.max_n is not None and n > ch.max_n:
                rows.append(CheckRow(ch.name, n, Stats(), None, None, (), skipped="not run: " + ch.note))
                continue
            active.append(ch)
            counter = gc_.Counter(gc_.rosen)

            def thunk(ch=ch, counter=counter):
                before = counter.calls
                last[ch.name] = ch.run(counter, gc_.rosen_grad, x)
                evals[ch.name] = counter.calls - before

            cases[ch.name] = thunk
        log(f"  check    rosenbrock n={n:<9,} {len(cases)} checkers")
        stats = measure(cases, settings)
        for ch in active:
            st = stats[ch.name]
            wv = tuple(gc_.verdict_of(ch, gc_.rosen, w, x) for w in wrongs) if st.error is None else ()
            rows.append(CheckRow(ch.name, n, st, evals.get(ch.name), last.get(ch.name), wv))
        g = gc_.rosen_grad(x)
        notes[n] = (f"wrong entry i = {i:,} (median |g_i|): |g_i| = {abs(g[i]):.3g}, "
                    f"|g_i|/max|g| = {abs(g[i]) / np.max(np.abs(g)):.2g}, |g_i|/‖g‖₂ = {abs(g[i]) / np.linalg.norm(g):.2g}")
    return rows, notes


# ----- whole processes -----------------------------------------------------------

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def cli_commands():
    exe_dir = os.path.dirname(sys.executable)
    script = os.path.join(exe_dir, "adcheck")
    adcheck = [script] if os.path.exists(script) else ([shutil.which("adcheck")] if shutil.which("adcheck")
                                                        else [sys.executable, "-m", "adcheck"])
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        'python -c "import numpy, sympy, typer, rich"': [sys.executable, "-c", "import numpy, sympy, typer, rich"],
        # the same, skipping the interpreter's final garbage collection as adcheck's CLI does
        # (gc.freeze before exit): the like-for-like floor for adcheck's commands
        'python -c "import numpy, sympy, typer, rich, gc; gc.freeze()"': [
            sys.executable, "-c", "import numpy, sympy, typer, rich, gc; gc.freeze()"],
        "adcheck --help": adcheck + ["--help"],
        'adcheck grad "x**2*sin(x)" --at 1.5': adcheck + ["grad", "x**2*sin(x)", "--at", "1.5"],
        "adcheck check examples/rosenbrock_check.py": adcheck + ["check", os.path.join(_ROOT, "examples",
                                                                                      "rosenbrock_check.py")],
    }, " ".join(adcheck)


def byte_compile_adcheck():
    """Byte-compile adcheck's modules, as ``pip install`` does for an installed package.

    An editable install under PYTHONDONTWRITEBYTECODE=1 (set in some environments) never
    writes them, so every process would compile adcheck's ~60 modules from source first:
    a cost no installed copy pays.  The .pyc files go to adcheck's __pycache__ folders
    (git-ignored); the libraries' own were written when they were installed.
    """
    import compileall

    import adcheck

    ok = compileall.compile_dir(os.path.dirname(adcheck.__file__), quiet=1)
    return "adcheck's modules byte-compiled first, as an installed package has them" if ok else \
        "adcheck's modules could not all be byte-compiled"


def run_cli(runs, log):
    commands, how = cli_commands()
    log(f"  cli      {len(commands)} commands × {runs} runs")
    how = f"`{how}`; {byte_compile_adcheck()} (`PYTHONDONTWRITEBYTECODE` is " + \
        ("set here)" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "not set here)")
    return wall_times(commands, runs), how
