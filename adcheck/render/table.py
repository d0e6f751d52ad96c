"""A grad / jacobian Report as rich renderables: header, methods table, kinks, notes, verdict.

Nothing here prints: :func:`report_renderables` returns a list the CLI
prints in order.  Layout by size of the Jacobian (m outputs, n inputs):

* scalar f, n ≤ 4: one column per variable, full digits;
* vector f, m ≤ 6 and n ≤ 4: the Jacobian per method, one row per output;
* anything larger: the norm, the largest error and the entry where it occurs
  (every entry is in the JSON output).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Optional

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from adcheck.render import numbers as num
from adcheck.render.console import Look

if TYPE_CHECKING:
    from adcheck.analysis.results import MethodResult, Report

PER_VARIABLE_MAX = 4   # one column per input up to this many inputs
PER_OUTPUT_MAX = 6     # one row per output (vector f) up to this many outputs
HEADER_LIST_MAX = 10   # variables / point entries spelled out in the header
EXACT_DIGITS = 20      # significant digits of the exact (symbolic) value

_VERDICT_STYLE = {0: ("ok", "bold green"), 1: ("bad", "bold red")}


def report_renderables(report: "Report", look: Look) -> list:
    """Everything ``adcheck grad`` shows for ``report``, in display order."""
    parts: list = [header(report, look), *methods_tables(report, look)]
    parts += _unavailable(report, look)
    if _is_large(report):
        parts.append(Text("per-entry values and errors: adcheck ... --format json", style=look.style("dim")))
    if report.kinks:
        parts += kinks_renderables(report, look)
    if report.steps:
        from adcheck.render.steps import steps_renderables

        parts += steps_renderables(report, look)
    parts += [Text(f"note: {note}", style=look.style("dim")) for note in report.notes]
    parts.append(verdict_line(report, look))
    return parts


# ---- header -----------------------------------------------------------------

def header(report: "Report", look: Look) -> Text:
    """``f = ...``, the variables and point, f's value and the exact derivative."""
    out = Text()
    bold = look.style("bold")

    def line(label: str, rest: str = "") -> None:
        out.append(label, style=bold)
        out.append(rest + "\n")

    expression = report.expression or report.target
    line("f = ", expression)
    if report.expression and report.target != report.expression:
        line("from ", report.target)
    names = list(report.variables)
    if len(names) > 1:
        line("variables in order: ", _cut(names, HEADER_LIST_MAX))
    point = [f"{k} = {num.full(v)}" for k, v in report.point.items()]
    line("at ", _cut(point, HEADER_LIST_MAX))
    args = ", ".join(names) if len(names) <= PER_VARIABLE_MAX else "x"
    value = num.full(report.value) if report.scalar_output else num.vector(report.value)
    line(f"f({args}) = ", value)
    for label, text, exact in _derivative_lines(report):
        line(label, text)
        if exact is not None:
            out.append(" " * (len(label) - 2) + "= ", style=bold)
            out.append(exact)
            out.append(f"  (exact, {EXACT_DIGITS} significant digits)\n", style=look.style("dim"))
    out.rstrip()
    return out


def _derivative_lines(report: "Report"):
    texts = report.derivative_text or ()
    digits = report.reference_digits or ()
    shown = len(texts) if len(texts) <= PER_VARIABLE_MAX + 2 else PER_VARIABLE_MAX
    for j in range(shown):
        exact = num.decimal_digits(digits[j], EXACT_DIGITS) if j < len(digits) else None
        yield f"df/d{report.variables[j]} = ", texts[j], exact
    if shown < len(texts):
        yield "", f"… {len(texts) - shown} more derivatives in the JSON output", None


def _cut(items: list, limit: int) -> str:
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f", … ({len(items)} in all)"


# ---- methods table ----------------------------------------------------------

def _is_large(report: "Report") -> bool:
    m, n = report.shape
    return n > PER_VARIABLE_MAX or (m > PER_OUTPUT_MAX)


def methods_tables(report: "Report", look: Look) -> list:
    """One row per method (one row per output and method for a small vector f).

    When the whole table is wider than ``look.width`` it is split in two: the
    derivative values with the marks, then the errors and costs.
    """
    columns, rows = _method_grid(report, look)
    widths = [max([cell_len(c.header)] + [_cell_len(row.cells[k]) for row in rows])
              for k, c in enumerate(columns)]
    if look.width is None or sum(w + 3 for w in widths) + 1 <= look.width:
        return [_table(columns, rows, range(len(columns)), look)]
    mark = len(columns) - 1
    values = [0] + [k for k, c in enumerate(columns) if c.kind == "value"] + [mark]
    stats = [0] + [k for k, c in enumerate(columns) if c.kind == "stat"]
    short = [replace(row, cells=row.cells[:-1] + [row.short_mark]) for row in rows]
    return [_table(columns, short, values, look),
            _table(columns, [row for row in rows if row.first], stats, look)]


@dataclass(frozen=True)
class _Column:
    header: str
    kind: str = "stat"        # "label", "value" or "stat"
    justify: str = "right"


@dataclass(frozen=True)
class _Row:
    cells: list
    first: bool = True        # first row of its method (vector f: one row per output)
    end_section: bool = False
    short_mark: object = ""   # the mark without words, for narrow terminals


def _method_grid(report: "Report", look: Look) -> tuple[list, list]:
    large = _is_large(report)
    columns = [_Column("method", "label", "left")]
    if large:
        columns.append(_Column("|grad|" if report.scalar_output else "‖J‖", "value"))
    else:
        if not report.scalar_output:
            columns.append(_Column("out", "value", "left"))
        prefix = "df" if report.scalar_output else "d"
        columns += [_Column(f"{prefix}/d{name}", "value") for name in report.variables]
    columns += [_Column("abs error"), _Column("rel error")]
    if large:
        columns.append(_Column("worst entry", justify="left"))
    columns += [_Column("error est."), _Column("evals"), _Column("time"), _Column("", "label", "left")]
    ref = report.method(report.reference) if report.reference else None
    rows = []
    for r in report.methods:
        is_ref = ref is not None and r.method == ref.method
        stats = _stats(r, is_ref, look)
        if large:
            cells = [r.method, _norm_cell(r)] + stats[:2] + [_worst(report, r)] + stats[2:]
            rows.append(_Row(cells, short_mark=_short_mark(stats[-1])))
            continue
        values = _value_rows(report, r, ref, is_ref, look)
        for i, cells in enumerate(values):
            lead = [r.method if i == 0 else ""] + ([] if report.scalar_output else [f"f[{i}]"])
            tail = stats if i == 0 else [""] * len(stats)
            rows.append(_Row(lead + cells + tail, first=i == 0,
                             end_section=len(values) > 1 and i == len(values) - 1,
                             short_mark=_short_mark(tail[-1])))
    return columns, rows


def _table(columns: list, rows: list, keep, look: Look) -> Table:
    keep = list(keep)
    table = Table(box=look.box, header_style=look.style("bold"))
    for k in keep:
        c = columns[k]
        table.add_column(c.header, justify=c.justify, no_wrap=c.kind != "value",
                         overflow="fold")
    for row in rows:
        table.add_row(*(row.cells[k] for k in keep), end_section=row.end_section)
    return table


def _cell_len(cell) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(str(cell))


def _stats(r: "MethodResult", is_ref: bool, look: Look) -> list:
    """abs error, rel error, error estimate, evaluations, time, mark."""
    if r.error is not None:
        return ["", "", "", "", "", Text(look.mark("na"), style=look.style("yellow"))]
    if is_ref:
        errors = [num.DASH, num.DASH]
        mark = Text(f"{look.mark('ref')} reference", style=look.style("dim"))
    else:
        errors = [num.short(r.abs_error), num.short(r.rel_error)]
        mark = _mark(r.agrees, look)
    return errors + [num.short(r.err_est), str(r.evaluations), num.duration(r.seconds), mark]


def _short_mark(mark) -> object:
    """The first word of a mark: ``✓``, ``✗``, ``—``, ``n/a``, ``?``."""
    if not isinstance(mark, Text) or " " not in mark.plain:
        return mark
    return Text(mark.plain.split(" ")[0], style=mark.style)


def _mark(agrees: Optional[bool], look: Look) -> Text:
    if agrees is True:
        return Text(look.mark("ok"), style=look.style("bold green"))
    if agrees is False:
        return Text(f"{look.mark('bad')} beyond tolerance", style=look.style("bold red"))
    return Text(look.mark("unknown"), style=look.style("yellow"))


def _value_rows(report: "Report", r: "MethodResult", ref, is_ref: bool, look: Look) -> list:
    """Rows (one per output) of value cells, digits that differ from the reference dimmed."""
    m, n = report.shape
    if r.jacobian is None:
        return [[num.DASH] * n]
    rows = []
    for i in range(m):
        cells = []
        for j in range(n):
            text = num.full(r.jacobian[i][j])
            exact = None if (ref is None or is_ref or ref.jacobian is None) else num.full(ref.jacobian[i][j])
            cells.append(_digits(text, exact, r.agrees, look))
        rows.append(cells)
    return rows


def _digits(text: str, exact: Optional[str], agrees: Optional[bool], look: Look) -> Text:
    if exact is None or look.plain:
        return Text(text)
    k = num.common_prefix(text, exact)
    out = Text(text[:k])
    out.append(text[k:], style="red" if agrees is False else "dim")
    return out


def _norm_cell(r: "MethodResult") -> str:
    if r.jacobian is None:
        return "n/a"
    value = num.norm(r.jacobian)
    return num.full(value)


def _worst(report: "Report", r: "MethodResult") -> str:
    if r.worst is None or r.error is not None or not r.abs_error:
        return ""
    i, j = r.worst
    var = report.variables[j] if j < len(report.variables) else str(j)
    return var if report.scalar_output else f"f[{i}] / {var}"


def _unavailable(report: "Report", look: Look) -> list:
    """One line per method that could not run, with its reason."""
    return [Text(f"{look.mark('na')}  {r.method}: {r.error}", style=look.style("yellow"))
            for r in report.methods if r.error is not None]


# ---- kinks and verdict ---------------------------------------------------------

def kinks_renderables(report: "Report", look: Look) -> list:
    """Where f has a kink: a title line and the one-sided derivatives along each variable."""
    title = Text("not differentiable here: the one-sided derivatives differ", style=look.style("bold yellow"))
    table = Table(box=look.box, header_style=look.style("bold"))
    vector = not report.scalar_output
    if vector:
        table.add_column("output")
    table.add_column("variable")
    table.add_column("left derivative", justify="right")
    table.add_column("right derivative", justify="right")
    for k in report.kinks:
        lead = [f"f[{k.output}]"] if vector else []
        table.add_row(*lead, k.variable, num.full(k.left), num.full(k.right))
    return [title, table]


def verdict_line(report: "Report", look: Look) -> Text:
    """The one-line verdict: ✓ pass (green), ✗ mismatch (red), ? inconclusive (yellow)."""
    kind, style = _VERDICT_STYLE.get(report.exit_code, ("unknown", "bold yellow"))
    return Text(f"{look.mark(kind)} {report.verdict}", style=look.style(style))
