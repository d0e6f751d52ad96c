"""``adcheck check`` as rich renderables, and one CheckResult as plain text.  Nothing here prints.

:func:`run_renderables` — a summary table (one row per check: name, kind,
points, max abs / rel error, worst entry, tolerance, status), then for each
check that did not pass (fail, xpass, inconclusive, error) its worst entries
(output i, input j, your value, AD, FD ± its error, allowed), the verdict,
the point and the seed to replay it, and a closing count line.

:func:`result_text` — a CheckResult or RuleReport as a small fixed-width
table (a ``str``), the message of :mod:`adcheck.testing`'s AssertionError.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from adcheck.render import numbers as num
from adcheck.render.console import Look

__all__ = ["run_renderables", "summary_table", "failure_renderables", "count_line",
           "entry_rows", "rule_rows", "result_text"]

_STATUS = {"pass": ("ok", "pass", "bold green"), "xfail": ("ok", "xfail", "green"),
           "fail": ("bad", "FAIL", "bold red"), "xpass": ("bad", "XPASS", "bold red"),
           "inconclusive": ("unknown", "inconclusive", "bold yellow"),
           "error": ("unknown", "error", "bold yellow")}
WORST_K = 5


def status_text(status: str, look: Look) -> Text:
    mark, word, style = _STATUS.get(status, ("unknown", status, "yellow"))
    return Text(f"{look.mark(mark)} {word}", style=look.style(style))


def run_renderables(run, look: Look, *, worst_k: int = WORST_K) -> list:
    """Everything ``adcheck check`` shows for ``run``, in display order."""
    parts: list = []
    if run.results:
        parts.append(summary_table(run, look))
    for r in run.results:
        if r.status not in ("pass", "xfail"):
            parts += failure_renderables(r, look, worst_k=worst_k)
    parts += [Text(f"note: {n}", style=look.style("dim")) for n in run.notes]
    parts.append(count_line(run, look))
    return parts


def _short_tolerance(text: str) -> str:
    return text.split(",")[0].split(" (")[0] if text else ""


def summary_table(run, look: Look) -> Table:
    table = Table(box=look.box, header_style=look.style("bold"))
    for header, justify in (("check", "left"), ("kind", "left"), ("points", "right"),
                            ("max abs err", "right"), ("max rel err", "right"),
                            ("worst entry", "left"), ("tolerance", "left"), ("", "left")):
        table.add_column(header, justify=justify, overflow="fold")
    for r in run.results:
        table.add_row(r.name.rsplit(" ", 1)[0] if r.name.endswith(" " + r.kind) else r.name, r.kind, str(r.points or ""), num.short(r.max_abs_error),
                      num.short(r.max_rel_error), r.worst_entry, _short_tolerance(r.tolerance),
                      status_text(r.status, look))
    return table


def failure_renderables(record, look: Look, *, worst_k: int = WORST_K) -> list:
    """The title, worst entries (or sub-checks), verdict, point and seed of one check."""
    title = Text(f"{record.name}: ", style=look.style("bold"))
    title.append_text(status_text(record.status, look))
    parts: list = [Text(""), title]
    result = record.result
    if result is not None:
        if hasattr(result, "checks"):
            headers, rows = rule_rows(result, failed_only=True)
        else:
            headers, rows = entry_rows(result, worst_k, names=_point_names(record.point))
        if rows:
            table = Table(box=look.box, header_style=look.style("bold"))
            for h in headers:
                table.add_column(h, justify="left" if h in ("entry", "sub-check", "message") else "right",
                                 overflow="fold")
            for row in rows:
                table.add_row(*row)
            parts.append(table)
    style = "bold red" if record.exit_code == 1 else "bold yellow"
    parts.append(Text(record.verdict, style=look.style(style)))
    if record.tolerance:
        parts.append(Text(f"tolerance: {record.tolerance}", style=look.style("dim")))
    if record.traceback:
        parts.append(Text(record.traceback, style=look.style("dim")))
    if record.point is not None:
        where = ", ".join(f"{k} = {num.vector(v) if isinstance(v, list) else num.full(v)}"
                          for k, v in record.point.items())
        parts.append(Text(f"at {where}; seed {record.seed}", style=look.style("dim")))
    return parts


def count_line(run, look: Look) -> Text:
    counts = {k: v for k, v in run.counts.items() if v}
    words = {"pass": "passed", "fail": "failed"}
    text = ", ".join(f"{v} {words.get(k, k)}" for k, v in counts.items()) or "no checks"
    kind = "ok" if run.exit_code == 0 else ("bad" if run.exit_code == 1 else "unknown")
    style = {"ok": "bold green", "bad": "bold red"}.get(kind, "bold yellow")
    line = Text(f"{look.mark(kind)} {text} in {num.duration(run.seconds)}; seed {run.seed} "
                f"(replay with --seed {run.seed}); exit {run.exit_code}", style=look.style(style))
    return line


# ----- rows shared by the rich and the plain renderers ------------------------------------

def _point_names(point) -> list:
    """``x[0]``, ``W[0,1]``...: the flat input entries of a record's point (its ``v`` left out)."""
    from adcheck.frontends.pyfile_points import variable_names
    import numpy as np

    names = []
    for arg, value in (point or {}).items():
        if arg != "v":
            names += variable_names(arg, np.shape(value))
    return names


def entry_rows(result, k: int = WORST_K, names=None) -> tuple:
    """(headers, rows of str): the worst k entries of a CheckResult (inputs named by ``names``)."""
    entries = list(result.worst_entries)[:k] or ([result.worst] if result.worst and not result.passed else [])
    grad = result.kind == "grad"
    headers = (["entry"] if grad else ["output i", "input j"]) + ["yours", "AD", "FD ± error", "allowed"]
    rows = []
    for e in entries:
        fd = num.DASH if e.fd is None else num.full(e.fd) + ("" if e.fd_err is None else f" ± {num.short(e.fd_err)}")
        col = names[e.input] if names and 0 <= e.input < len(names) else f"x[{e.input}]"
        lead = [col] if grad else [str(e.output), col if result.kind != "hvp" else str(e.input)]
        rows.append(lead + [num.full(e.user), num.DASH if e.ad is None else num.full(e.ad), fd,
                            num.short(e.allowed)])
    return headers, rows


def rule_rows(report, failed_only: bool = False) -> tuple:
    """(headers, rows of str): one row per sub-check of a RuleReport (only those that failed)."""
    mark = {True: "ok", False: "FAIL", None: "n/a"}
    rows = [[c.name, mark[c.passed], num.short(c.max_error), num.short(c.allowed), c.message]
            for c in report.checks if c.passed is False or not failed_only]
    return ["sub-check", "result", "error", "allowed", "message"], rows


def _fixed_width(headers, rows) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip() for line in [headers, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join("  " + line for line in lines)


def result_text(result, *, k: int = WORST_K) -> str:
    """A CheckResult (or RuleReport) as plain text: a title, a fixed-width table, the verdict."""
    code = result.exit_code
    status = {0: "pass", 1: "FAIL", 3: "inconclusive"}.get(code, f"exit {code}")
    if hasattr(result, "checks"):
        headers, rows = rule_rows(result)
        title = f"adcheck: custom rules of {result.name}: {status} (exit {code})"
        verdict = "\n".join(c.message for c in result.checks if c.passed is False) or "every sub-check passed"
        tail = []
    else:
        headers, rows = entry_rows(result, k)
        what = {"grad": "gradient", "jacobian": "Jacobian", "hvp": "Hessian-vector product"}.get(result.kind,
                                                                                                  result.kind)
        m, n = result.shape
        title = f"adcheck: {what} of {result.name} ({m}×{n}, {result.dtype}): {status} (exit {code})"
        verdict = result.verdict
        tail = [f"tolerance: {result.tolerance}" if result.tolerance else "",
                f"reference: {result.reference}" if result.reference else "",
                f"seed: {result.seed}" if result.seed is not None else ""]
        tail += [f"note: {note}" for note in result.notes]
    lines = [title]
    if rows:
        lines.append(_fixed_width(headers, rows))
    lines.append(verdict)
    lines += [t for t in tail if t]
    return "\n".join(lines)
