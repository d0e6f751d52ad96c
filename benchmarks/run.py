"""adcheck side by side with its peers: one run, interleaved rounds, medians and ratios.

    python benchmarks/run.py            # full run (~8 min on 2 cores), writes benchmarks/RESULTS.md
    python benchmarks/run.py --quick    # smoke run (< 2 min), writes benchmarks/RESULTS-quick.md

Peers measured when installed (``pip install -e ".[bench]"``): HIPS autograd,
mygrad, jax (CPU), torch 2.13.0, scipy, numdifftools.  A peer that is not
installed is skipped with a note; with none installed the run still works and
measures adcheck alone.  Nothing here asserts a timing: it only reports.

The harness never touches OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE; RESULTS.md says
which were set.  It sets JAX_PLATFORMS=cpu only if unset, before importing jax.
By default (``--threads 1``) every library runs on one thread: NumPy's OpenBLAS
through its set_num_threads call, torch through torch.set_num_threads, XLA
through XLA_FLAGS (only if unset).  On a 2-core machine shared with other work a
library's second thread is often descheduled and every parallel region waits
for it, which measures the neighbours, not the library; ``--threads default``
keeps each library's own threading.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import bench_document  # noqa: E402
import bench_machine  # noqa: E402
import bench_problems as bp  # noqa: E402
import bench_tools  # noqa: E402
import bench_workloads as wl  # noqa: E402
from bench_timing import Settings  # noqa: E402

JAC_SHAPES = ((5, 500), (50, 50), (500, 5), (1, 1000), (1000, 1))


class Plan:
    def __init__(self, quick):
        self.quick = quick
        self.sizes = (100, 10_000) if quick else (100, 10_000, 1_000_000)
        self.hvp_sizes = (10_000,) if quick else (10_000, 1_000_000)
        self.check_sizes = (100, 1_000, 10_000) if quick else (100, 1_000, 10_000, 100_000, 1_000_000)
        self.settings = (Settings(rounds=3, min_sample=0.005, case_budget=0.4) if quick
                         else Settings(rounds=9, min_sample=0.03, case_budget=5.0))
        self.check_settings = (Settings(rounds=3, min_sample=0.005, case_budget=1.0) if quick
                               else Settings(rounds=5, min_sample=0.02, case_budget=6.0))
        self.cli_runs = 3 if quick else 9


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes, fewer rounds (a smoke test, < 2 min)")
    ap.add_argument("--out", help="where to write the report (default RESULTS.md, or RESULTS-quick.md with --quick)")
    ap.add_argument("--tools", help="comma-separated peers to measure (default: every installed one)")
    ap.add_argument("--threads", choices=("1", "default"), default="1",
                    help="1: every library on one thread (default); default: each library's own threading")
    ap.add_argument("--only", help="comma-separated workloads: grad,jvp,jacobian,hvp,check,cli (default: all)")
    args = ap.parse_args(argv)
    plan = Plan(args.quick)
    only = set(args.only.split(",")) if args.only else {"grad", "jvp", "jacobian", "hvp", "check", "cli"}
    out = args.out or os.path.join(HERE, "RESULTS-quick.md" if args.quick else "RESULTS.md")

    t0 = time.perf_counter()
    whole = bench_machine.LoadMonitor()
    machine = bench_machine.describe(os.path.dirname(HERE))  # before any peer import can touch the environment
    machine["load average at start"] = bench_machine.loadavg()
    threads = bench_machine.limit_threads() if args.threads == "1" else ["each library's default"]
    tools = bench_tools.load(set(args.tools.split(",")) if args.tools else None, single_thread=args.threads == "1")
    threads += list(tools.threads.values())
    if args.threads == "1":
        threads.append(f"OpenBLAS reports {bench_machine.openblas_threads()} thread(s)")
    machine["threads (set by run.py)"] = "; ".join(threads)
    stages = []

    def stage(name, fn):
        mon = bench_machine.LoadMonitor()
        result = fn()
        stages.append((name, mon.wall(), mon.others()))
        return result
    log(f"tools: {', '.join(f'{k} {v}' for k, v in tools.versions.items())}")
    for name, why in tools.skipped.items():
        log(f"skipped {name}: {why}")

    instances = []
    for family, sizes in (("grad", plan.sizes), ("jvp", plan.sizes)):
        if family in only:
            instances += stage(family, lambda: [wl.run_instance(family, bp.make(name, n), tools, plan.settings, log)
                                                for n in sizes for name in bp.FUNCTIONS])
    if "jacobian" in only:
        instances += stage("jacobian", lambda: [wl.run_instance("jacobian", bp.make_jacobian(n, m), tools,
                                                                plan.settings, log) for n, m in JAC_SHAPES])
    if "hvp" in only:
        instances += stage("hvp", lambda: [wl.run_instance("hvp", bp.make("rosenbrock", n), tools, plan.settings, log)
                                           for n in plan.hvp_sizes])
    check_rows, check_notes = ([], {})
    if "check" in only:
        check_rows, check_notes = stage("check", lambda: wl.run_checks(plan.check_sizes, tools, plan.check_settings,
                                                                       plan.quick, log))
    cli, cli_how = ({}, "")
    if "cli" in only:
        cli, cli_how = stage("cli", lambda: wl.run_cli(plan.cli_runs, log))
    elapsed = time.perf_counter() - t0
    machine["load average at end"] = bench_machine.loadavg()
    others = whole.others()
    machine["other processes during the run"] = (
        f"kept {others:.2f} of {os.cpu_count()} cores busy on average (from /proc/stat minus this run's own CPU time)"
        if others is not None else "unknown")

    text = bench_document.render(plan, machine, tools, instances, check_rows, check_notes, cli, cli_how, elapsed, only, stages)
    with open(out, "w", encoding="utf-8") as fh:
        fh.write(text)
    log(f"wrote {out} ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
