"""Python-file targets: importing, choosing the function, points, and calling user code safely.

Every user file is written into ``tmp_path``; each test gets its own folder,
so modules named alike never meet (their helper modules get distinct names).
"""

from __future__ import annotations

import signal
import sys
import textwrap
import time

import numpy as np
import pytest

from adcheck.errors import (AdcheckError, DomainError, MethodError, NotApplicableError,
                            PointError, TargetNotFoundError, UsageError, UserCodeError,
                            UserTimeoutError)
from adcheck.frontends import load_target
from adcheck.frontends.pyfile import is_derivative_name, load
from adcheck.methods import forward, reverse


@pytest.fixture(autouse=True)
def _isolated_imports(tmp_path, monkeypatch):
    """Undo what loading a user file leaves behind: its folder on sys.path, its modules."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", "") or "").startswith(str(tmp_path)):
            del sys.modules[name]


def write(folder, name, source):
    path = folder / name
    path.write_text(textwrap.dedent(source).lstrip())
    return str(path)


def model(tmp_path, source, name="model.py"):
    return write(tmp_path, name, "import numpy as np\n" + textwrap.dedent(source))


def expect(exc_type, exit_code, fn, *args, **kwargs):
    with pytest.raises(exc_type) as info:
        fn(*args, **kwargs)
    assert info.value.exit_code == exit_code, info.value.message
    return info.value


# ---- choosing the function ---------------------------------------------------------------

def test_the_one_public_function_is_chosen(tmp_path):
    write(tmp_path, "tools_choose.py", "def helper(x):\n    return x\n")
    path = model(tmp_path, """
        from tools_choose import helper

        def f(x):
            return np.sum(helper(x) ** 2)

        def f_grad(x):
            return 2 * x

        def jac_f(x):
            return 2 * x

        def _private(x):
            return x

        def main():
            pass
    """)
    target = load(path, "[1, 2, 0.5]")
    assert target.name == "model.py::f" and target.origin == "file" and target.text == path
    assert target.variables == ["x[0]", "x[1]", "x[2]"]
    assert target.x0.shape == (3,) and target.value == pytest.approx(5.25)
    assert target.function.__name__ == "f" and target.arg_names == ("x",)
    assert target.module.f is target.function
    assert "variables in order: x[0], x[1], x[2]" in target.notes
    assert target.complex_analytic is None and target.sympy_form is None


def test_load_target_routes_py_files(tmp_path):
    path = model(tmp_path, "def f(x):\n    return x ** 2\n")
    target = load_target(path + "::f", "1.5")
    assert target.name == "model.py::f" and target.variables == ["x"]
    assert target.value == pytest.approx(2.25)


@pytest.mark.parametrize("name, marked", [
    ("loss_grad", True), ("grad_loss", True), ("f_jac", True), ("jac_f", True),
    ("f_jacobian", True), ("f_hvp", True), ("hvp_f", True), ("f_hess", True),
    ("f_hessian", True), ("f_der", True), ("loss", False), ("gradient", False),
    ("grade", False), ("jacket", False)])
def test_derivative_names(name, marked):
    assert is_derivative_name(name) is marked


def test_several_functions_are_listed(tmp_path):
    path = model(tmp_path, """
        def a(x):
            return x
        def b(x):
            return x
        def c(x):
            return x
    """)
    err = expect(TargetNotFoundError, 2, load, path, "1")
    assert err.message == ("model.py defines several functions: a, b, c; "
                           "pick one with model.py::NAME")


def test_no_function(tmp_path):
    path = model(tmp_path, "X = 1\ndef _hidden(x):\n    return x\n")
    err = expect(TargetNotFoundError, 2, load, path, "1")
    assert "no public function" in err.message


def test_double_colon_picks_a_function(tmp_path):
    path = model(tmp_path, """
        def loss(w):
            return np.sum(w ** 2)
        def predict(w):
            return w
    """)
    target = load(path + "::loss", "[1, 2]")
    assert target.name == "model.py::loss" and target.value == pytest.approx(5.0)


def test_missing_function_suggests_a_name(tmp_path):
    path = model(tmp_path, """
        def loss(w):
            return np.sum(w ** 2)
        def predict(w):
            return w
    """)
    err = expect(TargetNotFoundError, 2, load, path + "::los", "1")
    assert "'los'" in err.message and "loss, predict" in err.message
    assert err.hint == "did you mean model.py::loss?"
    err = expect(TargetNotFoundError, 2, load, path + "::np", "1")
    assert "not a function" in err.message


def test_missing_or_wrong_file(tmp_path):
    err = expect(TargetNotFoundError, 2, load, str(tmp_path / "nope.py"), "1")
    assert "nope.py" in err.message
    (tmp_path / "data.txt").write_text("x")
    expect(TargetNotFoundError, 2, load, str(tmp_path / "data.txt"), "1")
    expect(TargetNotFoundError, 2, load, str(tmp_path / "nope.py") + "::f", "1")


def test_parameters_that_cannot_be_inputs(tmp_path):
    path = model(tmp_path, """
        def kw(x, *, scale):
            return x * scale
        def none(scale=2.0):
            return scale
    """)
    expect(AdcheckError, 2, load, path + "::kw", "1")
    expect(AdcheckError, 2, load, path + "::none", "1")


# ---- arguments, --wrt and points -------------------------------------------------------------

MULTI = """
    def loss(W, b, y, scale=2.0):
        return scale * np.sum((W @ np.array([1.0, 2.0]) + b - y) ** 2)
"""
AT = '{"W": [[1, 2], [3, 4]], "b": 0.5, "y": [1, -1]}'


def test_several_arguments_make_one_flat_input(tmp_path):
    target = load(model(tmp_path, MULTI), AT)
    assert target.variables == ["W[0,0]", "W[0,1]", "W[1,0]", "W[1,1]", "b", "y[0]", "y[1]"]
    np.testing.assert_array_equal(target.x0, [1, 2, 3, 4, 0.5, 1, -1])
    assert target.arg_names == ("W", "b", "y") and target.wrt == ("W", "b", "y")
    assert target.value == pytest.approx(2 * (4.5 ** 2 + 12.5 ** 2))
    # tracers pass through the argument rebuilding: forward and reverse agree
    _, jf = forward.jacobian(target.f, target.x0)
    _, jr = reverse.jacobian(target.f, target.x0)
    np.testing.assert_allclose(jf, jr, rtol=1e-13)
    r = np.array([4.5, 12.5])
    np.testing.assert_allclose(jf[0, :4], 4 * np.outer(r, [1, 2]).ravel())


def test_wrt_holds_the_other_arguments(tmp_path):
    target = load(model(tmp_path, MULTI), AT, wrt=["b", "W"])
    assert target.wrt == ("W", "b")
    assert target.variables == ["W[0,0]", "W[0,1]", "W[1,0]", "W[1,1]", "b"]
    assert any("held fixed" in n and "y" in n for n in target.notes)
    assert target.value == pytest.approx(2 * (4.5 ** 2 + 12.5 ** 2))
    assert load(model(tmp_path, MULTI), AT, wrt=["y,b"]).variables == ["b", "y[0]", "y[1]"]
    expect(UsageError, 2, load, model(tmp_path, MULTI), AT, wrt=["z"])


def test_held_arguments_are_not_changed_by_the_function(tmp_path):
    path = model(tmp_path, """
        def f(x, y):
            y += 1.0
            return np.sum(x) * y
    """)
    target = load(path, "x=[1,2],y=3", wrt=["x"])
    assert target.f(target.x0) == pytest.approx(12.0)
    assert target.f(target.x0) == pytest.approx(12.0)


@pytest.mark.parametrize("at", [
    AT, "W=[[1,2],[3,4]], b=0.5, y=[1,-1]", "[[[1,2],[3,4]], 0.5, [1,-1]]"])
def test_point_forms_for_several_arguments(tmp_path, at):
    target = load(model(tmp_path, MULTI), at)
    np.testing.assert_array_equal(target.x0, [1, 2, 3, 4, 0.5, 1, -1])


@pytest.mark.parametrize("at, x0, variables", [
    ("1.5", [1.5], ["x"]),
    ("-pi/2", [-np.pi / 2], ["x"]),
    ("1,2,0.5", [1, 2, 0.5], ["x[0]", "x[1]", "x[2]"]),
    ("[[1, 2], [3, 4]]", [1, 2, 3, 4], ["x[0,0]", "x[0,1]", "x[1,0]", "x[1,1]"]),
    ('{"x": [1, 2]}', [1, 2], ["x[0]", "x[1]"]),
    ("x=[1, 2]", [1, 2], ["x[0]", "x[1]"]),
])
def test_point_forms_for_one_argument(tmp_path, at, x0, variables):
    target = load(model(tmp_path, "def f(x):\n    return np.sum(x ** 2)\n"), at)
    np.testing.assert_allclose(target.x0, x0)
    assert target.variables == variables


@pytest.mark.parametrize("at, words", [
    ('{"W": [[1, 2], [3, 4]], "b": 0.5}', "no value for y"),
    ('{"W": [[1, 2], [3, 4]], "b": 0.5, "y": [1, -1], "z": 1}', "unknown argument z"),
    ("W=[[1,2],[3]], b=0.5, y=[1,-1]", "ragged"),
    ('{"W": "abc", "b": 0.5, "y": [1, -1]}', "not a number"),
    ('{"W": [[1, true], [3, 4]], "b": 0.5, "y": [1, -1]}', "not a real number"),
    ("W=[[1,2],[3,inf]], b=0.5, y=[1,-1]", "not finite"),
    ('{"W": [[1, 2], [3, NaN]], "b": 0.5, "y": [1, -1]}', "not finite"),
    ("1,2", "takes 3 inputs"),
    ("W=[1,2", "unbalanced"),
    ("W=[1,2], 3", "name=value"),
    ("W=1, W=2, b=1, y=1", "more than once"),
    ("", "empty"),
])
def test_bad_points(tmp_path, at, words):
    err = expect(PointError, 2, load, model(tmp_path, MULTI), at)
    assert words in err.message


def test_default_points_and_at_overrides(tmp_path):
    path = model(tmp_path, """
        def f(x):
            return np.sum(x ** 2)
        def loss(w, b):
            return np.sum(w) * b
        def g(x):
            return x
        ADCHECK_POINTS = {"f": [1.0, 2.0, 0.5], "loss": {"w": [1.0, 2.0], "b": "0.5"},
                          "g": "x=[3, 4]"}
    """)
    np.testing.assert_array_equal(load(path + "::f", None).x0, [1, 2, 0.5])
    target = load(path + "::loss", None)
    assert target.variables == ["w[0]", "w[1]", "b"] and target.value == pytest.approx(1.5)
    np.testing.assert_array_equal(load(path + "::g", None).x0, [3, 4])
    np.testing.assert_array_equal(load(path + "::f", "[7]").x0, [7])


def test_no_point_at_all(tmp_path):
    path = model(tmp_path, "def f(x):\n    return x\n")
    err = expect(PointError, 2, load, path, None)
    assert err.message == "no point given for model.py::f: use --at or ADCHECK_POINTS in the file"
    path = model(tmp_path, 'def f(x):\n    return x\nADCHECK_POINTS = {"f": [1, "a"]}\n')
    err = expect(PointError, 2, load, path, None)
    assert "ADCHECK_POINTS['f']" in err.message


def test_points_from_json_npy_and_npz_files(tmp_path):
    path = model(tmp_path, MULTI)
    (tmp_path / "p.json").write_text(AT)
    np.save(tmp_path / "w.npy", np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.savez(tmp_path / "p.npz", W=np.array([[1.0, 2.0], [3.0, 4.0]]), b=0.5, y=[1.0, -1.0])
    for at in (f"@{tmp_path / 'p.json'}", f"@{tmp_path / 'p.npz'}"):
        np.testing.assert_array_equal(load(path, at).x0, [1, 2, 3, 4, 0.5, 1, -1])
    one = model(tmp_path, "def f(x):\n    return np.sum(x)\n", name="one.py")
    target = load(one, f"@{tmp_path / 'w.npy'}")
    assert target.variables == ["x[0,0]", "x[0,1]", "x[1,0]", "x[1,1]"]
    expect(PointError, 2, load, one, f"@{tmp_path / 'missing.json'}")
    # a relative @file in ADCHECK_POINTS is read from the model's folder
    source = textwrap.dedent(MULTI) + 'ADCHECK_POINTS = {"loss": "@p.json"}\n'
    rel = model(tmp_path, source, name="rel.py")
    np.testing.assert_array_equal(load(rel, None).x0, [1, 2, 3, 4, 0.5, 1, -1])


# ---- importing ----------------------------------------------------------------------------

def test_helper_modules_next_to_the_file_import(tmp_path):
    write(tmp_path, "helper_mod_a.py", "def square(x):\n    return x * x\n")
    write(tmp_path, "helper_mod_b.py", "def twice(x):\n    return 2 * x\n")
    path = model(tmp_path, """
        import helper_mod_a
        from dataclasses import dataclass

        @dataclass
        class Config:
            scale: float = 3.0

        def f(x):
            import helper_mod_b          # a lazy import, after loading
            return np.sum(helper_mod_b.twice(helper_mod_a.square(x))) * Config().scale
    """)
    assert load(path, "[1, 2]").value == pytest.approx(30.0)


def test_same_stem_in_two_folders(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = load(model(tmp_path / "a", "def f(x):\n    return x * 1.0\n"), "2")
    second = load(model(tmp_path / "b", "def f(x):\n    return x * 10.0\n"), "2")
    assert first.module is not second.module
    assert first.value == pytest.approx(2.0) and second.value == pytest.approx(20.0)
    assert sys.modules[second.module.__name__] is second.module


def test_import_error_shows_only_the_users_frames(tmp_path):
    write(tmp_path, "helper_raises.py", "def setup():\n    raise ValueError('bad setting')\n")
    path = model(tmp_path, "import helper_raises\nhelper_raises.setup()\ndef f(x):\n    return x\n")
    err = expect(UserCodeError, 3, load, path, "1")
    assert err.message == "model.py raised ValueError: bad setting while loading"
    tb = err.user_traceback
    assert tb.startswith("Traceback (most recent call last):\n")
    assert 'model.py", line 3, in <module>' in tb and 'helper_raises.py", line 2, in setup' in tb
    assert tb.endswith("ValueError: bad setting")
    assert "importlib" not in tb and "<frozen" not in tb and "adcheck" not in tb
    assert not any(getattr(m, "__file__", None) == path for m in list(sys.modules.values()))


def test_syntax_error_is_bad_input(tmp_path):
    path = write(tmp_path, "model.py", "def f(x):\n    return x +\n")
    err = expect(AdcheckError, 2, load, path, "1")
    assert err.message.startswith("model.py:2: ") and "\n" not in err.message


def test_sys_exit_while_loading(tmp_path):
    path = model(tmp_path, "import sys\nsys.exit(2)\n")
    err = expect(UserCodeError, 3, load, path, "1")
    assert "SystemExit" in err.message


def test_prints_go_to_stderr(tmp_path, capsys):
    path = model(tmp_path, """
        print("loading")
        def f(x):
            print("called")
            return np.sum(x)
    """)
    target = load(path, "[1, 2]")
    target.f(target.x0)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "loading" in captured.err and "called" in captured.err


# ---- calling the function -------------------------------------------------------------------

def test_function_raising_at_the_point(tmp_path):
    path = model(tmp_path, """
        def f(x):
            return np.sqrt(_check(x))

        def _check(x):
            if x[0] < 0:
                raise ValueError("x[0] must be positive")
            return x
    """)
    err = expect(UserCodeError, 3, load, path, "[-1, 2]")
    assert err.message == "f raised ValueError: x[0] must be positive (model.py:8)"
    assert "line 4, in f" in err.user_traceback and "line 8, in _check" in err.user_traceback
    assert "adcheck" not in err.user_traceback


def test_sys_exit_inside_the_function(tmp_path):
    path = model(tmp_path, "import sys\ndef f(x):\n    sys.exit(2)\n")
    err = expect(UserCodeError, 3, load, path, "1")
    assert err.message == "f called sys.exit(2)"


def test_adcheck_errors_pass_unchanged(tmp_path):
    path = model(tmp_path, """
        from adcheck.errors import DomainError
        def f(x):
            raise DomainError("outside the domain")
    """)
    err = expect(DomainError, 3, load, path, "1")
    assert err.message == "outside the domain"


def test_timeout(tmp_path):
    path = model(tmp_path, "def f(x):\n    while True:\n        pass\n")
    before = signal.getsignal(signal.SIGALRM)
    start = time.monotonic()
    err = expect(UserTimeoutError, 3, load, path, "1", timeout=0.5)
    assert time.monotonic() - start < 3
    assert err.message == "f did not return within 0.5 s (use --timeout)"
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_timeout_restores_an_outer_timer(tmp_path):
    target = load(model(tmp_path, "def f(x):\n    return x * 2.0\n"), "1", timeout=5)
    signal.setitimer(signal.ITIMER_REAL, 100.0)
    try:
        target.f(target.x0)
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 90.0 < left <= 100.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


@pytest.mark.parametrize("body, value", [
    ("return [x[0] ** 2, x[1]]", [1.0, 2.0]),
    ("return (x[0], 2 * x[1])", [1.0, 4.0]),
    ("return float(x[0] + x[1])", 3.0),
])
def test_outputs_accepted(tmp_path, body, value):
    target = load(model(tmp_path, f"def f(x):\n    {body}\n"), "[1, 2]")
    np.testing.assert_allclose(target.value, value)
    _, jac = reverse.jacobian(target.f, target.x0)
    assert jac.shape == (np.size(value), 2)


@pytest.mark.parametrize("body, words", [
    ('return "hello"', "f returned str, expected a number or array"),
    ("return None", "f returned NoneType"),
    ('return {"a": 1}', "f returned dict"),
    ("return np.array([1, 2])", "f returns integers: not differentiable"),
    ("return x > 0", "f returns booleans"),
    ("return x * 1j", "complex"),
    ("return np.array([])", "empty"),
])
def test_outputs_refused(tmp_path, body, words):
    err = expect(AdcheckError, 3, load, model(tmp_path, f"def f(x):\n    {body}\n"), "[1, 2]")
    assert words in err.message


def test_non_finite_output_is_noted(tmp_path):
    target = load(model(tmp_path, "def f(x):\n    return x + np.array([np.nan, 0.0])\n"), "[1, 2]")
    assert any("not finite" in n for n in target.notes)


def test_a_tracer_that_cannot_follow_f_is_a_method_error(tmp_path):
    path = model(tmp_path, """
        def f(x):
            return np.sum(x.base_value_nobody_has)  if not isinstance(x, np.ndarray) else np.sum(x)
    """)
    target = load(path, "[1, 2]")
    with pytest.raises(MethodError) as info:
        forward.jacobian(target.f, target.x0)
    assert info.value.message.startswith("could not trace f: AttributeError: ")
    assert info.value.message.endswith("(model.py:4)")


def test_complex_input_that_f_refuses(tmp_path):
    path = model(tmp_path, """
        def f(x):
            if np.iscomplexobj(x):
                raise TypeError("real input only")
            return np.sum(x)
    """)
    target = load(path, "[1, 2]")
    with pytest.raises(NotApplicableError) as info:
        target.f(target.x0.astype(complex))
    assert "does not accept complex input: TypeError: real input only" in info.value.message
