"""The start-up shortcuts of the command line keep typer's behaviour (issue 6).

* adcheck/cli/values.py converts option values without pydantic: for every
  parameter of every command its result equals typer's own conversion, and
  whatever it does not handle (bad numbers, out-of-range values, unknown
  choices) gets typer's own message.
* ``adcheck COMMAND ...`` imports only COMMAND's module and builds an app with
  only COMMAND (adcheck/cli/__init__.py ``COMMAND_MODULES``, ``common.main``):
  each command's help and runs are the same as through the full app.

No timings are asserted here (benchmarks/run.py measures them).
"""

import json
import os
import subprocess
import sys
from enum import Enum
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

import adcheck.cli as cli
from adcheck.cli import app, common, values

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
typer_coerces_with_pydantic = pytest.mark.skipif(values.RuntimeParam is None,
                                                 reason="this typer converts values without pydantic")


def _env():
    env = {k: v for k, v in os.environ.items() if not k.endswith("_COMPLETE")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _params():
    group = typer.main.get_command(app)
    ctx = group.make_context("adcheck", ["grad", "x"], resilient_parsing=True)
    yield "adcheck", group, ctx, group.get_params(ctx)
    for name, command in group.commands.items():
        sub = command.make_context(name, [], parent=ctx, resilient_parsing=True)
        yield name, command, sub, command.get_params(sub)


def _samples(annotation):
    if annotation is str:
        return ["", "x**2*sin(x)", "1.5", " a b ", "-", "--at", "é"]
    if annotation is bool:
        return [True, False]
    if annotation is int:
        return [1, 2, 3, 0, -1, 4, "1", "2", "3", "0", "4", "-1", "-0", "007", " 2", "+2", "2.0", "1e3",
                "1_000", "x", "", "99999999999999999999"]
    if annotation is float:
        return [0.5, 0.0, "0", "30", "0.5", "1e-3", "2.5E+2", "-1", "-0.0", "inf", "nan", "1e999", "1e-999",
                ".5", "5.", " 3", "1_0", "x", "", "0x10", "123456789.123456789e-12"]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [*annotation, *(m.value for m in annotation), "JSON", "Table", "xml", ""]
    if getattr(annotation, "__args__", None) == (str,):
        return [(), ("a",), ("reverse,fd-central", "symbolic"), ["x", "y"]]
    raise AssertionError(f"no samples for {annotation!r}: add them, or check values.converter handles it")


def _outcome(runtime, value, param, ctx):
    try:
        result = runtime.coerce(value, param=param, ctx=ctx)
    except Exception as exc:  # noqa: BLE001 - the exception *is* the outcome compared
        return "raises", type(exc).__name__, str(exc)
    return "returns", type(result), repr(result)  # repr: nan equals nan


@typer_coerces_with_pydantic
def test_every_parameter_converts_exactly_as_typer_does():
    from typer._coercion import build_runtime_param

    seen = set()
    for command_name, command, ctx, params in _params():
        values.plain_values(command, ctx)
        for param in params:
            annotation = param.type_descriptor.annotation
            seen.add(repr(annotation))
            ours = param.get_runtime_param()
            theirs = build_runtime_param(param.type_descriptor)
            for value in [None, *_samples(annotation)]:
                assert _outcome(ours, value, param, ctx) == _outcome(theirs, value, param, ctx), \
                    (command_name, param.name, value)
    assert len(seen) >= 6


@typer_coerces_with_pydantic
def test_every_parameter_of_every_command_gets_a_plain_converter():
    for command_name, command, ctx, params in _params():
        values.plain_values(command, ctx)
        for param in params:
            assert isinstance(param.get_runtime_param(), values.PlainRuntimeParam), (command_name, param.name)


@typer_coerces_with_pydantic
@pytest.mark.parametrize("args", [
    ["grad", "x**2*sin(x)", "--at", "1.5"],
    ["grad", "x**2*sin(x)", "--at", "1.5", "--format", "json", "-m", "reverse,fd-central", "--order", "1"],
    ["hvp", "x0**2*x1", "--at", "1,2", "--v", "1,0", "--timeout", "5"],
    ["check", "examples/rosenbrock_check.py", "--seed", "3", "--rtol", "1e-6", "-f", "json"],
])
def test_a_run_never_imports_pydantic(args):
    assert _exit_and_loaded(args, ("pydantic", "typer._adapters")) == "0 []"


def _exit_and_loaded(args, modules) -> str:
    """'<exit code> <those of ``modules`` loaded>' after ``adcheck ARGS`` in a fresh process."""
    code = ("import sys\n"
            f"sys.argv = ['adcheck'] + {list(args)!r}\n"
            "from adcheck.cli import main\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
            f"print(code, sorted(m for m in {tuple(modules)!r} if m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(),
                          cwd=ROOT, timeout=120)
    assert proc.stdout.strip(), proc.stderr
    return proc.stdout.splitlines()[-1]


@pytest.mark.parametrize("args, message", [
    (["grad", "x", "--at", "1", "--order", "5"], "--order"),
    (["grad", "x", "--at", "1", "--order", "two"], "--order"),
    (["grad", "x", "--at", "1", "--timeout", "-1"], "--timeout"),
    (["grad", "x", "--at", "1", "--format", "xml"], "--format"),
    (["check", "examples/rosenbrock_check.py", "--seed", "1.5"], "--seed"),
])
def test_values_typer_rejects_get_typers_message(args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Invalid value" in result.stderr and message in result.stderr


# ---- one command per run -------------------------------------------------------------------

RUNS = {
    "grad": ["grad", "x**2*sin(x)", "--at", "1.5"],
    "jacobian": ["jacobian", "[x0**2, x1*x2]", "--at", "1,2,0.5"],
    "hvp": ["hvp", "x0**2*x1", "--at", "1,2", "--v", "1,0"],
    "hessian": ["hessian", "x0**2*x1", "--at", "1,2"],
    "modes": ["modes", "--shape", "1000,1"],
    "check": ["check", "examples/rosenbrock_check.py"],
    "graph": ["graph", "(x1+x2)*sin(x1)", "--at", "x1=1,x2=2"],
}


def test_command_modules_name_each_command_of_the_app_and_its_module():
    commands = {c.name or c.callback.__name__: c.callback.__module__ for c in app.registered_commands}
    assert commands == {name: f"adcheck.cli.{module}" for name, module in cli.COMMAND_MODULES.items()}
    assert sorted(cli.COMMAND_MODULES) == sorted(name for name, _ in cli.ROOT_COMMANDS)
    assert sorted(RUNS) == sorted(cli.COMMAND_MODULES)


def _through(run, argv, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["adcheck", *argv])
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as exit_:
        run()
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


@pytest.mark.parametrize("name", sorted(RUNS))
def test_each_command_help_is_the_same_through_its_own_app(name, capsys, monkeypatch):
    alone = _through(lambda: common.main(name), [name, "--help"], capsys, monkeypatch)
    full = _through(common.app, [name, "--help"], capsys, monkeypatch)
    assert alone == full
    summary = dict(cli.ROOT_COMMANDS)[name].split("  ")[0]
    assert alone[0] == 0 and " ".join(summary.split()[:4]) in alone[1]


def _untimed(doc):
    """The document without what is measured (times, and the mode recommendation made from them)."""
    if isinstance(doc, dict):
        return {k: _untimed(v) for k, v in doc.items()
                if "seconds" not in k and "time" not in k and k != "recommendation"}
    if isinstance(doc, list):
        return [_untimed(v) for v in doc]
    return doc


@pytest.mark.parametrize("name", sorted(RUNS))
def test_each_command_runs_the_same_through_its_own_app(name, capsys, monkeypatch):
    argv = RUNS[name] + ["--format", "json"]
    code, out, err = _through(lambda: common.main(name), argv, capsys, monkeypatch)
    full_code, full_out, _ = _through(common.app, argv, capsys, monkeypatch)
    assert code == full_code == 0, err
    doc = json.loads(out)
    assert doc["command"] == name or name == "modes"
    assert _untimed(doc) == _untimed(json.loads(full_out))


@pytest.mark.parametrize("name, other", [("grad", "adcheck.cli.tools"), ("check", "adcheck.cli.derivatives")])
def test_a_run_imports_only_its_commands_module(name, other):
    assert _exit_and_loaded(RUNS[name] + ["--format", "json"], (other,)) == "0 []"


def test_grad_with_table_output_imports_no_other_command_pydantic_or_json():
    assert _exit_and_loaded(["grad", "x**2*sin(x)", "--at", "1.5"], ("adcheck.cli.tools", "pydantic", "json")) == "0 []"
