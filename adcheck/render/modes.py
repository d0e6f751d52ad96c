"""``adcheck modes`` as rich renderables: forward vs reverse for a full Jacobian.

Nothing here prints.  Three entry points, each returning a list the CLI
prints in order:

* :func:`recommendation_renderables` -- a measured :class:`Recommendation`:
  a header, one column per mode (passes, one pass, constant c, predicted and
  measured full Jacobian), notes, and the recommendation with its reason;
* :func:`shape_advice_renderables` -- ``--shape N,M``: the same table in
  evaluations of f from the cost model, the recommendation, the explanation;
* :func:`sweep_renderables` -- the crossover table, one row per shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from rich.table import Table
from rich.text import Text

from adcheck.render import numbers as num
from adcheck.render.console import Look

if TYPE_CHECKING:
    from adcheck.analysis.modes import ModeCost, Recommendation, ShapeAdvice
    from adcheck.analysis.modes_sweep import SweepRow

MODES = ("forward", "reverse")


def recommendation_renderables(rec: "Recommendation", look: Look) -> list:
    """Header, the per-mode table, notes and the recommendation for ``rec``."""
    head = Text()
    if rec.target:
        head.append("f = ", style=look.style("bold"))
        head.append(rec.target + "\n")
    head.append(f"{_inputs(rec.n, rec.m)}; one evaluation of f takes {num.duration(rec.f_seconds)}")
    costs = {"forward": rec.forward, "reverse": rec.reverse}
    table = _mode_table(rec.mode, look)
    rows = [
        ("passes", _passes(rec.forward), _passes(rec.reverse)),
        ("unbatched", _plural(rec.n, "JVP"), _plural(rec.m, "VJP")),
        ("one JVP / one VJP (with its trace)", *(_seconds(costs[k].pass_seconds, costs[k]) for k in MODES)),
        ("+1 tangent / +1 backward pass", *(_seconds(costs[k].step_seconds, costs[k]) for k in MODES)),
        ("c = JVP or VJP / f", *(_factor(costs[k].c, costs[k]) for k in MODES)),
        ("full Jacobian, predicted", *(_seconds(costs[k].predicted_seconds, costs[k]) for k in MODES)),
        ("full Jacobian, measured", *(_measured(costs[k]) for k in MODES)),
    ]
    for row in rows:
        table.add_row(*row)
    parts: list = [head, table]
    parts += [Text(f"{look.mark('na')}  {c.mode}: {c.error}", style=look.style("yellow"))
              for c in costs.values() if c.error]
    parts += [Text(f"note: {note}", style=look.style("dim")) for note in rec.notes]
    parts.append(_verdict(rec.mode, rec.reason, look))
    return parts


def shape_advice_renderables(advice: "ShapeAdvice", look: Look) -> list:
    """The cost model for an n×m shape: table, recommendation, explanation."""
    head = Text(f"{_inputs(advice.n, advice.m)}; cost model with typical constants "
                f"c_f = {advice.c_forward:g}, c_r = {advice.c_reverse:g} (no timing)")
    table = _mode_table(advice.mode, look)
    table.add_row("passes", f"1 batched ({_plural(advice.n, 'tangent')})",
                  _plural(advice.m, "backward pass", "backward passes"))
    table.add_row("unbatched", _plural(advice.n, "JVP"), _plural(advice.m, "VJP"))
    table.add_row("one pass, in evaluations of f", f"{advice.c_forward:g}", f"{advice.c_reverse:g}")
    table.add_row("full Jacobian, in evaluations of f", f"{advice.forward_cost:g}",
                  f"{advice.reverse_cost:g}")
    parts: list = [head, table, _verdict(advice.mode, advice.reason, look)]
    parts += [Text(line, style=look.style("dim")) for line in advice.explanation]
    return parts


def sweep_renderables(rows: list["SweepRow"], look: Look) -> list:
    """The crossover table: full Jacobian forward (one batched pass) vs reverse (m passes)."""
    hidden = rows[0].hidden if rows else 0
    title = Text(f"full Jacobian of y = tanh(W2 @ tanh(W1 @ x)), {hidden} hidden units: "
                 "forward = 1 batched pass of n tangents, reverse = m backward passes",
                 style=look.style("bold"))
    table = Table(box=look.box, header_style=look.style("bold"))
    for name in ("n", "m", "forward", "reverse", "faster", "by", "cost model"):
        table.add_column(name, justify="left" if name in ("faster", "cost model") else "right",
                         no_wrap=True)
    best = Text(f" {look.mark('best')}", style=look.style("bold green"))
    for r in rows:
        fwd, rev = Text(num.duration(r.forward_seconds)), Text(num.duration(r.reverse_seconds))
        (fwd if r.winner == "forward" else rev).append_text(best)
        slow, fast = max(r.forward_seconds, r.reverse_seconds), min(r.forward_seconds, r.reverse_seconds)
        speedup = f"{slow / fast:.3g}x" if fast > 0 else "inf"
        agrees = r.model_mode == r.winner
        model = Text(f"{r.model_mode} ")
        model.append(look.mark("ok" if agrees else "bad"),
                     style=look.style("green" if agrees else "red"))
        table.add_row(str(r.n), str(r.m), fwd, rev, r.winner, speedup, model)
    return [title, table,
            Text("times: the fastest of a few runs; cost model: adcheck modes --shape N,M "
                 f"({look.mark('ok')} = agrees with the measurement)", style=look.style("dim"))]


# ---- pieces -------------------------------------------------------------------

def _mode_table(mode: str, look: Look) -> Table:
    table = Table(box=look.box, header_style=look.style("bold"))
    table.add_column("", no_wrap=True)
    for name in MODES:
        header = f"{name} {look.mark('best')}" if name == mode else name
        table.add_column(header, justify="right", no_wrap=True)
    return table


def _verdict(mode: str, reason: str, look: Look) -> Text:
    out = Text()
    out.append(f"{look.mark('best')} use {mode} mode", style=look.style("bold green"))
    out.append(f"\n{reason}")
    return out


def _passes(cost: "ModeCost") -> str:
    if cost.mode == "forward":
        return f"1 batched ({_plural(cost.tangents_per_pass, 'tangent')})"
    return _plural(cost.passes, "backward pass", "backward passes")


def _seconds(value: Optional[float], cost: "ModeCost") -> str:
    return num.DASH if cost.error or value is None else num.duration(value)


def _factor(value: Optional[float], cost: "ModeCost") -> str:
    return num.DASH if cost.error or value is None else f"{value:.3g}"


def _measured(cost: "ModeCost") -> str:
    if cost.error:
        return num.DASH
    return "not timed" if cost.measured_seconds is None else num.duration(cost.measured_seconds)


def _inputs(n: int, m: int) -> str:
    return f"n = {_plural(n, 'input')}, m = {_plural(m, 'output')}"


def _plural(k: int, word: str, words: Optional[str] = None) -> str:
    return f"{k} {word if k == 1 else (words or word + 's')}"
