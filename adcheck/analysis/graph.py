"""The computational graph of f at x0 as the reverse method records it.

:func:`record_graph` traces f once with :func:`adcheck.methods.reverse.vjp`,
runs one backward pass with seed 1 (output 0 of a vector f) and returns a
:class:`Graph`: every recorded state reachable from the output, in
topological order (inputs first), with its forward value and its adjoint.

The input is ONE leaf holding the whole x vector; the expression frontends
pick the variables out of it with ``getitem`` nodes, so those nodes carry the
per-variable adjoints (the gradient entries), and the leaf carries the whole
gradient.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional, Union

import numpy as np

from adcheck.methods import reverse
from adcheck.methods.dispatch import concrete

SUMMARY_MAX = 8  # arrays with at most this many entries are listed in full

Value = Union[float, list, str, None]


@dataclass(frozen=True)
class GraphNode:
    """One recorded state.

    id:        position in topological order (0 = the input leaf).
    op:        the primitive's name, ``"input x"`` for the leaf.
    detail:    the primitive's parameters, compact (``x[0]``, ``axis=0``); "" if none.
    inputs:    what the primitive consumed, by argument position: an ``int`` is a
               node id, a ``float`` is a scalar constant, a ``str`` summarises an
               array constant.
    value:     the forward value: a float if scalar, else a list (small arrays)
               or a shape summary.
    adjoint:   the adjoint from the backward pass, same formatting; None if the
               backward pass sent this node nothing.
    variable:  the variable name when this node picks exactly one input entry
               (``x1``), else None.
    shape:     shape of the forward value.
    """

    id: int
    op: str
    detail: str
    inputs: tuple
    value: Value
    adjoint: Value
    variable: Optional[str] = None
    shape: tuple = ()

    @property
    def input_ids(self) -> tuple:
        """The node ids among ``inputs`` (constants left out)."""
        return tuple(i for i in self.inputs if type(i) is int)

    @property
    def label(self) -> str:
        """``op detail`` as shown by the renderers."""
        return f"{self.op} {self.detail}".rstrip() if self.detail else self.op

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "op": self.op,
            "detail": self.detail,
            "inputs": [_json_value(i) for i in self.inputs],
            "value": _json_value(self.value),
            "adjoint": _json_value(self.adjoint),
            "variable": self.variable,
            "shape": list(self.shape),
        }


@dataclass(frozen=True)
class Graph:
    """The recorded graph: nodes in topological order and the backward visiting order."""

    target: str
    expression: str
    variables: tuple
    point: dict
    nodes: tuple                    # GraphNode, topological order, node.id == position
    backward_order: tuple           # node ids in the order backward visits them
    output: Optional[int]           # id of the output node (None: f does not depend on x)
    value: Value                    # f(x0) (output 0 of a vector f)
    notes: tuple = field(default_factory=tuple)
    exit_code: int = 0

    def node(self, node_id: int) -> GraphNode:
        return self.nodes[node_id]

    def find(self, op: str) -> list:
        """Every node whose primitive is ``op``."""
        return [n for n in self.nodes if n.op == op]

    def variable_adjoints(self) -> dict:
        """Variable name -> sum of the adjoints of the nodes that pick it (its gradient entry).

        A variable read more than once (``x1`` in ``(x1 + x2)*sin(x1)``) has one
        picking node per read; the backward pass adds their adjoints on the leaf.
        """
        out: dict = {}
        for n in self.nodes:
            if n.variable is not None and isinstance(n.adjoint, float):
                out[n.variable] = out.get(n.variable, 0.0) + n.adjoint
        return out

    def to_dict(self) -> dict:
        return {
            "command": "graph",
            "target": self.target,
            "expression": self.expression,
            "variables": list(self.variables),
            "point": {k: _json_value(v) for k, v in self.point.items()},
            "value": _json_value(self.value),
            "output": self.output,
            "nodes": [n.to_dict() for n in self.nodes],
            "backward_order": list(self.backward_order),
            "notes": list(self.notes),
            "exit_code": self.exit_code,
        }

    def dot(self) -> str:
        """Graphviz DOT text: one node per state (op, value, adjoint), edges parent -> child."""
        lines = ["digraph adcheck {", "  rankdir=BT;", '  node [shape=box, fontname="monospace"];']
        for n in self.nodes:
            text = [n.label + (f" ({n.variable})" if n.variable else "")]
            consts = [format_value(i) for i in n.inputs if type(i) is not int]
            if consts:
                text.append("const " + ", ".join(consts))
            text.append(f"value = {format_value(n.value)}")
            text.append(f"adjoint = {format_value(n.adjoint)}")
            extra = ", style=bold" if n.id == self.output else ""
            lines.append(f'  n{n.id} [label="%{n.id}: ' + _dot_escape("\n".join(text))
                         + f'"{extra}];')
        for n in self.nodes:
            for pos, i in enumerate(n.inputs):
                if type(i) is int:
                    label = f' [label="{pos}"]' if len(n.inputs) > 1 else ""
                    lines.append(f"  n{i} -> n{n.id}{label};")
        lines.append("}")
        return "\n".join(lines) + "\n"


# ---- recording --------------------------------------------------------------

def record_graph(target) -> Graph:
    """Trace ``target.f`` at ``target.x0`` on the reverse tape and run one backward pass."""
    notes = list(getattr(target, "notes", []) or [])
    x0 = np.array(target.x0, dtype=np.float64)
    y, pull = reverse.vjp(target.f, x0)
    x_id, out_id = pull.ids
    y_arr = np.asarray(concrete(y))
    if y_arr.size > 1:
        notes.append(f"f has {y_arr.size} outputs: the graph is the whole tape, the backward pass "
                     "is for output f[0] (seed 1 on f[0], 0 elsewhere)")
        seed = np.zeros(y_arr.shape)
        seed.reshape(-1)[0] = 1.0
    else:
        seed = np.ones(y_arr.shape) if y_arr.ndim else 1.0
    value = _format(y_arr.reshape(-1)[0]) if y_arr.size else _format(y_arr)

    if out_id is None:
        notes.append("f does not depend on its input: nothing was recorded")
        order, adj = [(x_id, None)], {}
    else:
        order = list(pull.order)
        if all(vid != x_id for vid, _ in order):  # output does not reach the input leaf
            order.append((x_id, None))
        adj = reverse.backward(order, out_id, seed)

    # topological order: ids ascending (creation order), renumbered 0..N-1
    states = sorted(order, key=lambda e: e[0])
    renumber = {vid: k for k, (vid, _) in enumerate(states)}
    variables = tuple(target.variables)
    nodes = []
    for vid, node in states:
        k = renumber[vid]
        adjoint = _format(adj[vid]) if vid in adj else None
        if node is None:
            op = "input x" if vid == x_id else "input"
            nodes.append(GraphNode(k, op, "", (), _format(x0 if vid == x_id else None), adjoint,
                                   variables[0] if x0.ndim == 0 and len(variables) == 1 else None,
                                   x0.shape))
            continue
        by_pos = {pos: pid for pos, pid, _ in node.parents}
        inputs = tuple(renumber[by_pos[i]] if i in by_pos else _const(a)
                       for i, a in enumerate(node.args))
        leaf = len(by_pos) == 1 and next(iter(by_pos.values())) == x_id
        detail = _detail(node.prim.name, node.params, "x" if leaf else "")
        variable = _picked_variable(node, leaf, x0, variables)
        ans = np.asarray(concrete(node.ans))
        nodes.append(GraphNode(k, node.prim.name, detail, inputs, _format(ans), adjoint,
                               variable, tuple(ans.shape)))

    reads: dict = {}
    for n in nodes:
        if n.variable is not None and n.op == "getitem":
            reads.setdefault(n.variable, []).append(n.id)
    for name, ids in reads.items():
        if len(ids) > 1:
            notes.append(f"{name} is read {len(ids)} times (nodes {', '.join(map(str, ids))}): "
                         "its gradient entry is the sum of their adjoints")

    visited = tuple(renumber[vid] for vid, _ in sorted(order, key=lambda e: -e[0]) if vid in adj)
    return Graph(
        target=getattr(target, "text", "") or getattr(target, "name", "f"),
        expression=getattr(target, "name", "f"),
        variables=variables,
        point=target.point_dict(),
        nodes=tuple(nodes),
        backward_order=visited,
        output=renumber.get(out_id) if out_id is not None else None,
        value=value,
        notes=tuple(notes),
    )


def _picked_variable(node, leaf: bool, x0: np.ndarray, variables: tuple) -> Optional[str]:
    """The variable a ``getitem`` on the input leaf picks, when it picks exactly one entry."""
    if not leaf or node.prim.name != "getitem":
        return None
    idx = node.params.get("idx")
    try:
        picked = np.arange(x0.size).reshape(x0.shape)[idx]
    except Exception:  # an index we cannot replay on the positions
        return None
    picked = np.asarray(picked)
    if picked.size != 1:
        return None
    return variables[int(picked.reshape(-1)[0])]


# ---- formatting -------------------------------------------------------------

def _format(v: Any) -> Value:
    """A float for a scalar, a (nested) list for a small array, else a shape summary."""
    if v is None:
        return None
    a = np.asarray(concrete(v))
    if a.dtype == object:
        return f"object{list(a.shape)}"
    if np.iscomplexobj(a):
        if a.size == 1:
            return str(complex(a.reshape(-1)[0]))
        return f"complex array{list(a.shape)}"
    if a.ndim == 0:
        return float(a)
    if a.size <= SUMMARY_MAX:
        return a.astype(np.float64).tolist()
    return f"array{list(a.shape)}"


def _const(a: Any) -> Union[float, str]:
    """A constant argument: its value when scalar, else a summary (never an int)."""
    try:
        arr = np.asarray(concrete(a))
    except Exception:
        return type(a).__name__
    if arr.dtype != object and not np.iscomplexobj(arr) and arr.ndim == 0:
        return float(arr)
    if arr.dtype == object:
        return repr(a)[:40]
    return f"const{list(arr.shape)}"


def format_value(v: Value) -> str:
    """A Value (or an input entry) as short text: ``0.8414709848078965``, ``[1, 2]``, ``%3``."""
    from adcheck.render import numbers as num

    if v is None:
        return "—"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return num.full(v)
    if isinstance(v, int):
        return f"%{v}"
    if isinstance(v, list):
        return "[" + ", ".join(format_value(float(e)) if not isinstance(e, list) else format_value(e)
                               for e in v) + "]"
    return str(v)


def _detail(name: str, params: dict, base: str) -> str:
    if not params:
        return ""
    if name == "getitem" and set(params) == {"idx"}:
        return f"{base}[{_index(params['idx'])}]"
    return ", ".join(f"{k}={_param(v)}" for k, v in params.items())


def _index(idx: Any) -> str:
    if isinstance(idx, tuple):
        return ", ".join(_index_part(p) for p in idx) if idx else ""
    return _index_part(idx)


def _index_part(p: Any) -> str:
    if p is None:
        return "None"
    if p is Ellipsis:
        return "..."
    if isinstance(p, slice):
        parts = ["" if p.start is None else str(p.start), "" if p.stop is None else str(p.stop)]
        if p.step is not None:
            parts.append(str(p.step))
        return ":".join(parts)
    return _param(p)


def _param(v: Any) -> str:
    if isinstance(v, (bool, int, str)) or v is None:
        return str(v)
    if isinstance(v, (float, np.floating)):
        return format_value(float(v))
    if isinstance(v, (np.integer,)):
        return str(int(v))
    if isinstance(v, (tuple, list)):
        inner = ", ".join(_param(e) for e in v)
        return f"({inner}{',' if len(v) == 1 and isinstance(v, tuple) else ''})" \
            if isinstance(v, tuple) else f"[{inner}]"
    try:
        a = np.asarray(concrete(v))
    except Exception:
        return type(v).__name__
    if a.dtype != object and a.size <= SUMMARY_MAX:
        return str(a.tolist())
    return f"array{list(a.shape)}"


def _json_value(v: Any) -> Any:
    """Strict-JSON form: non-finite floats become strings."""
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, list):
        return [_json_value(e) for e in v]
    if isinstance(v, (np.floating, np.integer)):
        return _json_value(v.item())
    return v


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
