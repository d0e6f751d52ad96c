"""analysis.higher (adcheck grad --order k) without the CLI."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
import sympy

from adcheck.analysis import higher
from adcheck.errors import UsageError
from adcheck.frontends import load_target
from adcheck.render.console import Look
from adcheck.render.higher import order_renderables

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples/expressions/third_derivative.txt")


def test_order_2_of_x2_sin_matches_the_closed_form():
    report = higher.analyse_order(load_target("x**2*sin(x)", "1.5"), 2)
    assert report.exit_code == 0, report.verdict
    assert report.reference == "symbolic"
    assert [r.method for r in report.methods] == list(higher.order_methods(2))
    x = 1.5
    exact = 2 * math.sin(x) + 4 * x * math.cos(x) - x * x * math.sin(x)
    for r in report.methods:
        assert r.agrees is True
        tol = 1e-9 if r.method == "fd" else 1e-14
        assert abs(r.jacobian[0][0] - exact) <= tol * max(1.0, abs(exact)), r.method


def test_order_3_of_the_example_matches_sympy():
    report = higher.analyse_order(load_target(EXAMPLE, None), 3)
    assert report.exit_code == 0, report.verdict
    s = sympy.Symbol("x")
    exact = float(sympy.diff(s**3 * sympy.exp(-s), s, 3).subs(s, sympy.Rational(7, 10)).evalf(30))
    assert report.method("symbolic").jacobian[0][0] == pytest.approx(exact, rel=1e-15)
    for name in higher.ad_methods(3):
        assert report.method(name).jacobian[0][0] == pytest.approx(exact, rel=1e-13)
    fd = report.method("fd")
    assert fd.agrees and abs(fd.jacobian[0][0] - exact) <= 2 * fd.err_est + 1e-12


def test_rosenbrock_hessian_matches_its_closed_form():
    report = higher.analyse_order(load_target("(1-x)**2+100*(y-x**2)**2", "x=-1.2,y=1"), 2)
    assert report.exit_code == 0, report.verdict
    x, y = -1.2, 1.0
    hess = np.array([[2 - 400 * (y - x * x) + 800 * x * x, -400 * x], [-400 * x, 200.0]])
    for r in report.methods:
        np.testing.assert_allclose(np.array(r.jacobian), hess, rtol=1e-10, err_msg=r.method)


def test_order_3_needs_one_variable_and_orders_are_checked():
    with pytest.raises(UsageError):
        higher.analyse_order(load_target("x*y**2", "x=1,y=2"), 3)
    with pytest.raises(UsageError):
        higher.analyse_order(load_target("x**2", "1"), 4)
    with pytest.raises(UsageError):
        higher.analyse_order(load_target("x**2", "1"), 2, ["complex-step"])


def test_method_aliases_and_reference_without_symbolic():
    report = higher.analyse_order(load_target(EXAMPLE, None), 3, ["forward", "reverse", "fd-richardson"])
    assert [r.method for r in report.methods] == list(higher.order_methods(3)[1:])
    assert report.reference == "forward-over-forward-over-forward"
    assert report.exit_code == 0, report.verdict


def test_to_dict_is_json_safe_with_derivative_and_order():
    third = json.loads(json.dumps(higher.analyse_order(load_target(EXAMPLE, None), 3).to_dict(),
                                  allow_nan=False))
    assert third["order"] == 3
    assert all(isinstance(m["derivative"], float) for m in third["methods"].values())
    hess = json.loads(json.dumps(higher.analyse_order(
        load_target("(1-x)**2+100*(y-x**2)**2", "x=-1.2,y=1"), 2).to_dict(), allow_nan=False))
    assert hess["order"] == 2 and hess["passed"] is True
    assert np.shape(hess["methods"]["forward-over-reverse"]["derivative"]) == (2, 2)


def test_a_kink_of_the_second_derivative_is_inconclusive_and_renders():
    report = higher.analyse_order(load_target("abs(x)**3", "0"), 3)
    assert report.exit_code == 3
    assert report.kinks
    texts = [getattr(p, "plain", None) for p in order_renderables(report, Look(plain=True))]
    assert texts[-1].startswith("? inconclusive") or "inconclusive" in texts[-1]
    json.dumps(report.to_dict(), allow_nan=False)
