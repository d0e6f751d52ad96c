"""Renderables for ``adcheck grad TARGET --order k`` (:mod:`adcheck.analysis.higher`).  No printing.

order 1: the grad layout; order 2: the Hessian layout of :mod:`adcheck.render.second`
(‖H‖ per method, asymmetry, the reference matrix); order 3 (one variable): the
symbolic third derivative in the header and a row per method with its value.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from adcheck.render import numbers as num
from adcheck.render.console import Look
from adcheck.render.second import kink_renderables, second_renderables
from adcheck.render.table import _stats, _unavailable, header, report_renderables, verdict_line

if TYPE_CHECKING:
    from adcheck.analysis.results import Report

_SUP = {2: "²", 3: "³"}


def order_renderables(report: "Report", look: Look) -> list:
    """Everything ``adcheck grad --order k`` shows for ``report``, in order."""
    order = int(report.extra.get("order", 1))
    if order <= 1:
        return report_renderables(report, look)
    if order == 2:
        return second_renderables(replace(report, command="hessian"), look)
    parts: list = [_header(report, order, look), _table(report, order, look)]
    parts += _unavailable(report, look)
    if report.kinks:
        parts += _kinks(report, order, look)
    parts += [Text(f"note: {note}", style=look.style("dim")) for note in report.notes]
    parts.append(verdict_line(report, look))
    return parts


def _label(report: "Report", order: int, look: Look) -> str:
    x = report.variables[0]
    if look.unicode:
        sup = _SUP.get(order, f"^{order}")
        return f"d{sup}f/d{x}{sup}"
    return f"d^{order}f/d{x}^{order}"


def _header(report: "Report", order: int, look: Look) -> Text:
    out = header(replace(report, derivative_text=None, reference_digits=None), look)
    if report.derivative_text:
        out.append(f"\n{_label(report, order, look)} = ", style=look.style("bold"))
        out.append(str(report.derivative_text[0]))
    return out


def _table(report: "Report", order: int, look: Look) -> Table:
    table = Table(box=look.box, header_style=look.style("bold"))
    table.add_column("method", no_wrap=True)
    table.add_column(Text(_label(report, order, look)), justify="right", no_wrap=True)
    for title in ("abs error", "rel error"):
        table.add_column(title, justify="right", no_wrap=True)
    for title in ("error est.", "evals", "time", ""):
        table.add_column(title, justify="left" if not title else "right", no_wrap=True)
    for r in report.methods:
        stats = _stats(r, r.method == report.reference, look)
        value = num.DASH if r.jacobian is None or r.error is not None else num.full(r.jacobian[0][0])
        table.add_row(r.method, value, *stats)
    return table


def _kinks(report: "Report", order: int, look: Look) -> list:
    kind = report.extra.get("kinks_of", "f")
    x = report.variables[0]
    what = {"f": "f", "gradient": f"df/d{x}"}.get(kind, _label(report, order - 1, look))
    return kink_renderables(f"not {order} times differentiable here", report.kinks, lambda k: what, look)
