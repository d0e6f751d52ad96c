"""``adcheck modes``: recommendation for a target, the cost model by shape, the sweep, errors."""

import json

from typer.testing import CliRunner

from adcheck.cli import app

runner = CliRunner()


def test_modes_for_a_target_recommends_and_explains():
    res = runner.invoke(app, ["modes", "x0**2*x1 + sin(x2)", "--at", "1,2,3"])
    assert res.exit_code == 0, res.output
    assert "reverse" in res.stdout and "use" in res.stdout


def test_modes_shape_json():
    res = runner.invoke(app, ["modes", "--shape", "1000,1", "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["advice"]["mode"] == "reverse"
    res = runner.invoke(app, ["modes", "--shape", "1,1000", "--format", "json"])
    assert json.loads(res.stdout)["advice"]["mode"] == "forward"


def test_modes_sweep_has_five_rows():
    res = runner.invoke(app, ["modes", "--sweep", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)["sweep"]
    assert [(r["n"], r["m"]) for r in rows] == [(5, 500), (50, 50), (500, 5), (1, 1000), (1000, 1)]
    assert rows[-1]["winner"] == "reverse" and rows[3]["winner"] == "forward"


def test_modes_bad_usage_exits_2():
    assert runner.invoke(app, ["modes"]).exit_code == 2
    res = runner.invoke(app, ["modes", "--shape", "ten,1"])
    assert res.exit_code == 2 and "N,M" in res.stderr


def test_modes_help_has_an_example():
    res = runner.invoke(app, ["modes", "--help"])
    assert res.exit_code == 0 and "adcheck modes --shape 1000,1" in res.stdout
