"""Help, version and start-up cost: ``--help`` shows examples and never imports NumPy or SymPy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adcheck import __version__
from adcheck.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.mark.parametrize("args, example", [
    ([], 'adcheck grad "x**2*sin(x)" --at 1.5'),
    (["grad"], 'adcheck grad "(x1+x2)*sin(x1)" --at x1=1,x2=2'),
    (["grad"], "adcheck grad examples/expressions/rosenbrock.txt"),
])
def test_help_shows_a_worked_example(args, example):
    result = runner.invoke(app, [*args, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert example in result.stdout


def test_version_flag():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"adcheck {__version__}"


def test_python_dash_m_help_works():
    proc = subprocess.run([sys.executable, "-m", "adcheck", "--help"], capture_output=True, text=True,
                          env=_env(), cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "grad" in proc.stdout


def test_help_does_not_import_numpy_or_sympy():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from adcheck.cli import app\n"
        "for args in (['--help'], ['grad', '--help']):\n"
        "    assert CliRunner().invoke(app, args).exit_code == 0\n"
        "print(sorted(m for m in ('numpy', 'sympy') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(),
                          cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
