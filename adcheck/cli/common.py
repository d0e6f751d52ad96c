"""Shared pieces of the command line: the typer app, option factories, and the run loop.

``_run`` is the one place that turns a core result into output and an exit
code: Report -> renderer (or JSON) -> ``typer.Exit``; typed AdcheckErrors ->
one line on stderr and their exit code; anything else -> exit 4.
"""

from __future__ import annotations

import sys
import traceback
from enum import Enum
from typing import Callable, List, Optional

import typer

from adcheck import __version__
from adcheck.cli.values import Group
from adcheck.errors import AdcheckError, UsageError

# The method names of DESIGN.md, in display order.  The core validates them
# too (adcheck.methods.base.METHODS); they are repeated here for --help and
# for checking options without importing NumPy.
METHOD_NAMES = ("symbolic", "forward", "reverse", "fd-forward", "fd-central", "fd-richardson",
                "complex-step")
# hvp / hessian methods (adcheck.analysis.second_methods.SECOND_METHODS, repeated for the same reason).
SECOND_METHOD_NAMES = ("symbolic", "forward-over-reverse", "reverse-over-reverse",
                       "forward-over-forward", "fd")
INTERNAL_EXIT = 4

APP_SETTINGS = dict(
    name="adcheck",
    cls=Group,
    rich_markup_mode="rich",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app = typer.Typer(**APP_SETTINGS)


class OutputFormat(str, Enum):
    table = "table"
    json = "json"


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"adcheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """Differentiate a function several independent ways and show how far each is from the truth.

    Exit codes: 0 pass, 1 mismatch, 2 bad input or usage, 3 inconclusive, 4 internal error.

    [bold]Example[/bold]

      adcheck grad "x**2*sin(x)" --at 1.5
    """


def _target_argument():
    return typer.Argument(..., metavar="TARGET",
                          help="An expression (\"x**2*sin(x)\", \"\\[x0**2, x1*x2]\"), an expression "
                               "file, or a Python file (model.py, model.py::loss).")


def _at_option():
    return typer.Option(None, "--at", metavar="POINT",
                        help="The point: 1.5 | x=1,y=2 | 1,2 (natural name order) | [1, 2, 3] "
                             "| @point.json. Expression files carry their own.")


def _wrt_option():
    return typer.Option(None, "--wrt", metavar="NAMES",
                        help="Python files: the arguments to differentiate, comma-separated "
                             "(default: all); the others are held at their point values.")


def _timeout_option():
    return typer.Option(None, "--timeout", metavar="SECONDS", min=0.0,
                        help="Python files: the time limit for each call of the function "
                             "(default 30 s).")


def _format_option():
    return typer.Option(OutputFormat.table, "--format", "-f",
                        help="table for people, json for scripts (one document on stdout).")


def _debug_option():
    return typer.Option(False, "--debug", help="Show full tracebacks on errors.")


def _method_option():
    return typer.Option(None, "--method", "-m", metavar="M",
                        help="Methods to run (repeat or comma-separate): "
                             + ", ".join(METHOD_NAMES) + ". Default: all.")


def _second_method_option():
    return typer.Option(None, "--method", "-m", metavar="M",
                        help="Methods to run (repeat or comma-separate): "
                             + ", ".join(SECOND_METHOD_NAMES) + ". Default: all.")


def _load(load_target: Callable, target: str, at: Optional[str], wrt: Optional[List[str]],
          timeout: Optional[float]):
    """``load_target`` with only the options the user gave (--wrt, --timeout)."""
    options = {}
    if wrt:
        options["wrt"] = list(wrt)
    if timeout is not None:
        options["timeout"] = timeout
    return load_target(target, at, **options)


def _noted(report, note: str):
    """The report with one more note (reports are frozen)."""
    import dataclasses

    return dataclasses.replace(report, notes=tuple(report.notes) + (note,))


def parse_methods(values: Optional[List[str]], allowed=METHOD_NAMES) -> Optional[List[str]]:
    """``--method`` values (repeated and/or comma-separated) as a list of names; None for all."""
    if not values:
        return None
    names = [part.strip().lower() for value in values for part in value.split(",") if part.strip()]
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise UsageError(f"unknown method {unknown[0]!r}",
                         hint="choose from " + ", ".join(allowed))
    if not names:
        raise UsageError("--method was given without a method name",
                         hint="choose from " + ", ".join(allowed))
    return list(dict.fromkeys(names))


# ---- running a command: core, renderer, exit code ---------------------------------------

def _run(work: Callable, fmt: OutputFormat, debug: bool, render: Optional[Callable] = None) -> None:
    """Run ``work`` (returns a Report), render it, and exit with its code.

    ``render(report, look)`` gives the table output's renderables (default: the
    grad layout of adcheck.render.table); JSON is always ``Report.to_dict()``.

    AdcheckError -> its message on stderr (with --format json, also the
    error document on stdout) and its exit code; any other exception -> ``internal error`` and
    exit 4, with the traceback under ``--debug``.  typer.Exit is raised only
    after the guarded block, so no handler here can swallow it.
    """
    from adcheck.render.console import look_of, make_console

    out, err = make_console(), make_console(stderr=True)
    code, failure = 0, None
    try:
        report = work()
        if fmt is OutputFormat.json:
            from adcheck.render.json import report_json

            typer.echo(report_json(report))
        else:
            if render is None:
                from adcheck.render.table import report_renderables as render
            for part in render(report, look_of(out)):
                out.print(part, soft_wrap=False)
        code = report.exit_code
    except AdcheckError as exc:
        failure, code = exc, exc.exit_code
    except (typer.Exit, typer.Abort):  # RuntimeErrors: never swallow an intended exit
        raise
    except Exception as exc:  # a bug in adcheck: reported as exit 4, never a bare traceback
        failure, code = exc, INTERNAL_EXIT
    if failure is not None:
        _report_failure(failure, code, fmt, debug, err)
    raise typer.Exit(code=code)


def _report_failure(exc: BaseException, code: int, fmt: OutputFormat, debug: bool, err) -> None:
    """The error on stderr (and, with --format json, the error document on stdout)."""
    from adcheck.render.console import look_of
    from adcheck.render.diagnostics import error_text, internal_error_text

    if fmt is OutputFormat.json:
        from adcheck.render.json import error_json

        typer.echo(error_json(exc, code))
    if debug:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    look = look_of(err)
    if isinstance(exc, AdcheckError):
        err.print(error_text(exc, look), soft_wrap=True)
    elif not debug:
        err.print(internal_error_text(exc, look), soft_wrap=True)


def main(command: Optional[str] = None) -> None:
    """Run the app; with ``command`` (the one argv names), an app holding only that command.

    typer converts the parameters of every command it builds (their types,
    defaults, help); a run needs only the invoked one.  Its usage, help and
    errors are the same in either app: they name the command, not its siblings.
    """
    if command is None:
        return app()
    one = typer.Typer(**APP_SETTINGS)
    one.callback()(_root)
    one.registered_commands = [c for c in app.registered_commands
                               if (c.name or c.callback.__name__) == command]
    return one()


