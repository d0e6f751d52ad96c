"""Discovery for ``adcheck check``: naming conventions, ADCHECK_* declarations, config, problems."""

import textwrap

import numpy as np
import pytest

from adcheck.analysis.discover import CheckConfig, discover, find_files, load_config
from adcheck.analysis.suite import run_checks
from adcheck.errors import TargetNotFoundError, UsageError

HEADER = "import numpy as np\n"


@pytest.fixture(autouse=True)
def isolated_imports(monkeypatch, tmp_path):
    """Files are imported like pytest does (their folder on sys.path): undo that after each test."""
    import sys

    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if str(getattr(sys.modules[name], "__file__", "") or "").startswith(str(tmp_path)):
            del sys.modules[name]


def write(folder, name, body):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + textwrap.dedent(body))
    return path


def by_name(specs):
    return {s.name.split("::", 1)[1]: s for s in specs}


CONVENTIONS = """
def f(x): return np.sum(x ** 3)
def f_grad(x): return 3 * x ** 2
def g(x): return np.sum(np.sin(x))
def grad_g(x): return np.cos(x)
def h(x): return np.array([x[0] * x[1], x[1] ** 2])
def h_jac(x): return np.array([[x[1], x[0]], [0.0, 2 * x[1]]])
def k(x): return np.array([np.exp(x[0]), x[0] + x[1]])
def jac_k(x): return np.array([[np.exp(x[0]), 0.0], [1.0, 1.0]])
def q(x): return x * 2.0
def q_jacobian(x): return 2.0 * np.eye(x.size)
def r(x): return np.sum(x ** 4)
def r_hvp(x, v): return 12 * x ** 2 * v
def s(x): return np.sum(x ** 2)
def hvp_s(x, v): return 2 * v
def no_derivative(x): return x
def _private(x): return x
def _private_grad(x): return x
ADCHECK_POINTS = {n: [0.5, -1.5] for n in "fghkqrs"}
"""


def test_naming_conventions(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "conv.py", CONVENTIONS)
    specs = by_name(discover(["conv.py"], CheckConfig()))
    assert set(specs) == {"f grad", "g grad", "h jacobian", "k jacobian", "q jacobian", "r hvp", "s hvp"}
    assert all(s.problem is None and s.file == "conv.py" for s in specs.values())
    assert specs["g grad"].derivative.__name__ == "grad_g"
    run = run_checks(list(specs.values()))
    assert run.exit_code == 0, [(r.name, r.verdict) for r in run.results]
    assert {r.status for r in run.results} == {"pass"}


def test_imported_functions_and_files_without_derivatives(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "helpers_mod.py", "def u(x): return x\ndef u_grad(x): return x\n")
    write(tmp_path, "user_mod.py", "from helpers_mod import u, u_grad\ndef plain(x): return x\n")
    assert discover(["user_mod.py"], CheckConfig()) == []


def test_missing_point_is_recorded_not_raised(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "nopoint.py", """
        def f(x): return np.sum(x ** 2)
        def f_grad(x): return 2 * x
        def g(x): return np.sum(x)
        def g_grad(x): return np.ones_like(x)
        ADCHECK_POINTS = {"g": [1.0, 2.0]}
    """)
    specs = by_name(discover(["nopoint.py"], CheckConfig()))
    assert specs["f grad"].problem == "no point for f: declare ADCHECK_POINTS or a box"
    run = run_checks(list(specs.values()))
    status = {r.name: (r.status, r.exit_code) for r in run.results}
    assert status == {"nopoint.py::f grad": ("error", 2), "nopoint.py::g grad": ("pass", 0)}
    assert run.exit_code == 2


EXPLICIT = """
def loss(w): return np.sum(np.cos(w) * w)
def my_derivative(w): return -np.sin(w) * w + np.cos(w)
def wrong(w): return np.cos(w)
ADCHECK_CHECKS = {
    "loss": {"grad": my_derivative, "box": [-2, 2], "shape": 3, "points": 4},
    "boxed": {"f": loss, "grad": my_derivative, "box": [[-1, 1], [0, 2]], "points": 2, "at": [0.1, 0.2]},
    "bad_wrong": {"f": loss, "grad": wrong, "at": [1.0, 2.0], "expect": "fail"},
    "tol": {"f": loss, "grad": wrong, "at": [0.0, 0.0], "rtol": 1e-3, "atol": 1e-9},
    "broken": {"f": loss},
    "typo": {"f": loss, "grad": wrong, "att": 1},
    "needs_shape": {"f": loss, "grad": wrong, "box": [0, 1]},
}
"""


def test_explicit_declarations(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "explicit.py", EXPLICIT)
    specs = by_name(discover(["explicit.py"], CheckConfig()))
    loss = specs["loss grad"]
    assert loss.at == () and loss.shapes == ((3,),) and loss.n_random == 4
    np.testing.assert_array_equal(loss.box[0], [-2, -2, -2])
    boxed = specs["boxed grad"]
    assert len(boxed.at) == 1 and boxed.n_random == 2 and boxed.shapes == ((2,),)
    assert specs["bad_wrong grad"].expect == "fail"
    assert specs["tol grad"].rtol == 1e-3 and specs["tol grad"].atol == 1e-9
    assert "exactly one of" in specs["broken"].problem
    assert "unknown key 'att'" in specs["typo"].problem
    assert "needs the shape of x" in specs["needs_shape grad"].problem
    run = run_checks(list(specs.values()), seed=3)
    got = {r.name.split("::")[1]: r for r in run.results}
    assert got["loss grad"].status == "pass" and got["loss grad"].points == 4
    assert got["boxed grad"].points == 3
    assert got["bad_wrong grad"].status == "xfail" and got["bad_wrong grad"].exit_code == 0
    assert got["tol grad"].status == "pass"          # at 0 the wrong term vanishes: rtol allows it
    assert got["broken"].exit_code == 2 and run.exit_code == 2


def test_box_points_depend_on_the_seed_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "seeded.py", EXPLICIT.replace('"expect": "fail"', '"expect": "pass"'))
    spec = [s for s in discover(["seeded.py"], CheckConfig()) if s.label == "loss"]
    a, b, c = (run_checks(spec, seed=s).results[0] for s in (5, 5, 6))
    assert a.point == b.point and a.point != c.point and a.seed == 5 and c.seed == 6
    assert all(-2 <= v <= 2 for v in a.point["w"])


def test_expectations_and_xpass(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "expect_mod.py", """
        def ok(x): return np.sum(x ** 2)
        def ok_grad(x): return 2 * x
        def bad(x): return np.sum(x ** 2)
        def bad_grad(x): return 3 * x
        ADCHECK_POINTS = {"ok": [1.0, 2.0], "bad": [1.0, 2.0]}
        ADCHECK_EXPECT = {"ok grad": "fail", "bad": "fail"}
    """)
    run = run_checks(discover(["expect_mod.py"], CheckConfig()))
    status = {r.label: r.status for r in run.results}
    assert status == {"ok": "xpass", "bad": "xfail"} and run.exit_code == 1
    ignored = run_checks(discover(["expect_mod.py"], CheckConfig()), honour_expect=False)
    assert {r.label: r.status for r in ignored.results} == {"ok": "pass", "bad": "fail"}


def test_several_inputs_and_float32_points(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "multi.py", """
        def f(W, b): return np.sum(np.tanh(W @ np.ones(2) + b) ** 2)
        def f_grad(W, b):
            t = np.tanh(W @ np.ones(2) + b)
            gb = 2 * t * (1 - t ** 2)
            return np.outer(gb, np.ones(2)), gb
        def g(x): return np.sum(x ** 3)
        def g_grad(x): return 3 * x ** 2
        ADCHECK_POINTS = {"f": {"W": [[0.1, 0.2], [0.3, -0.4]], "b": [0.5, -0.1]},
                          "g": np.array([0.3, -1.2], dtype=np.float32)}
    """)
    specs = by_name(discover(["multi.py"], CheckConfig()))
    assert specs["f grad"].args == ("W", "b") and specs["g grad"].dtype == "float32"
    run = run_checks(list(specs.values()))
    assert run.exit_code == 0, [r.verdict for r in run.results]
    worst = {r.label: r for r in run.results}
    assert worst["g"].result.dtype == "float32"
    assert worst["f"].point == {"W": [[0.1, 0.2], [0.3, -0.4]], "b": [0.5, -0.1]}


def test_import_errors_and_user_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "syntax_bad.py", "def f(x) return x\n")
    write(tmp_path, "raises.py", """
        def f(x): return np.sum(x)
        def f_grad(x): raise ValueError("not written yet")
        ADCHECK_POINTS = {"f": [1.0]}
    """)
    specs = discover(["."], CheckConfig())
    run = run_checks(specs)
    got = {r.file: r for r in run.results}
    assert got["syntax_bad.py"].status == "error" and got["syntax_bad.py"].exit_code == 2
    r = got["raises.py"]
    assert r.status == "error" and r.exit_code == 3 and "ValueError: not written yet" in r.verdict
    assert "raises.py" in r.traceback


def test_find_files_skips_hidden_caches_and_venvs(tmp_path):
    for rel in ["a.py", "sub/b.py", ".hidden/c.py", "__pycache__/d.py", "venv/e.py", "site-packages/f.py",
                "sub/setup.py", "sub/conftest.py", "sub/__init__.py", "notes.txt"]:
        write(tmp_path, rel, "")
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr\n")
    found = [p.replace(str(tmp_path), "").lstrip("/") for p in find_files([str(tmp_path)], CheckConfig())]
    assert found == ["a.py", "sub/b.py"]
    excluded = CheckConfig(exclude=("sub/*",), root=str(tmp_path))
    assert [p.rsplit("/", 1)[1] for p in find_files([str(tmp_path)], excluded)] == ["a.py"]
    with pytest.raises(TargetNotFoundError):
        find_files([str(tmp_path / "missing.py")], CheckConfig())


def test_tool_adcheck_config(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""
        [project]
        name = "demo"
        [tool.adcheck]
        paths = ["models"]
        rtol = 1e-6
        seed = 42
        points = 2
        exclude = ["*_slow.py"]
    """))
    write(tmp_path, "models/fast.py", """
        def f(x): return np.sum(x ** 2)
        def f_grad(x): return 2 * x
        ADCHECK_CHECKS = {"f": {"grad": f_grad, "box": [-1, 1], "shape": 2}}
    """)
    write(tmp_path, "models/very_slow.py", "def f(x): return x\ndef f_grad(x): return x\n")
    deeper = tmp_path / "models"
    monkeypatch.chdir(deeper)                      # the nearest pyproject.toml is found upwards
    config = load_config()
    assert config.paths == (str(tmp_path / "models"),) and config.rtol == 1e-6
    assert (config.seed, config.points, config.exclude) == (42, 2, ("*_slow.py",))
    specs = discover([], config)
    assert [s.name for s in specs] == ["fast.py::f grad"] and specs[0].n_random == 2
    cli = config.override(seed=7, rtol=None, paths=["fast.py"])
    assert (cli.seed, cli.rtol, cli.paths) == (7, 1e-6, ("fast.py",))
    (tmp_path / "pyproject.toml").write_text("[tool.adcheck]\nrtoll = 1\n")
    with pytest.raises(UsageError, match="rtoll"):
        load_config()
    (tmp_path / "pyproject.toml").write_text("[tool.adcheck]\nseed = 'x'\n")
    with pytest.raises(UsageError, match="seed"):
        load_config()


def test_custom_rule_files(monkeypatch):
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2]
    monkeypatch.chdir(root)
    specs = by_name(discover(["examples/softplus_rule.py"], CheckConfig()))
    assert set(specs) == {"softplus rule", "softplus_ignores_g rule"}
    assert specs["softplus_ignores_g rule"].expect == "fail" and specs["softplus rule"].expect == "pass"
