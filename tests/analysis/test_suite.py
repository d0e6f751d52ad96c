"""A whole check run: examples/, exit codes, JSON, JUnit XML and the rich rendering."""

import io
import json
import pathlib
import xml.etree.ElementTree as ET

import pytest
from rich.console import Console

from adcheck.analysis.discover import CheckConfig, discover
from adcheck.analysis.suite import run_checks
from adcheck.render.check import run_renderables
from adcheck.render.console import Look
from adcheck.render.junit import junit_xml

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def examples_run():
    import os

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        calls = []
        # the torch / jax examples have their own tests (tests/frameworks)
        run = run_checks(discover(["examples/"], CheckConfig(exclude=("examples/frameworks/*",))),
                         progress=lambda i, n, name: calls.append((i, n, name)))
        return run, calls
    finally:
        os.chdir(cwd)


def test_examples_pass_with_the_wrong_ones_expected(examples_run):
    run, calls = examples_run
    status = {r.name: r.status for r in run.results}
    assert run.exit_code == 0, {r.name: r.verdict for r in run.results if r.exit_code}
    assert status["examples/wrong_gradient.py::loss grad"] == "xfail"
    assert status["examples/rosenbrock_check.py::rosen grad"] == "pass"
    assert status["examples/rosenbrock_check.py::rosen hvp"] == "pass"
    assert status["examples/float32_model.py::loss grad"] == "pass"
    assert status["examples/float32_model.py::probabilities jacobian"] == "pass"
    assert status["examples/softplus_rule.py::softplus_ignores_g rule"] == "xfail"
    rosen = next(r for r in run.results if r.name.endswith("rosen grad"))
    assert rosen.points == 5                   # ADCHECK_POINTS + 4 in the box
    n = len(run.results)
    assert calls[0] == (0, n, run.results[0].name) and calls[-1] == (n, n, "")


def test_wrong_gradient_fails_when_expectations_are_ignored(monkeypatch):
    monkeypatch.chdir(ROOT)
    run = run_checks(discover(["examples/wrong_gradient.py"], CheckConfig()), honour_expect=False)
    (r,) = run.results
    assert (r.status, r.exit_code, run.exit_code) == ("fail", 1, 1)
    assert r.result.worst_entries and "differs" in r.verdict


def test_json_round_trip(examples_run):
    run, _ = examples_run
    doc = json.loads(json.dumps(run.to_dict(), allow_nan=False))
    assert doc["command"] == "check" and doc["exit_code"] == 0 and doc["seed"] == 0
    assert doc["counts"]["xfail"] == 2 and len(doc["checks"]) == len(run.results)
    first = doc["checks"][0]
    for key in ("name", "file", "check", "kind", "points", "max_abs_error", "max_rel_error", "worst_entry",
                "tolerance", "verdict", "status", "exit_code", "seconds", "seed", "point", "detail"):
        assert key in first


def test_junit_counts_and_structure(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mixed.py").write_text(
        "import numpy as np\n"
        "def good(x): return np.sum(x ** 2)\ndef good_grad(x): return 2 * x\n"
        "def bad(x): return np.sum(x ** 2)\ndef bad_grad(x): return 2.5 * x\n"
        "def kink(x): return np.sum(np.abs(x))\ndef kink_grad(x): return 0.5 * np.ones_like(x)\n"
        "def wrong(x): return np.sum(x)\ndef wrong_grad(x): return np.zeros_like(x)\n"
        "def lost(x): return x\ndef lost_grad(x): return x\n"
        "ADCHECK_POINTS = {'good': [1.0, 2.0], 'bad': [1.0, 2.0], 'kink': [0.0, 1.0], 'wrong': [1.0]}\n"
        "ADCHECK_EXPECT = {'wrong': 'fail'}\n")
    run = run_checks(discover(["mixed.py"], CheckConfig()))
    assert {r.label: r.status for r in run.results} == {
        "good": "pass", "bad": "fail", "kink": "inconclusive", "wrong": "xfail", "lost": "error"}
    assert run.exit_code == 1
    suite = ET.fromstring(junit_xml(run))
    assert suite.tag == "testsuite"
    assert {k: suite.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "5", "failures": "1", "errors": "2", "skipped": "1"}
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"good grad", "bad grad", "kink grad", "wrong grad", "lost grad"}
    assert all(c.get("classname") == "mixed.py" for c in cases.values())
    failure = cases["bad grad"].find("failure")
    assert "differs" in failure.get("message") and "yours" in failure.text
    assert cases["wrong grad"].find("skipped").get("message") == "expected failure"
    assert cases["kink grad"].find("error") is not None and cases["lost grad"].find("error") is not None
    assert list(cases["good grad"]) == []


def test_rendering_plain_and_styled(monkeypatch):
    monkeypatch.chdir(ROOT)
    run = run_checks(discover(["examples/wrong_gradient.py"], CheckConfig()), honour_expect=False, seed=11)
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)
    for part in run_renderables(run, Look(plain=True, unicode=False)):
        console.print(part)
    text = out.getvalue()
    assert "examples/wrong_gradient.py::loss grad" in text and "X FAIL" in text
    assert "yours" in text and "FD ± error" in text and "seed 11" in text and "--seed 11" in text
    assert "1 failed" in text
    styled = io.StringIO()
    Console(file=styled, width=200, force_terminal=True).print(*run_renderables(run, Look(plain=False)))
    assert "✗" in styled.getvalue()


def test_empty_run_is_not_a_pass():
    run = run_checks([])
    assert run.exit_code == 2 and run.notes


def test_verdicts_name_the_input_not_its_flat_index(tmp_path):
    """A kink or a wrong entry is reported by the argument's own name (w[0]), as the table's
    worst-entry column is, not as x[0] / entry 0."""
    path = tmp_path / "named.py"
    path.write_text(
        "import numpy as np\n"
        "ADCHECK_POINTS = {'hinge': [1.0, 0.2], 'sq': [1.0, 2.0]}\n"
        "def hinge(w):\n"
        "    return np.maximum(0.0, 1.0 - w[0]) + 0.5 * np.sum(w ** 2)\n"
        "def hinge_grad(w):\n"
        "    return w.copy()\n"
        "def sq(w):\n"
        "    return np.sum(w ** 2)\n"
        "def sq_grad(w):\n"
        "    return np.array([2 * w[0], 2.5 * w[1]])\n")
    run = run_checks(discover([str(path)], CheckConfig()))
    records = {r.label: r for r in run.results}
    assert "kink along w[0]" in records["hinge"].verdict
    assert "differs at w[1]:" in records["sq"].verdict
