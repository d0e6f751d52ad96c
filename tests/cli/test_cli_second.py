"""``adcheck hvp`` and ``adcheck hessian`` end to end (CliRunner) against closed forms."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from adcheck.cli import SECOND_METHOD_NAMES, app

runner = CliRunner()

ROSENBROCK = "100*(x1-x0**2)**2+(1-x0)**2"
A = [[2.0, -1.0, 0.5], [0.0, 3.0, 1.0], [1.0, 1.0, -2.0], [0.5, 0.0, 1.5]]
QUADRATIC_FILE = f"""\
import numpy as np

A = np.array({A!r})


def f(x):
    r = A @ x
    return 0.5 * np.sum(r * r)
"""


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("COLUMNS", raising=False)


def rosenbrock_hessian(x0, x1):
    return [[1200 * x0 ** 2 - 400 * x1 + 2, -400 * x0], [-400 * x0, 200]]


def run(*args):
    return runner.invoke(app, list(args))


def run_json(*args):
    result = run(*args, "--format", "json")
    return result, json.loads(result.stdout)


@pytest.fixture
def quadratic(tmp_path):
    path = tmp_path / "quadratic.py"
    path.write_text(QUADRATIC_FILE)
    return str(path)


# ---- hvp --------------------------------------------------------------------------------------

def test_hvp_of_half_squared_norm_is_AtA_v_by_every_method(quadratic):
    v = [1.0, -2.0, 0.5]
    result, doc = run_json("hvp", quadratic, "--at", "[0.3, -0.7, 1.1]", "--v", "1,-2,0.5")
    assert result.exit_code == 0, result.output
    a = np.array(A)
    expected = a.T @ a @ np.array(v)
    assert doc["command"] == "hvp"
    assert doc["v"] == v
    assert list(doc["methods"]) == list(SECOND_METHOD_NAMES)
    assert doc["reference"] == "symbolic"
    for name, entry in doc["methods"].items():
        np.testing.assert_allclose(entry["hvp"], expected, rtol=1e-9, atol=1e-9, err_msg=name)
        assert entry["agrees"] is True
        assert "gradient" not in entry and "jacobian" not in entry
    assert doc["methods"]["fd"]["err_est"] > 0
    assert doc["passed"] is True


def test_hvp_table_is_plain_under_no_color(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    result = run("hvp", ROSENBROCK, "--at", "-1.2,1", "--v", "1,0")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "\x1b[" not in out
    assert "v = [1, 0]" in out
    assert "H·v [x0]" in out and "H·v [x1]" in out
    assert "480" in out  # (H e0)[1] = -400·x0
    assert out.rstrip().splitlines()[-1].startswith("✓ all 5 methods agree with symbolic")


def test_hvp_of_a_vector_valued_f_exits_2():
    result, doc = run_json("hvp", "[x0**2, x1]", "--at", "1,2", "--v", "1,0")
    assert result.exit_code == 2
    assert "scalar" in doc["error"]["message"]
    assert "jacobian" in result.stderr


def test_hvp_with_a_v_of_the_wrong_length_exits_2():
    result, doc = run_json("hvp", ROSENBROCK, "--at", "-1.2,1", "--v", "1,2,3")
    assert result.exit_code == 2
    assert doc["error"]["type"] == "PointError"
    assert "2 values" in doc["error"]["message"]


def test_hvp_needs_v():
    assert run("hvp", ROSENBROCK, "--at", "-1.2,1").exit_code == 2


def test_hvp_method_selection_and_unknown_method():
    result, doc = run_json("hvp", ROSENBROCK, "--at", "-1.2,1", "--v", "0,1",
                           "-m", "fd", "-m", "forward-over-reverse")
    assert result.exit_code == 0, result.output
    assert list(doc["methods"]) == ["forward-over-reverse", "fd"]
    assert doc["reference"] == "forward-over-reverse"
    result = run("hvp", ROSENBROCK, "--at", "-1.2,1", "--v", "0,1", "-m", "reverse")
    assert result.exit_code == 2 and "forward-over-reverse" in result.stderr


def test_hvp_at_a_kink_of_the_gradient_is_inconclusive():
    result, doc = run_json("hvp", "x*abs(x)", "--at", "0", "--v", "1")
    assert result.exit_code == 3
    assert doc["kinks"] and doc["kinks_of"] == "gradient"


# ---- hessian ----------------------------------------------------------------------------------

@pytest.mark.parametrize("at, x", [("-1.2,1", (-1.2, 1.0)), ("1,1", (1.0, 1.0))])
def test_rosenbrock_hessian_matches_the_closed_form(at, x):
    result, doc = run_json("hessian", ROSENBROCK, "--at", at)
    assert result.exit_code == 0, result.output
    assert doc["command"] == "hessian"
    assert "shape" not in doc
    expected = rosenbrock_hessian(*x)
    for name, entry in doc["methods"].items():
        np.testing.assert_allclose(entry["hessian"], expected, rtol=1e-9, atol=1e-6, err_msg=name)
        assert entry["asymmetry"] >= 0
    assert doc["methods"]["forward-over-reverse"]["asymmetry"] == 0
    assert doc["methods"]["forward-over-reverse"]["evaluations"] == 1
    assert doc["derivative"] == [["1200*x0**2 - 400*x1 + 2", "-400*x0"], ["-400*x0", "200"]]


def test_hessian_table_shows_the_reference_matrix_and_second_derivatives():
    result = run("hessian", ROSENBROCK, "--at", "-1.2,1")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "∂²f/∂x0∂x1 = -400*x0" in out
    assert "Hessian by symbolic (reference)" in out
    assert "max |H − Hᵀ|" in out


def test_hessian_of_a_file_with_wrt(tmp_path):
    path = tmp_path / "scaled.py"
    path.write_text("import numpy as np\n\ndef f(x, y):\n    return np.sum(x ** 2) * y\n")
    result, doc = run_json("hessian", str(path), "--at", '{"x": [1, 2], "y": 3}', "--wrt", "x")
    assert result.exit_code == 0, result.output
    assert doc["variables"] == ["x[0]", "x[1]"]
    np.testing.assert_allclose(doc["methods"]["reverse-over-reverse"]["hessian"], [[6, 0], [0, 6]])


def test_hessian_at_a_kink_exits_3():
    result, doc = run_json("hessian", "x*abs(x)", "--at", "0")
    assert result.exit_code == 3
    assert doc["passed"] is False
    assert doc["kinks"][0]["left"] == pytest.approx(-2) and doc["kinks"][0]["right"] == pytest.approx(2)
    table = run("hessian", "abs(x)", "--at", "0")
    assert table.exit_code == 3
    assert "not twice differentiable here" in table.stdout


def test_hessian_of_a_vector_valued_f_exits_2():
    assert run("hessian", "[x0, x1**2]", "--at", "1,2").exit_code == 2


def test_hessian_with_an_infinite_gradient_is_inconclusive():
    result = run("hessian", "sqrt(x)", "--at", "0")
    assert result.exit_code == 3
    assert "gradient" in result.stderr


def test_a_wrong_hessian_exits_1_and_its_matrix_is_shown(monkeypatch):
    import adcheck.derivatives as derivatives

    real = derivatives.hvp

    def bent(f, x, v, method="forward-over-reverse"):
        out = real(f, x, v, method)
        return out + 1e-3 if method == "reverse-over-reverse" else out

    monkeypatch.setattr(derivatives, "hvp", bent)
    result = run("hessian", ROSENBROCK, "--at", "-1.2,1")
    assert result.exit_code == 1, result.output
    assert "Hessian by reverse-over-reverse" in result.stdout
    assert "Hessian by forward-over-forward" not in result.stdout
    assert "✗ reverse-over-reverse differs beyond tolerance" in result.stdout
