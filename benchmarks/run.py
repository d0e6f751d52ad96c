"""adcheck side by side with its peers: one run, interleaved rounds, medians and ratios.

    python benchmarks/run.py            # full run (~10–15 min on 2 cores), writes benchmarks/RESULTS.md
    python benchmarks/run.py --quick    # smoke run (< 2 min), writes benchmarks/RESULTS-quick.md

Peers measured when installed (``pip install -e ".[bench]"``): HIPS autograd,
mygrad, jax (CPU), torch 2.13.0, scipy, numdifftools.  A peer that is not
installed is skipped with a note; with none installed the run still works and
measures adcheck alone.  Nothing here asserts a timing: it only reports.

The harness never touches OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE or any other
threading variable; RESULTS.md says which were set.  It sets JAX_PLATFORMS=cpu
only if unset, before importing jax.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import bench_machine  # noqa: E402
import bench_problems as bp  # noqa: E402
import bench_report as rep  # noqa: E402
import bench_tools  # noqa: E402
import bench_workloads as wl  # noqa: E402
from bench_gradcheck import RULES, WRONG_REL  # noqa: E402
from bench_timing import Settings  # noqa: E402

JAC_SHAPES = ((5, 500), (50, 50), (500, 5), (1, 1000), (1000, 1))


class Plan:
    def __init__(self, quick):
        self.quick = quick
        self.sizes = (100, 10_000) if quick else (100, 10_000, 1_000_000)
        self.hvp_sizes = (10_000,) if quick else (10_000, 1_000_000)
        self.check_sizes = (100, 1_000, 10_000) if quick else (100, 1_000, 10_000, 100_000, 1_000_000)
        self.settings = (Settings(rounds=3, min_sample=0.005, case_budget=0.4) if quick
                         else Settings(rounds=7, min_sample=0.02, case_budget=4.0))
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
    ap.add_argument("--only", help="comma-separated workloads: grad,jvp,jacobian,hvp,check,cli (default: all)")
    args = ap.parse_args(argv)
    plan = Plan(args.quick)
    only = set(args.only.split(",")) if args.only else {"grad", "jvp", "jacobian", "hvp", "check", "cli"}
    out = args.out or os.path.join(HERE, "RESULTS-quick.md" if args.quick else "RESULTS.md")

    t0 = time.perf_counter()
    machine = bench_machine.describe(os.path.dirname(HERE))  # before any peer import can touch the environment
    tools = bench_tools.load(set(args.tools.split(",")) if args.tools else None)
    log(f"tools: {', '.join(f'{k} {v}' for k, v in tools.versions.items())}")
    for name, why in tools.skipped.items():
        log(f"skipped {name}: {why}")

    instances = []
    for family, sizes in (("grad", plan.sizes), ("jvp", plan.sizes)):
        if family not in only:
            continue
        for n in sizes:
            for name in bp.FUNCTIONS:
                instances.append(wl.run_instance(family, bp.make(name, n), tools, plan.settings, log))
    if "jacobian" in only:
        for n, m in JAC_SHAPES:
            instances.append(wl.run_instance("jacobian", bp.make_jacobian(n, m), tools, plan.settings, log))
    if "hvp" in only:
        for n in plan.hvp_sizes:
            instances.append(wl.run_instance("hvp", bp.make("rosenbrock", n), tools, plan.settings, log))
    check_rows, check_notes = ([], {})
    if "check" in only:
        check_rows, check_notes = wl.run_checks(plan.check_sizes, tools, plan.check_settings, plan.quick, log)
    cli, cli_how = ({}, "")
    if "cli" in only:
        cli, cli_how = wl.run_cli(plan.cli_runs, log)
    elapsed = time.perf_counter() - t0

    text = render(plan, machine, tools, instances, check_rows, check_notes, cli, cli_how, elapsed, only)
    with open(out, "w", encoding="utf-8") as fh:
        fh.write(text)
    log(f"wrote {out} ({elapsed:.0f} s)")
    return 0


def render(plan, machine, tools, instances, check_rows, check_notes, cli, cli_how, elapsed, only):
    peers = [p for p in ("autograd", "mygrad", "jax", "torch", "scipy", "numdifftools") if p in tools.versions]
    ad_tools = [p for p in ("adcheck", "autograd", "mygrad", "jax", "torch", "scipy", "numdifftools")
                if p in tools.versions]
    s = plan.settings
    lines = [
        "# Benchmarks: adcheck side by side with its peers",
        "",
        f"Written by `python benchmarks/run.py{' --quick' if plan.quick else ''}` on "
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}; the run took {elapsed / 60:.1f} min. "
        "Numbers are medians over interleaved rounds; ratios are what matter, absolute times depend on the "
        "machine. The harness never asserts a timing.",
        "",
        "## Machine",
        "",
        rep.table(["", ""], [[k, v] for k, v in machine.items()]),
        "",
        "Peers:",
        "",
        rep.table(["tool", "version"], [[k, v] for k, v in tools.versions.items()]
                  + [[k, f"skipped: {why}"] for k, why in tools.skipped.items()]),
        "",
        "## How it is measured",
        "",
        f"* Each workload instance times every installed tool's cases together: one warm-up call each (JIT "
        f"compilation for jax), calibration to ≥ {s.min_sample * 1e3:g} ms per sample, then up to {s.rounds} "
        "rounds in which every case runs once, the starting case rotating each round, so machine noise falls on "
        f"all tools alike. A case slower than ~{s.case_budget:g} s per sample gets fewer rounds (at least one). "
        "The statistic is the median per-call time; *spread* is the interquartile range ÷ median; *samples* is "
        "rounds × calls per sample.",
        "* f is timed in the same framework as its derivative: plain NumPy for adcheck, scipy and numdifftools; "
        "autograd.numpy for autograd; mygrad on a constant Tensor; jax.jit for jax; torch eager under no_grad. "
        "All in float64 on the CPU with each library's default threading (this machine has 2 cores).",
        "* jax: jax.jit for everything (f, grad, jvp, jacfwd/jacrev, HVP), data passed as arguments; torch: "
        "torch.autograd.grad for the gradient, torch.func.jvp / jacfwd / jacrev, HVP as torch.func "
        "jvp-of-grad (fwd-over-rev) and double backward (rev-over-rev); autograd: grad, make_jvp, jacobian, "
        "hessian_vector_product (rev-over-rev) and make_jvp(grad) (fwd-over-rev); adcheck: the public "
        "`adcheck.grad/jvp/jacobian/hvp` (Jacobian forward = one batched pass with n tangents, reverse = m "
        "backward passes over one tape).",
        "* *adcheck ÷ tool* is adcheck's time divided by the tool's for the same operation: above 1 adcheck is "
        "slower. *max rel Δ vs adcheck* checks that every tool computed the same derivative.",
        "",
        "## Headline",
        "",
    ]
    if instances:
        lines += [
            "adcheck's time ÷ each peer's time for the same operation (geometric mean over the functions or "
            "shapes, range in brackets; above 1 adcheck is slower):",
            "",
            rep.headline_vs_peers(instances, peers) if peers else "_no peer installed_",
            "",
            "Cost of the derivative relative to f in the same framework (geometric mean, range):",
            "",
            rep.headline_op_ratio(instances, ad_tools),
            "",
        ]
    if check_rows:
        cost, verdict, detail = rep.check_tables(check_rows, plan.check_sizes)
        lines += [
            f"Gradient checkers on a correct gradient / on a gradient with one entry off by {WRONG_REL:g} "
            "(relative) — which tools catch it:",
            "",
            verdict,
            "",
        ]
    for family in ("grad", "jvp", "jacobian", "hvp"):
        parts = rep.family_tables(instances, family)
        if parts:
            lines += [f"## {rep.TITLES[family]}", ""] + parts
    if check_rows:
        lines += [
            "## Cost of one gradient check vs n",
            "",
            "Rosenbrock in NumPy with a hand-written NumPy gradient, x uniform in [0.5, 1.5]; the same f and "
            "gradient for every tool (torch through a torch.autograd.Function, jax through custom_vjp + "
            "pure_callback). Time of one check of the correct gradient (median), with the number of "
            "evaluations of f it made:",
            "",
            cost,
            "",
            "Verdicts (correct gradient / one wrong entry):",
            "",
            verdict,
            "",
            "What each tool measured (correct / wrong):",
            "",
            detail,
            "",
            "Rules for tools that give no verdict of their own: " + "; ".join(f"**{k}**: {v}" for k, v in RULES.items())
            + ". torch.autograd.gradcheck uses its defaults (eps=1e-6, atol=1e-5, rtol=1e-3); "
            "jax check_grads its float64 defaults (one random direction, eps=1e-4, tol 1e-5); adcheck.check_grad "
            "its defaults.",
            "",
        ] + [f"* n={n:,}: {note}" for n, note in check_notes.items()] + [""]
    if cli:
        lines += [
            "## Whole-process wall time",
            "",
            f"Each command run {plan.cli_runs} times as a subprocess, interleaved (adcheck as `{cli_how}`):",
            "",
            rep.cli_table(cli),
            "",
        ]
    lines += ["## Not measured, and why", ""] + [f"* {n}" for n in notes(plan, tools, instances, check_rows, only)]
    return "\n".join(lines) + "\n"


def notes(plan, tools, instances, check_rows, only):
    out = [f"{name}: {why}." for name, why in tools.skipped.items()]
    if "mygrad" in tools.ad:
        out.append("mygrad: reverse mode only: no forward mode (JVP, jacfwd) and no higher-order derivatives "
                   "(HVP), so it appears in the gradient tables only.")
    if "autograd" in tools.ad:
        out.append("autograd has no forward-mode Jacobian; its `jacobian` (reverse, one pass per output) "
                   "is compared with the reverse columns.")
    fd = [n for n in ("scipy", "numdifftools") if n in tools.fd]
    if fd:
        out.append(f"{' and '.join(fd)} (finite differences, O(n) evaluations of f per gradient) are in the "
                   f"gradient tables only at n ≤ {wl.FD_MAX_N}.")
    if plan.quick:
        out.append("--quick: n up to 10⁴ (no 10⁶), HVP at 10⁴ only, gradient checks up to 10⁴, 3 rounds.")
    out += [f"{w} skipped (--only)." for w in ("grad", "jvp", "jacobian", "hvp", "check", "cli") if w not in only]
    for inst in instances:
        for rw in inst.rows:
            if rw.stats.error:
                out.append(f"{inst.family} {inst.label}: {rw.tool} {rw.op} failed: {rw.stats.error}")
    for rw in check_rows:
        if rw.skipped:
            continue
        if rw.stats.error:
            out.append(f"check n={rw.n:,}: {rw.checker} failed: {rw.stats.error}")
    skipped = {rw.checker: rw.skipped for rw in check_rows if rw.skipped}
    out += [f"{ch}: {why}." for ch, why in skipped.items()]
    return out


if __name__ == "__main__":
    sys.exit(main())
