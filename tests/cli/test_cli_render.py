"""The CLI's rendering and error mapping, with the core patched to return hand-built Reports.

These pin the output for situations the real core reaches only at special
points (a kink, a mismatch, a method that cannot run, an internal bug).
"""

import json
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

import adcheck.analysis.compare as compare
import adcheck.frontends as frontends
from adcheck.analysis.results import Kink, MethodResult, Report, StepReport, StepRow
from adcheck.cli import app
from adcheck.errors import UserCodeError

runner = CliRunner()


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("COLUMNS", raising=False)


def _report(**changes):
    fields = dict(
        command="grad", target="abs(x)", variables=("x",), point={"x": 0.0}, value=0.0, shape=(1, 1),
        reference="symbolic",
        methods=(MethodResult("symbolic", jacobian=((0.0,),), abs_error=0.0, rel_error=0.0, agrees=True,
                              evaluations=1, seconds=1e-3),
                 MethodResult("reverse", jacobian=((1.0,),), abs_error=1.0, rel_error=float("inf"),
                              tolerance=1e-13, agrees=False, evaluations=1, seconds=2e-5),
                 MethodResult("complex-step", error="not applicable: f uses abs")),
        verdict="not differentiable at this point: along x the left derivative is -1 and the right "
                "derivative 1",
        passed=False, exit_code=3, derivative_text=("sign(x)",), reference_digits=("0",),
        kinks=(Kink(output=0, variable="x", left=-1.0, right=1.0),))
    fields.update(changes)
    return Report(**fields)


@pytest.fixture
def fake_core(monkeypatch):
    """Make ``analyse`` return (or raise) what the test sets; targets are not parsed."""
    box = {}
    monkeypatch.setattr(frontends, "load_target", lambda text, at: SimpleNamespace(origin="test", text=text))

    def analyse(target, methods=None, *, steps=False, command="grad", memory=False):
        box["methods"] = methods
        if isinstance(box["result"], BaseException):
            raise box["result"]
        return box["result"]

    monkeypatch.setattr(compare, "analyse", analyse)
    return box


def grad(*args):
    return runner.invoke(app, ["grad", *args])


def test_kinks_are_listed_with_both_one_sided_derivatives(fake_core):
    fake_core["result"] = _report()
    result = grad("abs(x)", "--at", "0")
    assert result.exit_code == 3, result.output
    out = result.stdout
    assert "one-sided derivatives differ" in out
    kink_row = next(line for line in out.splitlines() if line.strip("| ").startswith("x ")
                    and "-1" in line)
    assert "-1" in kink_row and "1" in kink_row
    assert out.splitlines()[-1].startswith("? not differentiable")


def test_method_that_cannot_run_shows_na_and_its_reason(fake_core):
    fake_core["result"] = _report()
    out = grad("abs(x)", "--at", "0").stdout
    row = next(line for line in out.splitlines() if "complex-step" in line and "|" in line)
    assert "n/a" in row
    assert "complex-step: not applicable: f uses abs" in out


def test_mismatch_exits_1_with_a_cross(fake_core):
    fake_core["result"] = _report(kinks=(), exit_code=1, verdict="reverse differs beyond tolerance")
    result = grad("abs(x)", "--at", "0")
    assert result.exit_code == 1
    assert "✗ beyond tolerance" in result.stdout
    assert result.stdout.splitlines()[-1] == "✗ reverse differs beyond tolerance"


def test_many_variables_show_the_norm_and_worst_entry(fake_core):
    names = tuple(f"x{i}" for i in range(6))
    grad_row = tuple(float(i) for i in range(6))
    fake_core["result"] = _report(
        variables=names, point={n: 1.0 for n in names}, shape=(1, 6), kinks=(), exit_code=0,
        verdict="all agree", derivative_text=None, reference_digits=None,
        methods=(MethodResult("symbolic", jacobian=(grad_row,), abs_error=0.0, agrees=True),
                 MethodResult("fd-central", jacobian=(grad_row,), abs_error=1e-9, rel_error=2e-10,
                              err_est=1e-8, agrees=True, worst=(0, 4))))
    result = grad("f", "--at", "1")
    assert result.exit_code == 0, result.output
    assert "|grad|" in result.stdout
    row = next(line for line in result.stdout.splitlines() if "fd-central" in line)
    assert "x4" in row
    assert "--format json" in result.stdout


def test_json_is_exactly_the_report_document(fake_core):
    report = _report()
    fake_core["result"] = report
    result = grad("abs(x)", "--at", "0", "--format", "json")
    assert result.exit_code == 3
    doc = json.loads(result.stdout)
    expected = json.loads(json.dumps(report.to_dict()))
    assert doc == expected
    assert doc["kinks"] == [{"output": 0, "variable": "x", "left": -1.0, "right": 1.0}]
    assert doc["methods"]["complex-step"] == {"error": "not applicable: f uses abs"}
    assert doc["methods"]["reverse"]["rel_error"] is None  # inf is not JSON


def test_steps_without_exact_value_show_values(fake_core):
    rows = tuple(StepRow(10.0 ** -k, 2.0 + 10.0 ** -k, 2.0 + 10.0 ** (-2 * k), 2.0) for k in range(1, 15))
    sweep = StepReport("x", rows, {"forward": 1e-8, "central": 1e-5, "richardson": 1e-1},
                       {"forward": 1.5e-8, "central": 6e-6}, exact=None)
    fake_core["result"] = _report(kinks=(), exit_code=0, verdict="ok", steps=(sweep,))
    out = grad("abs(x)", "--steps").stdout
    assert "forward value" in out
    assert "best Richardson estimate" in out


def test_user_code_error_shows_the_users_traceback(fake_core):
    fake_core["result"] = UserCodeError("f raised ValueError: bad",
                                        user_traceback='  File "model.py", line 3, in f\n    raise ValueError')
    result = grad("model.py")
    assert result.exit_code == 3
    assert result.stderr.startswith("error: f raised ValueError: bad")
    assert 'File "model.py", line 3' in result.stderr


def test_internal_error_is_one_line_and_exit_4(fake_core):
    fake_core["result"] = ZeroDivisionError("oops")
    result = grad("x", "--at", "1")
    assert result.exit_code == 4
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("internal error: ZeroDivisionError: oops")
    assert "Traceback" not in result.stderr


def test_internal_error_with_debug_prints_the_traceback(fake_core):
    fake_core["result"] = ZeroDivisionError("oops")
    result = grad("x", "--at", "1", "--debug")
    assert result.exit_code == 4
    assert "Traceback" in result.stderr and "ZeroDivisionError: oops" in result.stderr


def test_internal_error_as_json(fake_core):
    fake_core["result"] = ZeroDivisionError("oops")
    result = grad("x", "--at", "1", "--format", "json")
    assert result.exit_code == 4
    assert json.loads(result.stdout) == {"error": {"type": "InternalError",
                                                   "message": "ZeroDivisionError: oops"}, "exit_code": 4}


def test_no_color_on_a_terminal_gives_plain_text(fake_core, monkeypatch):
    import adcheck.render.console as console

    fake_core["result"] = _report()
    monkeypatch.setattr(console, "_isatty", lambda stream: True)
    styled = grad("abs(x)", "--at", "0").stdout
    assert "\x1b[" in styled  # a terminal gets colour ...
    monkeypatch.setenv("NO_COLOR", "1")
    plain = grad("abs(x)", "--at", "0").stdout
    assert "\x1b[" not in plain  # ... unless NO_COLOR is set
    assert "one-sided derivatives differ" in plain
