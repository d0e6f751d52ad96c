"""The fast root help: ``adcheck --help`` answered without typer, and kept in step with the app.

Correctness only: no timings are asserted here (benchmarks/run.py measures them).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import adcheck.cli as cli
from adcheck import __version__

ROOT = Path(__file__).resolve().parents[1]


def _env():
    env = {k: v for k, v in os.environ.items() if not k.endswith("_COMPLETE")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _words(text):
    return " ".join(text.split())


def test_root_help_names_every_command_of_the_app_with_its_summary():
    app = cli.app
    listed = dict(cli.ROOT_COMMANDS)
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert sorted(names) == sorted(listed), "update ROOT_COMMANDS in adcheck/cli/__init__.py"
    text = _words(cli.root_help())
    for c in app.registered_commands:
        summary = _words((c.help or c.callback.__doc__ or "").strip().split("\n\n")[0])
        assert _words(listed[c.name or c.callback.__name__]) == summary
        assert summary in text


def test_root_help_lists_the_root_options_of_the_app():
    import typer.main

    group = typer.main.get_command(cli.app)
    opts = {o for p in group.params for o in p.opts}
    listed = {o.strip() for name, _ in cli.ROOT_OPTIONS for o in name.split(",")}
    assert opts <= listed | {"--help", "-h"}
    assert {"--version", "--install-completion", "--show-completion", "--help", "-h"} <= listed


def test_root_help_keeps_the_worked_example_and_fits_the_width():
    text = cli.root_help("adcheck", 80)
    assert 'adcheck grad "x**2*sin(x)" --at 1.5' in text
    assert text.startswith("Usage: adcheck [OPTIONS] COMMAND [ARGS]...")
    assert max(len(line) for line in text.splitlines()) <= 80


@pytest.mark.parametrize("args", [["--help"], ["-h"]])
def test_help_runs_without_typer_numpy_or_sympy(args):
    code = (
        "import sys\n"
        f"sys.argv = ['adcheck'] + {args!r}\n"
        "from adcheck.cli import main\n"
        "main()\n"
        "print(sorted(m for m in ('typer', 'rich', 'numpy', 'sympy') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(),
                          cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rstrip().endswith("[]")
    assert 'adcheck grad "x**2*sin(x)" --at 1.5' in proc.stdout


def test_version_and_module_help_through_the_process():
    proc = subprocess.run([sys.executable, "-m", "adcheck", "--version"], capture_output=True, text=True,
                          env=_env(), cwd=ROOT, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == f"adcheck {__version__}"
    proc = subprocess.run([sys.executable, "-m", "adcheck", "--help"], capture_output=True, text=True,
                          env=_env(), cwd=ROOT, timeout=60)
    assert proc.returncode == 0 and "python" in proc.stdout.splitlines()[0] and "-m adcheck" in proc.stdout


def test_commands_and_completion_still_go_through_the_app():
    env = _env()
    env.update(_ADCHECK_COMPLETE="complete_bash", COMP_WORDS="adcheck gr", COMP_CWORD="1")
    code = "import sys; sys.argv = ['adcheck']; from adcheck.cli import main; main()"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=60)
    assert "grad" in proc.stdout and "graph" in proc.stdout, proc.stderr
    proc = subprocess.run([sys.executable, "-m", "adcheck", "grad", "x**2", "--at", "2", "--format", "json"],
                          capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert '"command": "grad"' in proc.stdout


def test_a_command_run_skips_the_last_garbage_collection_and_keeps_its_exit_code():
    """main() flushes the output and freezes the collector before the process ends (the
    interpreter's final collection of sympy's objects took ~0.3 s); exit codes are unchanged."""
    code = ("import sys, gc\n"
            "sys.argv = ['adcheck', 'grad', 'x**2', '--at', 'abc']\n"
            "from adcheck.cli import main\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    print('exit', exc.code, gc.get_freeze_count() > 0)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(),
                          cwd=ROOT, timeout=120)
    assert proc.stdout.strip().splitlines()[-1] == "exit 2 True", proc.stdout + proc.stderr
