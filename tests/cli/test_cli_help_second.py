"""--help of jacobian / hvp / hessian: a worked example each, new options listed, no NumPy at import."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adcheck.cli import SECOND_METHOD_NAMES, app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("command, example", [
    ("jacobian", 'adcheck jacobian "[x0**2, x1*x2, exp(x0+x1)]" --at 1,2,0.5'),
    ("hvp", 'adcheck hvp "100*(x1-x0**2)**2+(1-x0)**2" --at -1.2,1 --v 1,0'),
    ("hessian", 'adcheck hessian "100*(x1-x0**2)**2+(1-x0)**2" --at -1.2,1'),
])
def test_help_shows_a_worked_example_and_the_file_options(command, example):
    result = runner.invoke(app, [command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert example in result.stdout
    assert "--wrt" in result.stdout and "--timeout" in result.stdout


def test_grad_help_lists_wrt_and_timeout():
    result = runner.invoke(app, ["grad", "--help"], terminal_width=200)
    assert "--wrt" in result.stdout and "--timeout" in result.stdout


def test_second_method_names_match_the_core():
    from adcheck.analysis.second_methods import SECOND_METHODS

    assert SECOND_METHOD_NAMES == SECOND_METHODS


def test_help_of_new_commands_does_not_import_numpy_or_sympy():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from adcheck.cli import app\n"
        "for args in (['jacobian', '--help'], ['hvp', '--help'], ['hessian', '--help']):\n"
        "    assert CliRunner().invoke(app, args).exit_code == 0\n"
        "print(sorted(m for m in ('numpy', 'sympy') if m in sys.modules))\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
