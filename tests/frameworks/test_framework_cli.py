"""``adcheck check`` on torch / jax files: discovery, --order 2, JSON, JUnit, exit codes, messages."""

import json
import os
import textwrap

import pytest
from typer.testing import CliRunner

from adcheck.cli import app

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FRAMEWORKS = os.path.join(ROOT, "examples", "frameworks")
runner = CliRunner()


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return str(p)


def run(*args):
    res = runner.invoke(app, ["check", *args, "--format", "json"])
    return res, (json.loads(res.stdout) if res.stdout.strip().startswith("{") else None)


def test_torch_softplus_example_passes_with_the_broken_rule_expected():
    pytest.importorskip("torch")
    res, doc = run(os.path.join(FRAMEWORKS, "torch_softplus.py"))
    assert res.exit_code == 0, res.output
    status = {c["name"].split("::")[1]: c["status"] for c in doc["checks"]}
    assert status == {"loss autograd": "pass", "loss32 autograd": "pass", "Softplus rule": "pass",
                      "SoftplusForgetsGrad rule": "xfail"}
    loss = next(c for c in doc["checks"] if c["name"].endswith("::loss autograd"))
    assert loss["detail"]["reference"].startswith("reverse AD")      # the NumPy twin was used
    assert loss["detail"]["framework"] == "torch"


def test_maml_meta_gradient_and_its_hessian():
    pytest.importorskip("torch")
    res, doc = run(os.path.join(FRAMEWORKS, "torch_maml.py"), "--order", "2")
    assert res.exit_code == 0, res.output
    kinds = sorted(c["kind"] for c in doc["checks"])
    assert kinds == ["autograd", "hessian"]
    assert all(c["status"] == "pass" for c in doc["checks"])


def test_jax_example_with_order_2():
    pytest.importorskip("jax")
    res, doc = run(os.path.join(FRAMEWORKS, "jax_custom_vjp.py"), "--order", "2")
    assert res.exit_code == 0, res.output
    assert doc["counts"]["pass"] == 4


BROKEN = """
    import numpy as np
    import torch

    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x * (1 + 1e-3 * (torch.arange(x.numel()) == 2))

    def loss(w):
        return (Square.apply(w) * torch.cos(w)).sum()

    def helper_without_point(w):
        return torch.sin(w)

    ADCHECK_POINTS = {"loss": np.linspace(-1, 1, 7)}
"""


def test_a_wrong_backward_fails_with_exit_1_and_names_the_entry(tmp_path):
    pytest.importorskip("torch")
    res, doc = run(_write(tmp_path, "broken.py", BROKEN), "--junit", str(tmp_path / "r.xml"))
    assert res.exit_code == 1
    (check,) = doc["checks"]     # the helper and the Function without a point are not checks
    assert check["status"] == "fail" and check["worst_entry"] == "w[2]"
    assert "failures=\"1\"" in (tmp_path / "r.xml").read_text()


def test_missing_framework_is_a_clear_bad_input(tmp_path):
    path = _write(tmp_path, "needs.py", "import torch.not_a_real_module\n")
    res, doc = run(path)
    assert res.exit_code == 2
    (check,) = doc["checks"]
    assert "needs torch, which is not installed" in check["verdict"]


def test_grad_command_points_torch_code_to_check(tmp_path):
    pytest.importorskip("torch")
    path = _write(tmp_path, "m.py", BROKEN)
    res = runner.invoke(app, ["grad", path + "::loss"])
    assert res.exit_code == 2 and "torch code" in res.output and "adcheck check" in res.output
    assert "Traceback" not in res.output


def test_order_2_on_a_vector_function_is_a_clear_error(tmp_path):
    pytest.importorskip("torch")
    path = _write(tmp_path, "v.py", """
        import numpy as np, torch
        def f(x):
            return torch.sin(x)
        ADCHECK_POINTS = {"f": [0.1, 0.2]}
    """)
    res, doc = run(path, "--order", "2")
    statuses = {c["kind"]: (c["status"], c["exit_code"]) for c in doc["checks"]}
    assert statuses["autograd"] == ("pass", 0)
    assert statuses["hessian"] == ("error", 2) and res.exit_code == 2


def test_assert_grad_takes_torch_and_jax_functions():
    torch = pytest.importorskip("torch")
    from adcheck.testing import assert_grad, assert_rule

    def f(x):
        return (torch.sin(x) * x).sum()

    x = torch.tensor([0.3, -1.2, 2.0], dtype=torch.float32)
    assert assert_grad(f, None, x).passed
    assert assert_grad(f, lambda x: torch.cos(x) * x + torch.sin(x), x).passed
    with pytest.raises(AssertionError, match="differs"):
        assert_grad(f, lambda x: torch.cos(x) * x, x)

    class Sq(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x                  # ignores g
    with pytest.raises(AssertionError, match="vjp-linearity"):
        assert_rule(Sq, x)


def test_assert_grad_takes_jax_functions():
    jax = pytest.importorskip("jax")
    from adcheck.testing import assert_grad

    def f(x):
        return jax.numpy.sum(jax.numpy.tanh(x) ** 2)
    assert assert_grad(f, None, jax.numpy.array([0.1, 0.7])).passed
    with pytest.raises(AssertionError):
        assert_grad(f, lambda x: 2 * jax.numpy.tanh(x), jax.numpy.array([0.1, 0.7]))


METHODS_ONLY = """
    import numpy as np
    import torch

    def loss(w):                       # no torch name in the code: only methods and operators
        return (w.sin() * w).sum()

    def area(w):                       # NumPy code in a torch file, with a point but no derivative
        return np.sum(np.sin(w) * w)

    ADCHECK_POINTS = {"loss": [0.2, 1.0], "area": [0.2, 1.0]}
"""


def test_code_with_only_methods_is_recognised_by_what_it_returns(tmp_path):
    pytest.importorskip("torch")
    res, doc = run(_write(tmp_path, "methods.py", METHODS_ONLY))
    status = {c["check"]: (c["status"], c["exit_code"]) for c in doc["checks"]}
    assert status["loss"] == ("pass", 0)
    assert status["area"] == ("error", 2)
    bad = next(c for c in doc["checks"] if c["check"] == "area")
    assert "does not return a torch array" in bad["verdict"]


def test_core_never_imports_torch_or_jax():
    import subprocess
    import sys

    code = ("import sys, numpy as np, adcheck\n"
            "from adcheck.analysis.checks import check_grad\n"
            "check_grad(lambda x: np.sum(x**2), lambda x: 2*x, np.ones(3))\n"
            "from adcheck.analysis.discover import discover, CheckConfig\n"
            f"discover([{os.path.join(ROOT, 'examples', 'wrong_gradient.py')!r}], CheckConfig())\n"
            "print(sorted(m for m in ('torch', 'jax') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


EXPLICIT = """
    import numpy as np
    import torch

    def energy(x, y):
        return (torch.sin(x) * y).sum() + (y ** 2).sum()

    def energy_grad(x, y):                  # hand-written, in torch: one gradient per input
        return torch.cos(x) * y, torch.sin(x) + 2 * y

    def energy_grad_wrong(x, y):
        return torch.cos(x) * y, torch.sin(x) + y

    def plain_energy(x, y):
        return np.sum(np.sin(x) * y) + np.sum(y ** 2)

    def methods_only(w):
        return (w.cos() * w).sum()

    P = {"x": [0.3, 1.1], "y": [2.0, -0.5]}
    ADCHECK_CHECKS = {
        "hand": {"f": energy, "grad": energy_grad, "at": P},
        "hand_wrong": {"f": energy, "grad": energy_grad_wrong, "at": P, "expect": "fail"},
        "auto_with_twin": {"f": energy, "numpy": plain_energy, "at": P},
        "declared": {"f": methods_only, "framework": "torch", "at": [0.5, 1.5]},
    }
"""


def test_adcheck_checks_entries_for_torch_code(tmp_path):
    pytest.importorskip("torch")
    res, doc = run(_write(tmp_path, "explicit.py", EXPLICIT))
    assert res.exit_code == 0, res.output
    status = {c["check"]: c["status"] for c in doc["checks"]}
    assert status == {"hand": "pass", "hand_wrong": "xfail", "auto_with_twin": "pass", "declared": "pass"}
    twin = next(c for c in doc["checks"] if c["check"] == "auto_with_twin")
    assert twin["detail"]["reference"].startswith("reverse AD")
