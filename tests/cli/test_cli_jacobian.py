"""``adcheck jacobian`` end to end (CliRunner), plus --wrt / --timeout on grad and jacobian.

JSON is parsed from ``result.stdout`` alone; diagnostics are asserted on ``result.stderr``.
"""

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from adcheck.cli import app

runner = CliRunner()

VECTOR_F = "[x0**2, x1*x2, exp(x0+x1)]"
VECTOR_FILE = """\
import numpy as np


def f(x):
    return np.array([x[0] ** 2, x[1] * x[2], np.exp(x[0] + x[1])])
"""
TWO_ARGS_FILE = """\
import numpy as np


def f(x, y):
    return np.array([x[0] * y, x[1] ** 2 * y, np.sin(y)])
"""


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("COLUMNS", raising=False)


def closed_form(x0, x1, x2):
    e = math.exp(x0 + x1)
    return [[2 * x0, 0, 0], [0, x2, x1], [e, e, 0]]


def run(*args):
    return runner.invoke(app, list(args))


def run_json(*args):
    result = run(*args, "--format", "json")
    return result, json.loads(result.stdout)


def write(tmp_path, text, name="model.py"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# ---- values against the closed form ---------------------------------------------------------

def test_expression_jacobian_matches_the_closed_form_by_every_method():
    result, doc = run_json("jacobian", VECTOR_F, "--at", "1,2,0.5")
    assert result.exit_code == 0, result.output
    assert doc["command"] == "jacobian"
    assert doc["shape"] == [3, 3]
    assert doc["reference"] == "symbolic"
    assert len(doc["methods"]) == 7
    for name, entry in doc["methods"].items():
        np.testing.assert_allclose(entry["jacobian"], closed_form(1, 2, 0.5), rtol=1e-6, atol=1e-7,
                                   err_msg=name)
        assert "gradient" not in entry
    np.testing.assert_array_equal(doc["methods"]["symbolic"]["jacobian"], closed_form(1, 2, 0.5))
    assert doc["passed"] is True and doc["exit_code"] == 0


def test_python_file_jacobian_matches_the_closed_form(tmp_path):
    path = write(tmp_path, VECTOR_FILE)
    result, doc = run_json("jacobian", path, "--at", "[1, 2, 0.5]",
                           "-m", "symbolic,forward,reverse,fd-central")
    assert result.exit_code == 0, result.output
    assert doc["variables"] == ["x[0]", "x[1]", "x[2]"]
    assert doc["shape"] == [3, 3]
    for name, entry in doc["methods"].items():
        np.testing.assert_allclose(entry["jacobian"], closed_form(1, 2, 0.5), rtol=1e-8, atol=1e-9,
                                   err_msg=name)


def test_recommendation_in_json_and_in_the_table():
    from adcheck.analysis import modes

    if not hasattr(modes, "recommend"):
        pytest.skip("adcheck.analysis.modes.recommend is not there yet")
    result, doc = run_json("jacobian", VECTOR_F, "--at", "1,2,0.5", "-m", "forward,reverse")
    assert result.exit_code == 0, result.output
    rec = doc["recommendation"]
    assert rec["mode"] in ("forward", "reverse")
    assert isinstance(rec["reason"], str) and rec["reason"]
    table = run("jacobian", VECTOR_F, "--at", "1,2,0.5", "-m", "forward,reverse")
    assert table.exit_code == 0, table.output
    # measured timings decide, so the two runs may choose differently near a tie
    assert "recommended: forward mode" in table.stdout or "recommended: reverse mode" in table.stdout


def test_recommendation_left_out_when_modes_has_no_recommend(monkeypatch):
    from adcheck.analysis import modes

    monkeypatch.delattr(modes, "recommend", raising=False)
    result, doc = run_json("jacobian", VECTOR_F, "--at", "1,2,0.5", "-m", "forward,reverse")
    assert result.exit_code == 0, result.output
    assert "recommendation" not in doc
    assert "recommended" not in run("jacobian", VECTOR_F, "--at", "1,2,0.5", "-m", "reverse").stdout


def test_scalar_f_still_gets_a_jacobian_row_and_a_shape():
    result, doc = run_json("jacobian", "x0**2*x1", "--at", "1,2", "-m", "symbolic,reverse")
    assert result.exit_code == 0, result.output
    assert doc["shape"] == [1, 2]
    assert doc["methods"]["reverse"]["jacobian"] == [[4.0, 1.0]]


# ---- the table --------------------------------------------------------------------------------

def test_small_jacobian_table_shows_every_entry_plain_under_no_color(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    result = run("jacobian", VECTOR_F, "--at", "1,2,0.5", "-m", "symbolic,forward,fd-central")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "\x1b[" not in out
    assert "f[0]" in out and "f[2]" in out and "d/dx2" in out
    assert "20.085536923187668" in out
    assert out.rstrip().splitlines()[-1].startswith("✓ all 3 methods agree with symbolic")


def test_medium_jacobian_is_shown_as_a_matrix_per_method(tmp_path):
    body = "import numpy as np\n\ndef f(x):\n    return np.array([np.sum(x**2), np.prod(x)])\n"
    path = write(tmp_path, body)
    result = run("jacobian", path, "--at", "[1, 2, 3, 4, 5, 6, 7, 8]", "-m", "forward,reverse")
    assert result.exit_code == 0, result.output
    assert "Jacobian by forward" in result.stdout and "Jacobian by reverse (reference)" in result.stdout
    assert "40320" in result.stdout  # d prod / d x[0]


def test_large_jacobian_lists_the_worst_entries(tmp_path):
    body = ("import numpy as np\nA = np.arange(1.0, 50.0).reshape(7, 7) / 40.0\n\n"
            "def f(x):\n    return np.sin(A @ x)\n")
    path = write(tmp_path, body)
    result = run("jacobian", path, "--at", "[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]",
                 "-m", "forward,reverse,fd-central")
    assert result.exit_code == 0, result.output
    assert "worst entries against reverse" in result.stdout
    assert "output i" in result.stdout and "reference" in result.stdout


# ---- exit codes --------------------------------------------------------------------------------

def test_kink_in_one_output_is_inconclusive():
    result, doc = run_json("jacobian", "[abs(x0), x1]", "--at", "0,1")
    assert result.exit_code == 3
    assert doc["exit_code"] == 3 and doc["kinks"]


def test_bad_point_exits_2_with_a_json_error_document():
    result, doc = run_json("jacobian", VECTOR_F, "--at", "1,2")
    assert result.exit_code == 2
    assert doc["error"]["type"] == "PointError"
    assert result.stderr.startswith("error: ")


# ---- --wrt and --timeout ---------------------------------------------------------------------

def test_wrt_differentiates_only_the_named_argument(tmp_path):
    path = write(tmp_path, TWO_ARGS_FILE)
    at = '{"x": [1.5, 2.0], "y": 0.5}'
    result, doc = run_json("jacobian", path, "--at", at, "--wrt", "y", "-m", "symbolic,reverse")
    assert result.exit_code == 0, result.output
    assert doc["variables"] == ["y"] and doc["shape"] == [3, 1]
    np.testing.assert_allclose(doc["methods"]["reverse"]["jacobian"], [[1.5], [4.0], [math.cos(0.5)]])
    result, doc = run_json("jacobian", path, "--at", at, "--wrt", "x,y", "-m", "reverse")
    assert doc["variables"] == ["x[0]", "x[1]", "y"]


def test_grad_takes_wrt_too(tmp_path):
    path = write(tmp_path, "def loss(w, b):\n    return (w[0] * b - 1.0) ** 2 + w[1] ** 2\n")
    result, doc = run_json("grad", path, "--at", '{"w": [0.5, -1.0], "b": 2.0}', "--wrt", "b",
                           "-m", "reverse,fd-central")
    assert result.exit_code == 0, result.output
    assert doc["variables"] == ["b"]
    assert doc["methods"]["reverse"]["gradient"] == pytest.approx([0.0])


def test_wrt_with_an_expression_is_a_usage_error():
    result, doc = run_json("jacobian", VECTOR_F, "--at", "1,2,0.5", "--wrt", "x0")
    assert result.exit_code == 2
    assert doc["error"]["type"] == "UsageError" and "--wrt" in doc["error"]["message"]


def test_wrt_naming_no_argument_is_a_usage_error(tmp_path):
    path = write(tmp_path, TWO_ARGS_FILE)
    result = run("jacobian", path, "--at", '{"x": [1, 2], "y": 3}', "--wrt", "z")
    assert result.exit_code == 2
    assert "z" in result.stderr and "Traceback" not in result.stderr


def test_timeout_stops_a_slow_function(tmp_path):
    body = "import time\n\ndef f(x):\n    time.sleep(5)\n    return x ** 2\n"
    path = write(tmp_path, body)
    result = run("jacobian", path, "--at", "[1.0]", "--timeout", "0.2")
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith("error: ")


def test_negative_timeout_is_refused():
    assert run("grad", "x**2", "--at", "1", "--timeout", "-1").exit_code == 2
