"""``adcheck check`` through the CLI: exit codes, JSON on stdout, JUnit file."""

import json
import textwrap
import xml.etree.ElementTree as ET

from typer.testing import CliRunner

from adcheck.cli import app

runner = CliRunner()

GOOD = """
import numpy as np
ADCHECK_POINTS = {"f": [0.5, -1.0, 2.0]}
def f(x):
    return np.sum(np.sin(x) * x ** 2)
def f_grad(x):
    return np.cos(x) * x ** 2 + 2 * x * np.sin(x)
"""
BAD = GOOD.replace("2 * x * np.sin(x)", "2 * x * np.cos(x)")
KINK = """
import numpy as np
ADCHECK_POINTS = {"f": [0.0, 1.0]}
def f(x):
    return np.abs(x[0]) + x[1] ** 2
def f_grad(x):
    return np.array([0.5, 2 * x[1]])
"""


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return str(p)


def test_examples_pass_with_the_wrong_one_expected(monkeypatch):
    import glob
    import importlib.util

    # with both extras installed the whole folder, torch and jax examples included
    both = all(importlib.util.find_spec(m) is not None for m in ("torch", "jax"))
    paths = ["examples/"] if both else sorted(glob.glob("examples/*.py"))
    res = runner.invoke(app, ["check", *paths, "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["counts"]["xfail"] >= 1 and doc["counts"]["fail"] == 0


def test_good_bad_kink_and_missing(tmp_path):
    assert runner.invoke(app, ["check", _write(tmp_path, "good.py", GOOD)]).exit_code == 0
    res = runner.invoke(app, ["check", _write(tmp_path, "bad.py", BAD)])
    assert res.exit_code == 1 and "differs" in res.stdout
    res = runner.invoke(app, ["check", _write(tmp_path, "kink.py", KINK)])
    assert res.exit_code == 3, res.output
    assert runner.invoke(app, ["check", str(tmp_path / "missing.py")]).exit_code == 2


def test_junit_file_has_one_testcase_per_check(tmp_path):
    out = tmp_path / "report.xml"
    paths = [_write(tmp_path, "good.py", GOOD), _write(tmp_path, "bad.py", BAD)]
    res = runner.invoke(app, ["check", *paths, "--junit", str(out)])
    assert res.exit_code == 1
    suite = ET.parse(out).getroot()
    assert suite.get("tests") == "2" and suite.get("failures") == "1"


def test_seed_is_reported_and_json_is_the_only_stdout(tmp_path):
    res = runner.invoke(app, ["check", _write(tmp_path, "good.py", GOOD), "--seed", "7", "--format", "json"])
    doc = json.loads(res.stdout)
    assert doc["exit_code"] == 0 and all(c["seed"] == 7 for c in doc["checks"])


def test_check_help_shows_examples_and_conventions():
    res = runner.invoke(app, ["check", "--help"])
    assert "adcheck check examples/" in res.stdout and "ADCHECK_POINTS" in res.stdout
