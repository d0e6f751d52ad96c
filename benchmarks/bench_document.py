"""The text of RESULTS.md: machine, method, headline, a table per workload, checkers, notes."""

from __future__ import annotations

import time

import bench_report as rep
import bench_workloads as wl
from bench_gradcheck import RULES, WRONG_REL


def render(plan, machine, tools, instances, check_rows, check_notes, cli, cli_how, elapsed, only, stages):
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
        "Time per workload, and how busy other processes kept the CPUs meanwhile (the machine is shared; "
        "the interleaved rounds spread that noise over all tools alike, but absolute times suffer):",
        "",
        rep.table(["workload", "wall time", "other processes (cores busy)"],
                  [[name, rep.t(wall), f"{o:.2f}" if o is not None else "—"] for name, wall, o in stages]),
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
        "All in float64 on the CPU; threads as in the machine table.",
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
            "Gradient checkers (Rosenbrock) on a correct gradient / the same gradient with one entry off by "
            + " / by ".join(f"{w:g}" for w in WRONG_REL) + " (relative) — which tools catch it:",
            "",
            verdict,
            "",
            "Cost of one check of the correct gradient (median), with the evaluations of f it made:",
            "",
            cost,
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
            "Verdicts (correct gradient / " + " / ".join(f"one entry off by {w:g}" for w in WRONG_REL) + "):",
            "",
            verdict,
            "",
            "What each tool measured (same order):",
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
            f"Each command run {plan.cli_runs} times as a subprocess, interleaved (adcheck as {cli_how}):",
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
