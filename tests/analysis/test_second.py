"""analysis.second without the CLI: verdicts, tolerances, the JSON keys of KeyedReport."""

import numpy as np
import pytest

import adcheck.derivatives as derivatives
from adcheck.analysis import second
from adcheck.analysis.results import KeyedReport, MethodResult
from adcheck.errors import UsageError
from adcheck.frontends import load_target

ROSENBROCK = "100*(x1-x0**2)**2+(1-x0)**2"


def test_hessian_report_passes_and_every_method_is_symmetric():
    report = second.analyse_hessian(load_target(ROSENBROCK, "-1.2,1"))
    assert report.exit_code == 0, report.verdict
    assert report.reference == "symbolic"
    assert [r.method for r in report.methods] == list(second.SECOND_METHODS)
    assert all(r.agrees for r in report.methods)
    gaps = {name: extra["asymmetry"] for name, extra in report.method_extra.items()}
    assert gaps["forward-over-reverse"] == 0
    assert 0 < gaps["fd"] < 1e-6


def test_a_wrong_second_order_method_is_named(monkeypatch):
    """reverse-over-reverse perturbed by 1e-6 relative: a mismatch, and the others agree."""
    real = derivatives.hvp

    def bent(f, x, v, method="forward-over-reverse"):
        out = real(f, x, v, method)
        return out * (1 + 1e-6) if method == "reverse-over-reverse" else out

    monkeypatch.setattr(derivatives, "hvp", bent)
    report = second.analyse_hvp(load_target(ROSENBROCK, "-1.2,1"), "1,2")
    assert report.exit_code == 1
    assert report.verdict.startswith("reverse-over-reverse differs beyond tolerance")
    assert report.method("fd").agrees is True
    assert report.method("reverse-over-reverse").agrees is False


def test_hvp_without_symbolic_uses_forward_over_reverse_as_reference():
    report = second.analyse_hvp(load_target("exp(x0*x1)+x2**3", "0.5,-1,2"), "[1, 0, -1]",
                                ["forward-over-reverse", "reverse-over-reverse", "fd"])
    assert report.exit_code == 0, report.verdict
    assert report.reference == "forward-over-reverse"
    x0, x1, x2 = 0.5, -1.0, 2.0
    e = np.exp(x0 * x1)
    hess = np.array([[x1 * x1 * e, e + x0 * x1 * e, 0], [e + x0 * x1 * e, x0 * x0 * e, 0], [0, 0, 6 * x2]])
    np.testing.assert_allclose(report.method("fd").jacobian[0], hess @ [1, 0, -1], rtol=1e-8)


def test_cancellation_is_judged_by_the_round_off_bound_not_a_fixed_epsilon():
    report = second.analyse_hessian(load_target("sin(x)/x", "1e-5"))
    assert report.exit_code == 0, report.verdict


def test_unknown_methods_and_vector_f_are_usage_errors():
    with pytest.raises(UsageError):
        second.check_methods(["reverse"])
    with pytest.raises(UsageError, match="scalar"):
        second.analyse_hessian(load_target("[x0, x1]", "1,2"))


def test_symbolic_is_skipped_for_a_file_with_many_inputs(tmp_path):
    path = tmp_path / "many.py"
    path.write_text("import numpy as np\n\ndef f(x):\n    return np.sum(np.cos(x))\n")
    target = load_target(str(path), "[" + ", ".join(["0.5"] * 31) + "]")
    report = second.analyse_hvp(target, ",".join(["1"] * 31), ["symbolic", "forward-over-reverse", "fd"])
    assert "skipped" in report.method("symbolic").error
    assert report.reference == "forward-over-reverse"
    assert report.exit_code == 0, report.verdict


def test_keyed_report_json_keys():
    row = MethodResult("fd", jacobian=((1.0, 2.0),), abs_error=0.0, agrees=True)
    square = MethodResult("fd", jacobian=((1.0, 2.0), (2.0, 5.0)), agrees=True)
    common = dict(command="x", target="f", variables=("a", "b"), point={"a": 0.0, "b": 1.0}, value=1.0,
                  shape=(1, 2), reference="fd", verdict="ok", passed=True, exit_code=0)
    hvp = KeyedReport(**common, methods=(row,), payload="hvp").to_dict()
    assert hvp["methods"]["fd"]["hvp"] == [1.0, 2.0] and "gradient" not in hvp["methods"]["fd"]
    hess = KeyedReport(**common, methods=(square,), payload="hessian",
                       method_extra={"fd": {"asymmetry": 0.0}}).to_dict()
    assert hess["methods"]["fd"]["hessian"] == [[1.0, 2.0], [2.0, 5.0]]
    assert hess["methods"]["fd"]["asymmetry"] == 0.0
    jac = KeyedReport(**common, methods=(row,)).to_dict()
    assert jac["methods"]["fd"]["jacobian"] == [[1.0, 2.0]] and jac["shape"] == [1, 2]
    assert list(jac)[-3:] == ["verdict", "passed", "exit_code"]


def test_forward_over_forward_through_a_vector_dot_product():
    # a batched tangent of a 1-D operand meets a stacked operand under nesting (x @ x)
    x = np.array([0.3, -0.7, 1.1])
    np.testing.assert_allclose(derivatives.hessian(lambda z: z @ z, x, "forward-over-forward"),
                               2 * np.eye(3))
