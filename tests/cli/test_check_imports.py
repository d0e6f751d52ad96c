"""A check that needs no symbolic method never imports sympy (issue 6), nor torch or jax (issue 7)."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_check_of_numpy_files_imports_neither_sympy_nor_a_framework():
    code = ("import sys\n"
            "from typer.testing import CliRunner\n"
            "from adcheck.cli import app\n"
            "res = CliRunner().invoke(app, ['check', 'examples/rosenbrock_check.py', "
            "'examples/wrong_gradient.py', 'examples/softplus_rule.py', '--format', 'json'])\n"
            "assert res.exit_code == 0, res.output\n"
            "print(sorted(m for m in ('sympy', 'torch', 'jax') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
