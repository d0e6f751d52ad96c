"""The ``--steps`` sweep as renderables: FD error against step h, per variable.

For each StepReport: a table (one row per h, the best h of each scheme
marked), a line comparing the best observed steps with the theoretical
optima (√ε·scale for forward differences, ∛ε·scale for central), and a
text chart of log10|error| against log10(h).  The chart shows the "V":
truncation error falls as h shrinks until round-off error (≈ ε|f|/h)
takes over.  Plain characters only, so it works in any terminal or pipe.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from adcheck.render import numbers as num
from adcheck.render.console import Look

if TYPE_CHECKING:
    from adcheck.analysis.results import Report, StepReport

SCHEMES = ("forward", "central", "richardson")
TITLES = {"forward": "forward", "central": "central", "richardson": "Richardson"}
LETTERS = {"forward": "f", "central": "c", "richardson": "r"}
COLOURS = {"forward": "cyan", "central": "magenta", "richardson": "green"}
MAX_DECADES = 24  # chart height limit


def steps_renderables(report: "Report", look: Look) -> list:
    """Table, optimum line and chart for every StepReport of ``report``."""
    out: list = []
    for sweep in report.steps:
        errors, basis = sweep_errors(report, sweep)
        best = best_rows(sweep, errors)
        out.append(Text(step_title(report, sweep), style=look.style("bold")))
        out.append(step_table(sweep, errors, best, look))
        out.append(optimum_line(sweep, best, look))
        out.append(error_chart(sweep, errors, basis, look))
    return out


def sweep_errors(report: "Report", sweep: "StepReport") -> tuple[dict, str]:
    """Per scheme, the error at each row, and what it is measured against.

    With the exact derivative the sweep's own errors are used; without it,
    the distance from the best Richardson estimate stands in.
    """
    if sweep.exact is not None or any(r.forward_error is not None for r in sweep.rows):
        return ({s: [getattr(r, f"{s}_error") for r in sweep.rows] for s in SCHEMES},
                "the exact derivative" if _basis_name(report) == "exact" else f"the {report.reference} value")
    anchor_h = sweep.best_h.get("richardson")
    anchor = next((r.richardson for r in sweep.rows
                   if anchor_h is not None and _same(r.h, anchor_h) and r.richardson is not None), None)
    if anchor is None:
        return {s: [None] * len(sweep.rows) for s in SCHEMES}, "nothing"
    errors = {s: [None if getattr(r, s) is None else abs(getattr(r, s) - anchor) for r in sweep.rows]
              for s in SCHEMES}
    return errors, "the best Richardson estimate"


def best_rows(sweep: "StepReport", errors: dict) -> dict:
    """Per scheme, the index of the row with the best step (the sweep's choice, else least error)."""
    best = {}
    for s in SCHEMES:
        h = sweep.best_h.get(s)
        idx = next((i for i, r in enumerate(sweep.rows) if h is not None and _same(r.h, h)), None)
        if idx is None:
            known = [(e, i) for i, e in enumerate(errors[s]) if e is not None and math.isfinite(e)]
            idx = min(known)[1] if known else None
        best[s] = idx
    return best


def _same(a: float, b: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=1e-9)


def _label(report: "Report", sweep: "StepReport") -> str:
    out = "f" if report.scalar_output else "f[0]"
    return f"d{out}/d{sweep.variable}"


def step_title(report: "Report", sweep: "StepReport") -> str:
    title = f"step sweep for {_label(report, sweep)}"
    if sweep.exact is not None:
        title += f" ({_basis_name(report)} {num.full(sweep.exact)})"
    return title


def _basis_name(report: "Report") -> str:
    """What the sweep's errors are measured from: the exact derivative, or the reference method."""
    if report.reference in (None, "symbolic"):
        return "exact"
    return f"reference, {report.reference}:"


def step_table(sweep: "StepReport", errors: dict, best: dict, look: Look) -> Table:
    """One row per step h: each scheme's error (or value), the best step marked."""
    show_errors = sweep.exact is not None
    table = Table(box=look.box, header_style=look.style("bold"))
    table.add_column("h", justify="right", no_wrap=True)
    for s in SCHEMES:
        table.add_column(f"{TITLES[s]} {'error' if show_errors else 'value'}", justify="right", no_wrap=True)
    for i, row in enumerate(sweep.rows):
        cells = []
        for s in SCHEMES:
            text = num.short(errors[s][i]) if show_errors else num.full(getattr(row, s))
            if best.get(s) == i:
                cells.append(Text(f"{text} {look.mark('best')}", style=look.style(f"bold {COLOURS[s]}")))
            else:
                cells.append(Text(f"{text}  "))
        table.add_row(f"{row.h:.0e}", *cells)
    return table


def optimum_line(sweep: "StepReport", best: dict, look: Look) -> Text:
    """Best observed steps next to the theoretical optima."""
    observed = ", ".join(f"{TITLES[s]} {sweep.rows[i].h:.0e}" for s, i in best.items() if i is not None)
    root2, root3 = ("√ε", "∛ε") if look.unicode else ("sqrt(eps)", "cbrt(eps)")
    theory = []
    if sweep.optimal_h.get("forward") is not None:
        theory.append(f"forward {root2}·scale ≈ {float(sweep.optimal_h['forward']):.1e}")
    if sweep.optimal_h.get("central") is not None:
        theory.append(f"central {root3}·scale ≈ {float(sweep.optimal_h['central']):.1e}")
    text = Text()
    text.append("best h observed: ", style=look.style("bold"))
    text.append(observed or num.DASH)
    if theory:
        text.append("\ntheoretical optimum: ", style=look.style("bold"))
        text.append(", ".join(theory))
    return text


def error_chart(sweep: "StepReport", errors: dict, basis: str, look: Look) -> Text:
    """log10|error| (rows, one per decade) against log10(h) (columns), one letter per scheme."""
    order = sorted(range(len(sweep.rows)), key=lambda i: sweep.rows[i].h)  # h ascending
    logs = {s: [num.log10_or_none(errors[s][i]) for i in order] for s in SCHEMES}
    zeros = any(errors[s][i] == 0 for s in SCHEMES for i in order)
    finite = [v for s in SCHEMES for v in logs[s] if v is not None]
    if not finite and not zeros:
        return Text("(no errors to chart)", style=look.style("dim"))
    hi = math.ceil(max(finite)) if finite else 0
    lo = math.floor(min(finite)) if finite else hi - 1
    lo = max(lo - (1 if zeros else 0), hi - MAX_DECADES)
    hi = max(hi, lo + 1)

    grid = {}  # (level, column) -> schemes
    for s in SCHEMES:
        for col, i in enumerate(order):
            err = errors[s][i]
            if err is None or err != err:  # missing or NaN
                continue
            if err == 0:
                level = lo
            elif logs[s][col] is None:
                continue  # infinite: off the chart
            else:
                level = min(max(round(logs[s][col]), lo), hi)
            grid.setdefault((level, col), []).append(s)

    out = Text()
    out.append(f"log10|error| against log10(h), error measured from {basis}\n", style=look.style("bold"))
    for level in range(hi, lo - 1, -1):
        label = "0" if zeros and level == lo else f"1e{level:+03d}"
        line = Text(f"{label:>6} |")
        for col in range(len(order)):
            here = grid.get((level, col), [])
            for s in SCHEMES:
                if s in here:
                    line.append(LETTERS[s], style=look.style(f"bold {COLOURS[s]}"))
                else:
                    line.append(" ")
            line.append(" ")
        line.rstrip()
        out.append_text(line)
        out.append("\n")
    out.append(" " * 7 + "+" + "-" * (4 * len(order)) + "\n")
    ticks = "".join(f"{round(math.log10(sweep.rows[i].h)):>3} " for i in order)
    out.append(" " * 8 + ticks + " log10(h)\n")
    legend = "   ".join(f"{LETTERS[s]} = {TITLES[s]}" for s in SCHEMES)
    out.append(" " * 8 + legend, style=look.style("dim"))
    return out
