"""RESULTS.md: machine, method, headline ratios, a table per workload, the checker verdicts, notes."""

from __future__ import annotations

import math

from bench_problems import size_label

OPS = {"grad": ["grad"], "jvp": ["jvp"], "hvp": ["hvp fwd-over-rev", "hvp rev-over-rev"],
       "jacobian": ["jac fwd", "jac rev"]}
TITLES = {"grad": "Gradient ÷ f (reverse mode)", "jvp": "JVP ÷ f (forward mode)",
          "hvp": "Hessian-vector product ÷ gradient (Rosenbrock)",
          "jacobian": "Full Jacobian ÷ f, f(x) = tanh(W sin x): R^n → R^m"}
OP_NAMES = {"grad": "grad", "jvp": "JVP", "hvp fwd-over-rev": "HVP fwd-over-rev",
            "hvp rev-over-rev": "HVP rev-over-rev", "jac fwd": "Jacobian fwd", "jac rev": "Jacobian rev"}


def t(s):
    if s is None or not math.isfinite(s):
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if s >= scale or unit == "ns":
            v = s / scale
            return f"{v:.3g} {unit}" if v < 1000 else f"{v:.0f} {unit}"
    return "—"


def r(x):
    if x is None or not math.isfinite(x):
        return "—"
    if x >= 100:
        return f"{x:.0f}"
    return f"{x:.3g}" if x >= 0.01 else f"{x:.1e}"


def gmean(xs):
    xs = [x for x in xs if x is not None and math.isfinite(x) and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def summary(xs):
    xs = [x for x in xs if x is not None and math.isfinite(x) and x > 0]
    if not xs:
        return "—"
    g = gmean(xs)
    return r(g) if len(xs) == 1 else f"{r(g)} ({r(min(xs))}–{r(max(xs))})"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


# ----- groups: what one headline row summarises -----------------------------------

def groups(instances):
    """(title, family, op, [instances]) in display order."""
    out = []
    for family in ("grad", "jvp", "hvp", "jacobian"):
        fam = [i for i in instances if i.family == family]
        if not fam:
            continue
        if family == "jacobian":
            for op in OPS[family]:
                out.append((f"{OP_NAMES[op]} ({len(fam)} shapes)", family, op, fam))
            continue
        for n in sorted({_size_class(i.n) for i in fam}):
            sub = [i for i in fam if _size_class(i.n) == n]
            for op in OPS[family]:
                what = f"{len(sub)} functions" if family != "hvp" else "Rosenbrock"
                out.append((f"{OP_NAMES[op]}, n≈{size_label(n)} ({what})", family, op, sub))
    return out


def _size_class(n):
    return 10 ** round(math.log10(n))


def _ratio_vs_adcheck(inst, tool, op):
    a, b = inst.row("adcheck", op), inst.row(tool, op)
    if a is None or b is None or not (a.stats.ok and b.stats.ok):
        return None
    return a.stats.median / b.stats.median


def headline_vs_peers(instances, peers):
    rows = []
    for title, family, op, sub in groups(instances):
        cells = [summary([_ratio_vs_adcheck(i, p, op) for i in sub]) for p in peers]
        if any(c != "—" for c in cells):
            rows.append([title] + cells)
    return table(["workload"] + peers, rows)


def headline_op_ratio(instances, tools):
    rows = []
    for title, family, op, sub in groups(instances):
        base = "f" if family != "hvp" else "grad"
        cells = [summary([(i.row(tl, op).ratio if i.row(tl, op) else None) for i in sub]) for tl in tools]
        rows.append([title.replace(OP_NAMES[op], f"{OP_NAMES[op]} ÷ {base}", 1)] + cells)
    return table(["workload"] + tools, rows)


# ----- per-workload tables ---------------------------------------------------------

def family_tables(instances, family):
    fam = [i for i in instances if i.family == family]
    if not fam:
        return []
    ops = OPS[family]
    base = "grad" if family == "hvp" else "f"
    parts = []
    keyed = {}
    for inst in fam:
        key = _size_class(inst.n) if family != "jacobian" else "all"
        keyed.setdefault(key, []).append(inst)
    for key, insts in keyed.items():
        title = TITLES[family] + ("" if key == "all" else f", n ≈ {size_label(key)}")
        header = ["problem", "tool", base]
        for op in ops:
            header += [OP_NAMES[op], f"÷ {base}", "adcheck ÷ tool"]
        header += ["spread", "samples", "max rel Δ vs adcheck"]
        rows = []
        for inst in insts:
            tools = list(dict.fromkeys(rw.tool for rw in inst.rows))
            for tool in tools:
                trows = [inst.row(tool, op) for op in ops]
                errors = [rw.stats.error for rw in inst.rows if rw.tool == tool and rw.stats.error]
                base_st = next((rw.base for rw in trows if rw is not None and rw.base is not None), None)
                cells = [inst.label, tool, t(base_st.median) if base_st and base_st.ok else "—"]
                spreads, samples, agrees = [], [], []
                for op, rw in zip(ops, trows):
                    if rw is None:
                        cells += ["n/a", "", ""]
                        continue
                    if not rw.stats.ok:
                        cells += ["error", "", ""]
                        continue
                    cells += [t(rw.stats.median), r(rw.ratio), r(_ratio_vs_adcheck(inst, tool, op))]
                    spreads.append(rw.stats.spread)
                    samples.append(f"{rw.stats.rounds}×{rw.stats.loops}")
                    if rw.agree is not None:
                        agrees.append(rw.agree)
                cells += [f"{max(spreads):.0%}" if spreads and all(math.isfinite(s) for s in spreads) else "—",
                          ", ".join(dict.fromkeys(samples)) or "—",
                          f"{max(agrees):.0e}" if agrees else "—"]
                rows.append(cells)
                for e in errors:
                    rows.append([inst.label, tool, "", f"error: {e}"] + [""] * (len(header) - 4))
        shapes = "; ".join(dict.fromkeys(f"{i.label}: {i.shapes}" for i in insts if i.shapes))
        parts.append(f"### {title}\n\n{table(header, rows)}\n\nShapes — {shapes}.\n")
    return parts


# ----- gradient checkers -------------------------------------------------------------

def _verdict_cell(v, wrong):
    if v is None:
        return "—"
    if v.error:
        return "error"
    if v.passed is None:
        return "inconclusive"
    if wrong:
        return "caught" if v.passed is False else "**missed**"
    return "pass" if v.passed else "**false alarm**"


def check_tables(rows, sizes):
    checkers = list(dict.fromkeys(rw.checker for rw in rows))
    by = {(rw.checker, rw.n): rw for rw in rows}
    labels = [f"n={size_label(n)}" for n in sizes]
    cost, verdict, detail = [], [], []
    for ch in checkers:
        c, v, d = [ch], [ch], [ch]
        for n in sizes:
            rw = by.get((ch, n))
            if rw is None or rw.skipped:
                c.append("not run")
                v.append("not run")
                d.append("")
                continue
            if not rw.stats.ok:
                c.append("error")
            else:
                evals = f" ({rw.evals:,.0f} f)" if rw.evals is not None else ""
                c.append(t(rw.stats.median) + evals)
            v.append(" / ".join([_verdict_cell(rw.correct, False)] + [_verdict_cell(w, True) for w in rw.wrong]))
            texts = [x.detail or x.error or "" for x in (rw.correct,) + tuple(rw.wrong) if x is not None]
            d.append(" / ".join(texts) if any(texts) else "")
        cost.append(c)
        verdict.append(v)
        detail.append(d)
    return (table(["checker"] + labels, cost), table(["checker"] + labels, verdict),
            table(["checker"] + labels, [d for d in detail if any(d[1:])]))


def cli_table(stats):
    """Median, min, max per command, and the median ÷ the import floor's (the run that imports
    numpy, sympy, typer and rich, if it is one of the commands)."""
    floor = next((st.median for name, st in stats.items() if name.endswith('import numpy, sympy, typer, rich"')
                  and st.ok), None)
    rows = []
    for name, st in stats.items():
        if st.ok:
            rows.append([f"`{name}`", t(st.median), t(st.q1), t(st.q3), st.rounds,
                         f"{st.median / floor:.2f}" if floor else "—"])
        else:
            rows.append([f"`{name}`", f"error: {st.error}", "", "", 0, ""])
    return table(["command", "median", "min", "max", "runs", "÷ import floor"], rows)
