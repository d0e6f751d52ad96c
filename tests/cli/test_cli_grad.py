"""``adcheck grad`` end to end through the real core, driven by typer's CliRunner.

Click >= 8.2 keeps ``result.stdout`` and ``result.stderr`` apart, so JSON is
parsed from stdout alone and diagnostics are asserted on stderr.
"""

import json

import pytest
from typer.testing import CliRunner

from adcheck.cli import app

runner = CliRunner()

ALL_METHODS = ["symbolic", "forward", "reverse", "fd-forward", "fd-central", "fd-richardson",
               "complex-step"]


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch):
    """Same output whatever the developer's shell sets."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("COLUMNS", raising=False)


def grad(*args):
    return runner.invoke(app, ["grad", *args])


def grad_json(*args):
    result = grad(*args, "--format", "json")
    return result, json.loads(result.stdout)


# ---- the table -------------------------------------------------------------------

def test_table_for_x2_sin_lists_every_method_and_passes():
    result = grad("x**2*sin(x)", "--at", "1.5")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "f = x**2*sin(x)" in out
    assert "at x = 1.5" in out
    assert "f(x) = 2.2443637198591224" in out
    assert "df/dx = x**2*cos(x) + 2*x*sin(x)" in out
    assert "3.1516436635644948405" in out  # the exact value to 20 significant digits
    for name in ALL_METHODS:
        assert name in out
    assert "reference" in out
    assert "✓" in out
    assert "agree" in out.splitlines()[-1]
    assert result.stderr == ""


def test_several_variables_are_listed_in_order():
    result = grad("(x1+x2)*sin(x1)", "--at", "x1=1,x2=2")
    assert result.exit_code == 0, result.output
    assert "variables in order: x1, x2" in result.stdout
    assert "df/dx1" in result.stdout and "df/dx2" in result.stdout


def test_expression_file_shows_the_expression_and_its_point():
    result = grad("examples/expressions/rosenbrock.txt")
    assert result.exit_code == 0, result.output
    assert "f = (1-x)**2+100*(y-x**2)**2" in result.stdout
    assert "at x = -1.2, y = 1" in result.stdout


def test_vector_valued_f_shows_a_jacobian_row_per_output():
    result = grad("[x0**2, x1*x2]", "--at", "1,2,3")
    assert result.exit_code == 0, result.output
    assert "f[0]" in result.stdout and "f[1]" in result.stdout


def test_method_selection_repeated_and_comma_separated():
    result, doc = grad_json("x**2*sin(x)", "--at", "1.5", "--method", "reverse,fd-central",
                            "-m", "symbolic")
    assert result.exit_code == 0, result.output
    assert set(doc["methods"]) == {"symbolic", "reverse", "fd-central"}


def test_plain_output_when_not_a_terminal():
    result = grad("x**2*sin(x)", "--at", "1.5")
    assert "\x1b[" not in result.stdout


# ---- JSON --------------------------------------------------------------------------

def test_json_has_the_design_fields_and_nothing_else_on_stdout():
    result, doc = grad_json("x**2*sin(x)", "--at", "1.5")
    assert result.exit_code == 0, result.output
    assert doc["command"] == "grad"
    assert doc["target"] == "x**2*sin(x)"
    assert doc["variables"] == ["x"]
    assert doc["point"] == {"x": 1.5}
    assert doc["value"] == pytest.approx(2.2443637198591224)
    assert doc["reference"] == "symbolic"
    assert list(doc["methods"]) == ALL_METHODS
    for name, entry in doc["methods"].items():
        for key in ("gradient", "abs_error", "rel_error", "seconds", "evaluations"):
            assert key in entry, (name, key)
        assert entry["gradient"][0] == pytest.approx(3.1516436635644948, rel=1e-6)
    assert doc["passed"] is True
    assert doc["exit_code"] == 0
    assert result.stderr == ""


def test_json_never_contains_nan():
    result = grad("sqrt(x)", "--at", "1e-300", "--format", "json")
    assert "NaN" not in result.stdout and "Infinity" not in result.stdout
    json.loads(result.stdout)


def test_json_error_document_on_stdout_with_exit_code():
    result = grad("x**2*sin(x", "--at", "1", "--format", "json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["exit_code"] == 2
    assert doc["error"]["type"] == "ExpressionSyntaxError"
    assert doc["error"]["message"]
    assert "error:" in result.stderr


# ---- exit codes --------------------------------------------------------------------

def test_syntax_error_exits_2_with_a_caret_on_stderr():
    result = grad("x**2*sin(x", "--at", "1")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: ")
    assert any(line.strip() == "^" for line in lines)
    assert "Traceback" not in result.stderr


def test_unknown_function_exits_2():
    result = grad("foo(x)", "--at", "1")
    assert result.exit_code == 2
    assert "foo" in result.stderr


def test_bad_point_exits_2():
    result = grad("x*y", "--at", "1")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")


def test_unknown_method_exits_2_and_names_the_choices():
    result = grad("x**2", "--at", "1", "--method", "reverse,backwards")
    assert result.exit_code == 2
    assert "backwards" in result.stderr
    assert "fd-central" in result.stderr  # the hint lists the valid names


@pytest.mark.parametrize("expr, at", [("log(x)", "-1"), ("1/x", "0")])
def test_outside_the_domain_is_inconclusive(expr, at):
    result = grad(expr, "--at", at)
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith("error: ")


def test_derivative_undefined_at_sqrt_zero_is_inconclusive():
    result = grad("sqrt(x)", "--at", "0")
    assert result.exit_code == 3, (result.stdout, result.stderr)


def test_kink_of_abs_at_zero_is_inconclusive_and_shows_both_sides():
    result = grad("abs(x)", "--at", "0")
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert "left" in result.stdout and "right" in result.stdout
    assert "-1" in result.stdout and "1" in result.stdout


# ---- --steps -----------------------------------------------------------------------

def test_steps_table_marks_the_best_step_and_draws_the_v():
    result = grad("x**2*sin(x)", "--at", "1.5", "--steps")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "step sweep for df/dx" in out
    assert "1e-01" in out and "1e-14" in out
    assert "◀" in out
    assert "theoretical optimum" in out and "√ε" in out and "∛ε" in out
    assert "log10(h)" in out


def test_steps_in_json():
    result, doc = grad_json("x**2*sin(x)", "--at", "1.5", "--steps", "-m", "symbolic,fd-central")
    assert result.exit_code == 0, result.output
    assert doc["steps"][0]["variable"] == "x"
    assert len(doc["steps"][0]["rows"]) >= 10
