"""Renderables for ``adcheck jacobian``, ``hvp`` and ``hessian``.  Nothing here prints.

jacobian: the grad layout of :mod:`adcheck.render.table`, plus

* when that layout shows only norms (n > 4 inputs or m > 6 outputs) but the
  Jacobian is small (m·n ≤ 36 entries), each method's Jacobian as a matrix
  (the shorter side across, so it stays narrow);
* for a larger Jacobian, the worst entries of each method: output i, input j,
  its value and the reference value;
* the mode recommendation (forward or reverse) and its reason.

hvp / hessian: the same header and marks; a row per method with H·v (one
column per variable up to 4) or ‖H‖, the errors, the worst entry, the
Hessian's asymmetry max |H − Hᵀ|; the reference Hessian as a matrix for
n ≤ 6 (and the matrix of any method that disagrees).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from rich.table import Table
from rich.text import Text

from adcheck.render import numbers as num
from adcheck.render.console import Look
from adcheck.render.table import (PER_OUTPUT_MAX, PER_VARIABLE_MAX, _stats, _unavailable, header,
                                  report_renderables, verdict_line)

if TYPE_CHECKING:
    from adcheck.analysis.results import MethodResult, Report

MATRIX_MAX_ENTRIES = 36  # jacobian: show every method's matrix up to this many entries
WORST_SHOWN = 3          # jacobian: worst entries per method for a large Jacobian
HESSIAN_SHOWN_MAX = 6    # hessian: show the matrices up to this n
SECOND_TEXT_MAX_N = 3    # hessian: spell out the symbolic second derivatives up to this n


# ---- jacobian ------------------------------------------------------------------------------

def jacobian_renderables(report: "Report", look: Look) -> list:
    """The grad layout, the matrices or worst entries it leaves out, and the recommendation."""
    parts = report_renderables(report, look)
    m, n = report.shape
    more: list = []
    if n > PER_VARIABLE_MAX or m > PER_OUTPUT_MAX:
        if m * n <= MATRIX_MAX_ENTRIES:
            more += _jacobian_matrices(report, look)
        else:
            more += _worst_entries(report, look)
    rec = report.extra.get("recommendation")
    if rec:
        line = Text("recommended: ", style=look.style("bold"))
        line.append(f"{rec.get('mode')} mode")
        if rec.get("reason"):
            line.append(f" — {rec['reason']}" if look.unicode else f" - {rec['reason']}")
        more.append(line)
    return parts[:-1] + more + parts[-1:]


def _output_labels(report: "Report") -> list:
    return ["f"] if report.scalar_output else [f"f[{i}]" for i in range(report.shape[0])]


def _jacobian_matrices(report: "Report", look: Look) -> list:
    out = []
    rows, cols = _output_labels(report), list(report.variables)
    for r in report.methods:
        if r.jacobian is None or r.error is not None:
            continue
        out.append(_method_title(report, r, look))
        out.append(matrix_table(r.jacobian, rows, cols, look))
    return out


def _worst_entries(report: "Report", look: Look) -> list:
    ref = report.method(report.reference) if report.reference else None
    if ref is None or ref.jacobian is None:
        return []
    exact = np.array(ref.jacobian, dtype=float)
    labels = _output_labels(report)
    table = Table(box=look.box, header_style=look.style("bold"),
                  title=f"worst entries against {ref.method}", title_justify="left")
    for name, justify in (("method", "left"), ("output i", "left"), ("input j", "left"),
                          ("value", "right"), ("reference", "right"), ("abs error", "right")):
        table.add_column(name, justify=justify, no_wrap=True)
    for r in report.methods:
        if r is ref or r.jacobian is None or r.error is not None:
            continue
        jac = np.array(r.jacobian, dtype=float)
        diff = np.abs(jac - exact)
        order = [k for k in np.argsort(-diff, axis=None, kind="stable")[:WORST_SHOWN] if diff.flat[k] > 0]
        for rank, k in enumerate(order):
            i, j = np.unravel_index(k, diff.shape)
            table.add_row(r.method if rank == 0 else "", labels[i], Text(report.variables[j]),
                          num.full(jac[i, j]), num.full(exact[i, j]), num.short(diff[i, j]))
    return [table] if table.row_count else []


# ---- hvp / hessian -------------------------------------------------------------------------

def second_renderables(report: "Report", look: Look) -> list:
    """Everything ``adcheck hvp`` / ``adcheck hessian`` shows for ``report``, in order."""
    hessian = report.command == "hessian"
    parts: list = [_second_header(report, look), _second_table(report, look)]
    parts += _unavailable(report, look)
    n = len(report.variables)
    ref = report.method(report.reference) if report.reference else None
    names = list(report.variables)
    if hessian and n <= HESSIAN_SHOWN_MAX and not report.kinks:
        for r in report.methods:
            if r.jacobian is not None and r.error is None and (r is ref or r.agrees is False):
                parts += [_method_title(report, r, look), matrix_table(r.jacobian, names, names, look)]
    elif not hessian and n > PER_VARIABLE_MAX and ref is not None and ref.jacobian is not None:
        parts.append(Text(f"H·v by {ref.method} = {num.vector(ref.jacobian[0])}"))
    if n > (HESSIAN_SHOWN_MAX if hessian else PER_VARIABLE_MAX):
        parts.append(Text("every entry: adcheck ... --format json", style=look.style("dim")))
    if report.kinks:
        parts += _kinks(report, look)
    parts += [Text(f"note: {note}", style=look.style("dim")) for note in report.notes]
    parts.append(verdict_line(report, look))
    return parts


def _second_header(report: "Report", look: Look) -> Text:
    out = header(replace(report, derivative_text=None), look)
    bold = look.style("bold")
    if "v" in report.extra:
        out.append("\nv = ", style=bold)
        out.append(num.vector(report.extra["v"]))
    texts = report.derivative_text
    if report.command == "hessian" and texts and len(texts) <= SECOND_TEXT_MAX_N:
        names = report.variables
        for i in range(len(texts)):
            for j in range(i, len(texts)):
                what = f"∂²f/∂{names[i]}²" if i == j else f"∂²f/∂{names[i]}∂{names[j]}"
                out.append(f"\n{what} = ", style=bold)
                out.append(str(texts[i][j]))
    return out


def _second_table(report: "Report", look: Look) -> Table:
    hessian = report.command == "hessian"
    n = len(report.variables)
    per_variable = not hessian and n <= PER_VARIABLE_MAX
    table = Table(box=look.box, header_style=look.style("bold"))
    table.add_column("method", no_wrap=True)
    if per_variable:
        for name in report.variables:
            table.add_column(Text(f"H·v [{name}]"), justify="right", no_wrap=True)
    else:
        table.add_column("‖H‖" if hessian else "‖H·v‖", justify="right", no_wrap=True)
    table.add_column("abs error", justify="right", no_wrap=True)
    table.add_column("rel error", justify="right", no_wrap=True)
    if not per_variable:
        table.add_column("worst entry", no_wrap=True)
    if hessian:
        table.add_column("max |H − Hᵀ|" if look.unicode else "max |H - H^T|", justify="right",
                         no_wrap=True)
    for title in ("error est.", "evals", "time", ""):
        table.add_column(title, justify="left" if not title else "right", no_wrap=True)
    for r in report.methods:
        stats = _stats(r, r.method == report.reference, look)
        if r.jacobian is None or r.error is not None:
            values = [num.DASH] * (n if per_variable else 1)
        elif per_variable:
            values = [num.full(x) for x in r.jacobian[0]]
        else:
            values = [num.full(num.norm(r.jacobian))]
        cells = [r.method, *values, *stats[:2]]
        if not per_variable:
            cells.append(_worst(report, r))
        if hessian:
            gap = report.method_extra.get(r.method, {}).get("asymmetry") \
                if hasattr(report, "method_extra") else None
            cells.append(num.short(gap) if r.error is None else "")
        table.add_row(*cells, *stats[2:])
    return table


def _worst(report: "Report", r: "MethodResult") -> str:
    if r.worst is None or r.error is not None or not r.abs_error:
        return ""
    i, j = r.worst
    names = report.variables
    return f"{names[i]}, {names[j]}" if report.command == "hessian" else names[j]


# ---- shared pieces -------------------------------------------------------------------------

def _method_title(report: "Report", r: "MethodResult", look: Look) -> Text:
    what = {"hessian": "Hessian", "hvp": "H·v"}.get(report.command, "Jacobian")
    text = Text(f"{what} by {r.method}", style=look.style("bold"))
    if r.method == report.reference:
        text.append(" (reference)", style=look.style("dim"))
    elif r.agrees is not None:
        text.append(f" {look.mark('ok' if r.agrees else 'bad')}",
                    style=look.style("green" if r.agrees else "bold red"))
    return text


def matrix_table(matrix, row_labels: list, col_labels: list, look: Look,
                 *, max_columns: int = 6) -> Table:
    """A labelled matrix; transposed (inputs down, outputs across) when it has more columns
    than rows and more than ``max_columns`` columns, so it fits a terminal."""
    rows = [list(r) for r in matrix]
    corner = ""
    if len(col_labels) > max_columns and len(col_labels) > len(row_labels):
        rows = [list(c) for c in zip(*rows)]
        row_labels, col_labels, corner = col_labels, row_labels, "transposed"
    table = Table(box=look.box, header_style=look.style("bold"))
    table.add_column(corner, no_wrap=True, style=look.style("bold"))
    for label in col_labels:  # Text: names such as x[0] are never read as markup
        table.add_column(Text(label), justify="right", no_wrap=True)
    for label, row in zip(row_labels, rows):
        table.add_row(Text(label), *(num.full(x) for x in row))
    return table


def _kinks(report: "Report", look: Look) -> list:
    of_gradient = report.extra.get("kinks_of") == "gradient"
    return kink_renderables("not twice differentiable here", report.kinks,
                            lambda k: f"∂f/∂{report.variables[k.output]}" if of_gradient else "f", look)


def kink_renderables(title: str, kinks, what, look: Look) -> list:
    """A title and one row per kink: what was differentiated, along which variable, both sides."""
    heading = Text(f"{title}: the one-sided derivatives differ", style=look.style("bold yellow"))
    table = Table(box=look.box, header_style=look.style("bold"))
    for name, justify in (("derivative of", "left"), ("along", "left"), ("left", "right"),
                          ("right", "right")):
        table.add_column(name, justify=justify, no_wrap=True)
    for k in kinks:
        table.add_row(what(k), k.variable, num.full(k.left), num.full(k.right))
    return [heading, table]

