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
