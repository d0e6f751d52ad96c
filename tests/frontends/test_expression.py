"""The expression frontend: whitelist parser, compiled f, sympy form, Target."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from adcheck.errors import (AdcheckError, BadInputError, ExpressionSyntaxError, NotApplicableError,
                            PointError, UnknownNameError)
from adcheck.frontends import load_target
from adcheck.frontends.expression import expression_target, natural_key, parse_expression
from adcheck.frontends.exprparse import MAX_LENGTH


def value(text, *x):
    with np.errstate(all="ignore"):
        return parse_expression(text).f(np.array(x, dtype=float))


def sympy_value(text, *x):
    form = parse_expression(text).sympy_form()
    subs = dict(zip(form.symbols, x))
    return [complex(e.evalf(subs=subs)) for e in form.exprs]


def finishes(fn, seconds=10.0):
    """Run fn in a thread; fail (instead of hanging the run) if it does not return."""
    out = {}

    def run():
        try:
            out["v"] = fn()
        except BaseException as exc:  # handed back to the test's thread
            out["e"] = exc

    th = threading.Thread(target=run, daemon=True)
    th.start()
    th.join(seconds)
    assert not th.is_alive(), "did not return"
    if "e" in out:
        raise out["e"]
    return out["v"]


# ---- accepted constructs --------------------------------------------------------

@pytest.mark.parametrize("text, x, expected", [
    ("x + 2", [1.5], 3.5),
    ("x - 2", [1.5], -0.5),
    ("3 * x", [1.5], 4.5),
    ("x / 2", [1.5], 0.75),
    ("x ** 2", [1.5], 2.25),
    ("x ^ 2", [1.5], 2.25),
    ("x^2 + 1", [1.5], 3.25),                 # ^ binds like **, not like Python's xor
    ("-x^2", [1.5], -2.25),
    ("2^3^2 * x", [1.0], 512.0),              # right-associative
    ("-x", [1.5], -1.5),
    ("+x", [1.5], 1.5),
    ("((x))", [1.5], 1.5),
    ("2.5e-1 * x", [2.0], 0.5),
    ("pi * x", [1.0], math.pi),
    ("e ** x", [1.0], math.e),
    ("sin(x)", [0.3], math.sin(0.3)), ("cos(x)", [0.3], math.cos(0.3)),
    ("tan(x)", [0.3], math.tan(0.3)), ("asin(x)", [0.3], math.asin(0.3)),
    ("acos(x)", [0.3], math.acos(0.3)), ("atan(x)", [0.3], math.atan(0.3)),
    ("atan2(y, x)", [-1.0, 0.5], math.atan2(0.5, -1.0)),
    ("sinh(x)", [0.3], math.sinh(0.3)), ("cosh(x)", [0.3], math.cosh(0.3)),
    ("tanh(x)", [0.3], math.tanh(0.3)), ("asinh(x)", [0.3], math.asinh(0.3)),
    ("acosh(x)", [1.3], math.acosh(1.3)), ("atanh(x)", [0.3], math.atanh(0.3)),
    ("exp(x)", [0.3], math.exp(0.3)), ("expm1(x)", [0.3], math.expm1(0.3)),
    ("log(x)", [0.3], math.log(0.3)), ("log(x, 2)", [8.0], 3.0),
    ("log(x, b)", [3.0, 9.0], 2.0), ("log1p(x)", [0.3], math.log1p(0.3)),
    ("log2(x)", [0.3], math.log2(0.3)), ("log10(x)", [0.3], math.log10(0.3)),
    ("sqrt(x)", [0.3], math.sqrt(0.3)), ("cbrt(x)", [8.0], 2.0),
    ("abs(x)", [-0.3], 0.3), ("sign(x)", [-0.3], -1.0), ("erf(x)", [0.3], math.erf(0.3)),
    ("max(x, y)", [1.0, 2.0], 2.0), ("min(x, y)", [1.0, 2.0], 1.0),
    ("theta * x10", [2.0, 3.0], 6.0),
    ("(x\n + 1)", [1.0], 2.0),                # newlines inside parentheses
    ("  x + 1  ", [1.0], 2.0),                # surrounding whitespace
])
def test_accepted_constructs(text, x, expected):
    out = value(text, *x)
    assert isinstance(out, np.ndarray) and out.shape == () and out.dtype == np.float64
    assert out == pytest.approx(expected, rel=1e-14)
    assert sympy_value(text, *x)[0].real == pytest.approx(expected, rel=1e-12)


def test_expression_record():
    e = parse_expression("x**2*sin(x) + max(x, y)")
    assert e.variables == ("x", "y") and not e.is_vector
    assert set(e.used_functions) == {"power", "multiply", "sin", "add", "maximum"}
    assert e.complex_analytic is False
    assert parse_expression("exp(x)*sin(y)").complex_analytic is True
    assert parse_expression("abs(-2) * x").complex_analytic is True   # folded: f never calls abs


def test_natural_order():
    assert sorted(["x10", "x2", "x1", "y", "x"], key=natural_key) == ["x", "x1", "x2", "x10", "y"]
    e = parse_expression("x10 + 2*x2 + 3*x1")
    assert e.variables == ("x1", "x2", "x10")
    assert e.f(np.array([1.0, 10.0, 100.0])) == 1.0 * 3 + 10.0 * 2 + 100.0


def test_vector_output():
    e = parse_expression("[x0**2, x1*x2, 3, x2]")
    assert e.is_vector and e.variables == ("x0", "x1", "x2")
    y = e.f(np.array([2.0, 3.0, 4.0]))
    assert y.shape == (4,) and y.dtype == np.float64
    np.testing.assert_allclose(y, [4.0, 12.0, 3.0, 4.0])
    form = e.sympy_form()
    assert len(form.exprs) == 4 and form.text == "[x0**2, x1*x2, 3, x2]"
    yc = e.f(np.array([2.0, 3.0, 4.0]) + 1e-20j)
    assert yc.dtype == np.complex128


def test_complex_input_flows_through():
    e = parse_expression("x**2*sin(x)")
    h = 1e-20
    d = e.f(np.array([1.5 + h * 1j])).imag / h
    assert d == pytest.approx(2 * 1.5 * math.sin(1.5) + 1.5 ** 2 * math.cos(1.5), rel=1e-14)


def test_sympy_form_exact():
    e = parse_expression("x**(1/3) + 2**40 * y + 0.1 * pi + e + 2**53 * x")
    form = e.sympy_form()
    x, y = form.symbols
    assert [s.name for s in form.symbols] == ["x", "y"] and x.is_real
    assert form.exprs[0] == (x ** sympy.Rational(1, 3) + 2 ** 40 * y
                             + sympy.Float(0.1) * sympy.pi + sympy.E
                             + sympy.Float(2.0 ** 53) * x)   # beyond 1e15: kept as float64
    assert form.text == str(form.exprs[0])
    assert e.sympy_form() is form    # cached


def test_sympy_form_deep_is_method_error():
    e = parse_expression("**".join(["x"] * 300))
    assert np.isfinite(e.f(np.array([1.001])))
    try:
        e.sympy_form()
    except NotApplicableError:
        pass


# ---- huge constants ---------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "x * 9**9**9**9", "x + 10**10**10", "x * 2**(2**(2**100))", "x * 2**(-10**14)",
    "(x*0 + 2)**(10**15)", "x * (1 + 10**-15)**(10**15)", "x * sqrt(2)**(-10**14)",
    "x * (((1 + 10**-15)**1000)**1000)**1000", "x * 10**400", "x * 1e999",
])
def test_huge_constants_return_quickly(text):
    e = finishes(lambda: parse_expression(text))

    def evaluate():
        with np.errstate(all="ignore"):   # errstate is per thread
            return e.f(np.array([1.5]))

    finishes(evaluate)
    form = finishes(e.sympy_form)
    assert len(form.exprs) == 1


def test_huge_constant_values():
    assert value("x * 9**9**9**9", 1.5) == math.inf
    x = sympy.Symbol("x", real=True)
    assert parse_expression("x * 9**9**9**9").sympy_form().exprs[0] == sympy.oo * x
    with pytest.raises(BadInputError, match="no variables"):
        finishes(lambda: parse_expression("9**9**9**9"))


# ---- refusals ---------------------------------------------------------------------

@pytest.mark.parametrize("text, cls, column", [
    ("x.real", ExpressionSyntaxError, 1),
    ("x[0]", ExpressionSyntaxError, 1),
    ("lambda: 1", ExpressionSyntaxError, 0),
    ("1 + [x for x in y]", ExpressionSyntaxError, 4),
    ("x + 'a'", ExpressionSyntaxError, 4),
    ("x * 2j", ExpressionSyntaxError, 4),
    ("sin(x=1)", ExpressionSyntaxError, 4),
    ("sin(*x)", ExpressionSyntaxError, 4),
    ("x < 1", ExpressionSyntaxError, 0),
    ("x and y", ExpressionSyntaxError, 0),
    ("x @ y", ExpressionSyntaxError, 2),
    ("x // y", ExpressionSyntaxError, 2),
    ("x % 2", ExpressionSyntaxError, 2),
    ("x | y", ExpressionSyntaxError, 2),
    ("~x", ExpressionSyntaxError, 0),
    ("not x", ExpressionSyntaxError, 0),
    ("x if y else z", ExpressionSyntaxError, 0),
    ("x + sinn(x)", UnknownNameError, 4),
    ("x + foo(x)", UnknownNameError, 4),
    ("y + x(2) + x", ExpressionSyntaxError, 4),
    ("x + sin", ExpressionSyntaxError, 4),
    ("x + pi(2)", ExpressionSyntaxError, 4),
    ("atan2(x)", ExpressionSyntaxError, 0),
    ("x + log(x, 1, 2)", ExpressionSyntaxError, 4),
    ("max(x)", ExpressionSyntaxError, 0),
    ("sin(x)(2)", ExpressionSyntaxError, 0),
    ("x + _y", ExpressionSyntaxError, 4),
    ("x + θ", ExpressionSyntaxError, 4),
    ("[x, [y]]", ExpressionSyntaxError, 4),
    ("[]", ExpressionSyntaxError, 0),
    ("x, y", ExpressionSyntaxError, 0),
    ("True * x", ExpressionSyntaxError, 0),
    ("x + None", ExpressionSyntaxError, 4),
    ("{x}", ExpressionSyntaxError, 0),
    ("f'{x}'", ExpressionSyntaxError, 0),
    ("x +", ExpressionSyntaxError, 3),
    ("x + )", ExpressionSyntaxError, 4),
    ("  x ^^ 2", ExpressionSyntaxError, 5),
    ("sin(é, k=1)", ExpressionSyntaxError, 7),  # columns count characters, not bytes
    ("(x\n+ 'a')", ExpressionSyntaxError, 5),  # absolute offset across lines
    ("", ExpressionSyntaxError, 0),
    ("   ", ExpressionSyntaxError, 0),
])
def test_refusals(text, cls, column):
    with pytest.raises(cls) as info:
        parse_expression(text)
    assert type(info.value) is cls
    assert info.value.column == column
    assert info.value.exit_code == 2


def test_unknown_function_suggests_close_name():
    with pytest.raises(UnknownNameError, match="did you mean sin"):
        parse_expression("sinn(x)")
    with pytest.raises(UnknownNameError, match="did you mean atan2"):
        parse_expression("arctan2(y, x)")
    with pytest.raises(UnknownNameError, match="did you mean log"):
        parse_expression("ln(x)")
    with pytest.raises(ExpressionSyntaxError, match="x is a variable"):
        parse_expression("x(2) + x")


def test_caret_points_at_the_column():
    with pytest.raises(ExpressionSyntaxError) as info:
        parse_expression("x // 2")
    assert info.value.caret() == "  x // 2\n    ^"


@pytest.mark.parametrize("text", [
    "3 + 4", "pi * e", "sin(1)", "[1, 2]",
])
def test_no_variables_is_bad_input(text):
    with pytest.raises(BadInputError, match="no variables"):
        parse_expression(text)


def test_too_long_and_too_deep():
    with pytest.raises(ExpressionSyntaxError, match="limit"):
        parse_expression("x" + "+x" * MAX_LENGTH)
    for text in ["-" * 9999 + "x", "+".join(["x"] * 4000), "(" * 300 + "x" + ")" * 300,
                 "9" * 5000 + " * x"]:
        with pytest.raises(ExpressionSyntaxError):
            parse_expression(text)


@pytest.mark.parametrize("template", [
    "__import__('os').system('touch {canary}')",
    "().__class__.__bases__[0].__subclasses__()",
    "lambda: open('{canary}', 'w')",
    "[open('{canary}', 'w') for x in y]",
    "open('{canary}', 'w')",
    "x.__class__.__init__.__globals__['os'].system('touch {canary}')",
    "exec('open(\"{canary}\", \"w\")')",
    "eval('1')",
    "__builtins__",
    "x + (y := open('{canary}', 'w'))",
])
def test_injection_is_refused(template, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    canary = tmp_path / "CANARY"
    text = template.format(canary=canary)
    with pytest.raises(ExpressionSyntaxError):
        parse_expression(text)
    with pytest.raises(ExpressionSyntaxError):
        load_target(text, "1")
    assert not canary.exists()
    assert list(tmp_path.iterdir()) == []


_SOUP = st.text(alphabet="0123456789xyzabeipsnlog+-*/^%@<>=&|~()[],.'\" _", max_size=30)


_TOKENS = st.lists(st.sampled_from(
    ["sin", "log", "max", "atan2", "sqrt", "abs", "erf", "x", "y", "x10", "pi", "e", "0", "2",
     "0.5", "9", "1e308", "(", ")", "[", "]", ",", "+", "-", "*", "/", "**", "^", " ", ".", "'"]),
    max_size=25).map("".join)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.one_of(_SOUP, _TOKENS))
def test_token_soup_only_raises_adcheck_errors(text):
    try:
        e = parse_expression(text)
    except AdcheckError:
        return
    with np.errstate(all="ignore"):
        y = np.asarray(e.f(np.linspace(0.5, 1.5, len(e.variables))))
    assert y.dtype == np.float64
    try:
        e.sympy_form()
    except AdcheckError:
        pass


# ---- Target -------------------------------------------------------------------------

def test_expression_target():
    t = expression_target("(x1+x2)*sin(x1)", "x2=2, x1=1")
    assert t.origin == "expression" and t.text == "(x1+x2)*sin(x1)" and t.name == t.text
    assert list(t.variables) == ["x1", "x2"]
    np.testing.assert_array_equal(t.x0, [1.0, 2.0])
    assert t.value == pytest.approx(3 * math.sin(1.0))
    assert t.n == 2 and t.m == 1 and t.complex_analytic is True
    assert t.sympy_form().exprs[0].free_symbols == set(t.sympy_form().symbols)
    with pytest.raises(PointError):
        expression_target("x + y", "1")


def test_load_target_dispatch(tmp_path, monkeypatch):
    t = load_target("x**2", "3")
    assert t.value == 9.0
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.txt").write_text("# c\nx*y\nat: x=2,y=3\n")
    t = load_target("f.txt", None)
    assert t.value == 6.0 and t.text == "f.txt" and t.name == "x*y"
    assert load_target("f.txt", "1,1").value == 1.0       # --at overrides the file
    with pytest.raises(AdcheckError):
        load_target("model.py", None)                      # pyfile frontend, or "not supported yet"
