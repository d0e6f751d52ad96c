"""Every file under examples/expressions loads and evaluates finitely at its point."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

from adcheck.errors import BadInputError, TargetNotFoundError
from adcheck.frontends import load_target
from adcheck.frontends.expression import load_expression_file, parse_expression

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples" / "expressions"
FILES = sorted(EXAMPLES.glob("*.txt"))


def test_there_are_enough_examples():
    assert len(FILES) >= 12


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_example_loads_and_is_finite(path):
    text, at = load_expression_file(str(path))
    assert at, f"{path.name} has no 'at:' line"
    target = load_target(str(path), None)
    assert target.origin == "expression" and target.name == text
    y = np.asarray(target.f(target.x0.copy()))
    assert y.dtype == np.float64 and np.all(np.isfinite(y))
    assert target.m == y.size and target.n == len(target.variables)
    form = target.sympy_form()
    assert len(form.exprs) == target.m and len(form.symbols) == target.n
    subs = dict(zip(form.symbols, target.x0))
    exact = np.array([float(e.evalf(30, subs=subs)) for e in form.exprs])
    np.testing.assert_allclose(exact, y.reshape(-1), rtol=1e-12, atol=1e-300)
    if target.complex_analytic:    # complex-step would run: f must accept complex input
        yc = np.asarray(target.f(target.x0 + 0j))
        np.testing.assert_allclose(yc.real, y, rtol=1e-15)


def test_required_examples_present():
    exprs = {load_expression_file(str(p))[0] for p in FILES}
    for text in ["x**2*sin(x)", "log(sin(x**2)+exp(x))", "(x1+x2)*sin(x1)", "log(x**2+exp(x))",
                 "log(1+exp(x))", "sin(x)/x", "(1-x)**2+100*(y-x**2)**2"]:
        assert text in exprs
    parsed = [parse_expression(e) for e in exprs]
    assert any(p.is_vector for p in parsed)
    assert any(len(p.variables) == 3 for p in parsed)
    for fn in ["arctan2", "erf", "tanh"]:
        assert any(fn in p.used_functions for p in parsed)


def test_rosenbrock_by_path_and_name(monkeypatch):
    monkeypatch.chdir(EXAMPLES.parents[1])
    t = load_target("examples/expressions/rosenbrock.txt", None)
    assert list(t.variables) == ["x", "y"]
    np.testing.assert_array_equal(t.x0, [-1.2, 1.0])
    assert t.value == pytest.approx(24.2)
    t = load_target("examples/expressions/rosenbrock", "x=1,y=1")   # --at overrides
    assert t.value == 0.0 and t.text == "examples/expressions/rosenbrock"


def test_expression_file_format(tmp_path):
    p = tmp_path / "e.txt"
    p.write_text("# comment\n\n  x*y  \n# another\nAT:  1, 2\n")
    assert load_expression_file(str(p)) == ("x*y", "1, 2")
    p.write_text("x*y\n")
    assert load_expression_file(str(p)) == ("x*y", None)
    p.write_text("# only a comment\nat: 1\n")
    with pytest.raises(BadInputError, match="no expression line"):
        load_expression_file(str(p))
    p.write_text("x\ny\nat: 1\n")
    with pytest.raises(BadInputError, match="2 expression lines"):
        load_expression_file(str(p))
    p.write_text("x\nat: 1\nat: 2\n")
    with pytest.raises(BadInputError, match="more than one"):
        load_expression_file(str(p))
    with pytest.raises(TargetNotFoundError):
        load_expression_file(str(tmp_path / "missing.txt"))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_example_through_tracers(path):
    """Forward Duals and reverse Vars flow through the compiled f (end to end)."""
    forward = pytest.importorskip("adcheck.methods.forward")
    reverse = pytest.importorskip("adcheck.methods.reverse")
    import sympy

    target = load_target(str(path), None)
    form = target.sympy_form()
    subs = dict(zip(form.symbols, target.x0))
    exact = np.array([[float(sympy.diff(e, s).evalf(30, subs=subs)) for s in form.symbols]
                      for e in form.exprs])
    for method in (forward, reverse):
        y, jac = method.jacobian(target.f, target.x0)
        np.testing.assert_allclose(np.reshape(y, -1), target.value.reshape(-1), rtol=1e-15)
        # atol: sin(x)/x at 1e-8 loses its -3.3e-9 derivative to cancellation in float64
        np.testing.assert_allclose(jac, exact, rtol=1e-10, atol=1e-8)
