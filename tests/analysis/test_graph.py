"""adcheck.analysis.graph and adcheck.render.graph: the recorded reverse-mode graph."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from rich.console import Console

from adcheck.analysis.graph import Graph, record_graph
from adcheck.frontends import load_target
from adcheck.render.console import Look
from adcheck.render.graph import graph_renderables

# hand-worked trace of f(x1, x2) = (x1 + x2)·sin(x1) at (1, 2)
A = 3.0
B = 0.8414709848               # sin(1)
F = 2.5244129544               # a·b
COS1 = 0.5403023059
DX1 = B + A * COS1             # 2.4623779024
DX2 = B


@pytest.fixture(scope="module")
def graph() -> Graph:
    return record_graph(load_target("(x1+x2)*sin(x1)", "x1=1,x2=2"))


def one(graph: Graph, op: str):
    found = graph.find(op)
    assert len(found) == 1, [n.label for n in graph.nodes]
    return found[0]


def test_values_and_adjoints_match_the_hand_trace(graph):
    a, b, f = one(graph, "add"), one(graph, "sin"), one(graph, "multiply")
    assert a.value == pytest.approx(A) and b.value == pytest.approx(B, abs=1e-10)
    assert f.value == pytest.approx(F, abs=1e-10)
    assert graph.value == pytest.approx(F, abs=1e-10)
    assert f.adjoint == 1.0
    assert a.adjoint == pytest.approx(B, abs=1e-10)      # ā = b
    assert b.adjoint == pytest.approx(A, abs=1e-10)      # b̄ = a
    assert graph.output == f.id
    # a consumes x1, x2; b consumes x1; f consumes a, b
    assert {graph.node(i).variable for i in a.inputs} == {"x1", "x2"}
    assert [graph.node(i).variable for i in b.inputs] == ["x1"]
    assert set(f.inputs) == {a.id, b.id}


def test_input_nodes_carry_the_per_variable_adjoints(graph):
    picks = [n for n in graph.nodes if n.op == "getitem"]
    assert {n.variable for n in picks} == {"x1", "x2"}
    for n in picks:
        assert n.value == (1.0 if n.variable == "x1" else 2.0)
        assert n.detail in ("x[0]", "x[1]")
    x2 = [n for n in picks if n.variable == "x2"]
    assert len(x2) == 1 and x2[0].adjoint == pytest.approx(DX2, abs=1e-10)   # x̄2 = ā
    # x1 is read twice (by add and by sin): its adjoint is the sum ā + b̄·cos(1)
    x1 = sorted((n for n in picks if n.variable == "x1"), key=lambda n: n.id)
    assert len(x1) == 2
    assert x1[0].adjoint == pytest.approx(B, abs=1e-10)
    assert x1[1].adjoint == pytest.approx(A * COS1, abs=1e-9)
    adj = graph.variable_adjoints()
    assert adj["x1"] == pytest.approx(DX1, abs=1e-9) and adj["x2"] == pytest.approx(DX2, abs=1e-10)
    leaf = graph.nodes[0]
    assert leaf.op == "input x" and leaf.inputs == () and leaf.value == [1.0, 2.0]
    assert leaf.adjoint == pytest.approx([DX1, DX2], abs=1e-9)    # the gradient
    assert any("x1 is read 2 times" in note for note in graph.notes)


def test_topological_order(graph):
    assert [n.id for n in graph.nodes] == list(range(len(graph.nodes)))
    assert len(graph.nodes) == 7  # leaf, 3 getitem, add, sin, multiply
    for n in graph.nodes:
        assert all(i < n.id for i in n.input_ids)
    assert graph.output == len(graph.nodes) - 1


def test_backward_order_is_reverse_topological(graph):
    with_adjoint = [n.id for n in graph.nodes if n.adjoint is not None]
    assert list(graph.backward_order) == list(reversed(with_adjoint))
    assert graph.backward_order[0] == graph.output


def test_dot(graph):
    text = graph.dot()
    assert text.startswith("digraph")
    node_lines = [ln for ln in text.splitlines() if re.match(r"\s*n\d+ \[label=", ln)]
    assert len(node_lines) == len(graph.nodes)
    edges = [ln for ln in text.splitlines() if "->" in ln]
    assert len(edges) == sum(len(n.input_ids) for n in graph.nodes)
    assert "sin" in text and "multiply" in text and "adjoint" in text


def test_to_dict_is_json(graph):
    d = graph.to_dict()
    back = json.loads(json.dumps(d, allow_nan=False))
    assert back["exit_code"] == 0 == graph.exit_code
    assert len(back["nodes"]) == 7 and back["backward_order"] == list(graph.backward_order)
    assert back["nodes"][graph.output]["value"] == pytest.approx(F, abs=1e-10)


def _plain_text(graph: Graph) -> str:
    console = Console(color_system=None, force_terminal=False, width=160, record=True)
    for part in graph_renderables(graph, Look(plain=True, unicode=False)):
        console.print(part)
    return console.export_text()


def test_plain_renderer(graph):
    text = _plain_text(graph)
    assert "\x1b[" not in text
    for word in ("input x", "getitem x[0] (x1)", "add", "sin", "multiply", "%3, %5"):
        assert word in text
    assert "backward visits: 6, 5, 4, 3, 2, 1, 0" in text
    assert "2.4623779024" in text


def test_styled_renderer_is_a_tree(graph):
    from rich.tree import Tree

    parts = graph_renderables(graph, Look(plain=False, unicode=True))
    assert any(isinstance(p, Tree) for p in parts)
    console = Console(color_system="truecolor", force_terminal=True, width=160, record=True)
    for part in parts:
        console.print(part)
    assert "multiply" in console.export_text()


def test_constants_are_shown_by_value():
    g = record_graph(load_target("x1*2 + exp(x2)", "x1=1,x2=0"))
    mul = one(g, "multiply")
    assert 2.0 in mul.inputs and len(mul.input_ids) == 1
    assert g.variable_adjoints() == pytest.approx({"x1": 2.0, "x2": 1.0})
    json.dumps(g.to_dict(), allow_nan=False)


def test_vector_output_uses_output_zero():
    g = record_graph(load_target("[x1*x2, sin(x1)]", "x1=2,x2=3"))
    assert any("output" in note and "f[0]" in note for note in g.notes)
    assert g.value == pytest.approx(6.0)
    assert g.nodes[0].adjoint == pytest.approx([3.0, 2.0])   # row 0 of the Jacobian
    assert _plain_text(g)
    json.dumps(g.to_dict(), allow_nan=False)


def test_matches_reverse_gradient():
    from adcheck.methods import reverse

    t = load_target("(x1+x2)*sin(x1)", "x1=1,x2=2")
    _, pull = reverse.vjp(t.f, t.x0)
    grad = np.asarray(pull(1.0))
    g = record_graph(t)
    assert g.nodes[0].adjoint == pytest.approx(grad.tolist(), rel=1e-15)
    assert math.isclose(grad[0], DX1, abs_tol=1e-9)
