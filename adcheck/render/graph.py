"""An ``adcheck graph`` result as rich renderables: header, the nodes, the backward order.

Nothing here prints: :func:`graph_renderables` returns a list the CLI prints
in order.  On a styled console the nodes are a Tree (one branch per node in
topological order); plain, they are an ASCII table.  Node ids are written
``%k``; constants consumed by a node are written as their value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from adcheck.analysis.graph import format_value
from adcheck.render import numbers as num
from adcheck.render.console import Look

if TYPE_CHECKING:
    from adcheck.analysis.graph import Graph, GraphNode


def graph_renderables(graph: "Graph", look: Look) -> list:
    """Everything ``adcheck graph`` shows for ``graph``, in display order."""
    parts: list = [_header(graph, look)]
    parts.append(_table(graph, look) if look.plain else _tree(graph, look))
    parts.append(backward_line(graph, look))
    gradient = _gradient_line(graph, look)
    if gradient is not None:
        parts.append(gradient)
    parts += [Text(f"note: {note}", style=look.style("dim")) for note in graph.notes]
    return parts


def _header(graph: "Graph", look: Look) -> Text:
    out = Text()
    bold = look.style("bold")
    out.append("f = ", style=bold)
    out.append((graph.expression or graph.target) + "\n")
    point = ", ".join(f"{k} = {num.full(v)}" for k, v in graph.point.items())
    out.append("at ", style=bold)
    out.append(point + "\n")
    out.append("f = ", style=bold)
    out.append(format_value(graph.value) + "\n")
    out.append(f"{len(graph.nodes)} recorded states, topological order (inputs first)",
               style=look.style("dim"))
    return out


def _inputs(node: "GraphNode") -> str:
    return ", ".join(format_value(i) for i in node.inputs)


def _op(node: "GraphNode") -> str:
    text = node.label
    if node.variable is not None and node.op != node.variable:
        text += f" ({node.variable})"
    return text


def _adjoint_name(look: Look) -> str:
    return "adjoint" if look.plain or not look.unicode else "adjoint (v̄)"


def _table(graph: "Graph", look: Look) -> Table:
    table = Table(box=look.box, header_style=look.style("bold"))
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("op", no_wrap=True)
    table.add_column("inputs", no_wrap=True)
    table.add_column("value", justify="right", overflow="fold")
    table.add_column(_adjoint_name(look), justify="right", overflow="fold")
    for n in graph.nodes:
        mark = " (output)" if n.id == graph.output else ""
        table.add_row(str(n.id), _op(n) + mark, _inputs(n), format_value(n.value),
                      format_value(n.adjoint))
    return table


def _tree(graph: "Graph", look: Look) -> Tree:
    tree = Tree(Text("graph", style=look.style("bold")), guide_style=look.style("dim"))
    for n in graph.nodes:
        line = Text()
        line.append(f"%{n.id} ", style=look.style("bold cyan"))
        line.append(_op(n), style=look.style("bold"))
        if n.inputs:
            line.append(f" ({_inputs(n)})")
        if n.id == graph.output:
            line.append("  output", style=look.style("magenta"))
        line.append("  value ", style=look.style("dim"))
        line.append(format_value(n.value))
        line.append("  adjoint ", style=look.style("dim"))
        line.append(format_value(n.adjoint), style=look.style("green" if n.adjoint is not None else "dim"))
        tree.add(line)
    return tree


def backward_line(graph: "Graph", look: Look) -> Text:
    """``backward visits: 6, 5, ...`` -- node ids, reverse topological order."""
    out = Text()
    out.append("backward visits: ", style=look.style("bold"))
    out.append(", ".join(str(i) for i in graph.backward_order) if graph.backward_order else "nothing")
    return out


def _gradient_line(graph: "Graph", look: Look):
    """The per-variable adjoints (sums over the nodes that read each variable)."""
    adj = graph.variable_adjoints()
    if not adj:
        return None
    out = Text()
    out.append("input adjoints (gradient): ", style=look.style("bold"))
    out.append(", ".join(f"{k} = {num.full(v)}" for k, v in adj.items()))
    return out
