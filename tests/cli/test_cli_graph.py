"""``adcheck graph``: tree/table, DOT and JSON of the recorded graph."""

import json

from typer.testing import CliRunner

from adcheck.cli import app

runner = CliRunner()
ARGS = ["graph", "(x1+x2)*sin(x1)", "--at", "x1=1,x2=2"]


def test_graph_table_lists_nodes_and_backward_order():
    res = runner.invoke(app, ARGS)
    assert res.exit_code == 0, res.output
    assert "backward visits: 6, 5, 4, 3, 2, 1, 0" in res.stdout
    assert "2.4623779024" in res.stdout


def test_graph_dot_is_graphviz():
    res = runner.invoke(app, ARGS + ["--dot"])
    assert res.exit_code == 0 and res.stdout.startswith("digraph adcheck {")
    assert res.stdout.count("->") >= 6


def test_graph_json_and_bad_input():
    doc = json.loads(runner.invoke(app, ARGS + ["--format", "json"]).stdout)
    assert doc["command"] == "graph" and doc["exit_code"] == 0
    assert runner.invoke(app, ["graph", "sin(", "--at", "1"]).exit_code == 2


def test_grad_order_memory_and_plot_options(tmp_path):
    res = runner.invoke(app, ["grad", "x**3*exp(-x)", "--at", "0.7", "--order", "3", "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["order"] == 3 and abs(doc["methods"]["symbolic"]["derivative"] + 1.2578505745036401) < 1e-12
    res = runner.invoke(app, ["grad", "sin(x)*x", "--at", "0.3", "--memory", "--format", "json"])
    assert json.loads(res.stdout)["memory"]["tape_values"] >= 2
    pytest = __import__("pytest")
    pytest.importorskip("matplotlib")
    out = tmp_path / "sweep.png"
    res = runner.invoke(app, ["grad", "x**2*sin(x)", "--at", "1.5", "--plot", str(out)])
    assert res.exit_code == 0 and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    heat = tmp_path / "heat.svg"
    res = runner.invoke(app, ["jacobian", "[x0**2, x1*x2]", "--at", "1,2,3", "--plot", str(heat)])
    assert res.exit_code == 0 and "<svg" in heat.read_text()
    assert runner.invoke(app, ["grad", "x", "--at", "1", "--plot", str(tmp_path / "a.pdf")]).exit_code == 2
