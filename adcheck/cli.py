"""The ``adcheck`` command line: options -> core -> renderer -> exit code.

This is the only module that imports typer or chooses the process's exit
status.  Each command parses its options, calls the core (which returns a
Report or raises a typed :class:`~adcheck.errors.AdcheckError`), hands the
result to a renderer and exits with the report's code.  NumPy, SymPy and the
core are imported inside the commands so that ``adcheck --help`` stays fast.

Exit codes (DESIGN.md): 0 pass, 1 mismatch, 2 bad input or usage,
3 inconclusive, 4 internal error.
"""

from __future__ import annotations

import sys
import traceback
from enum import Enum
from typing import Callable, List, Optional

import typer

from adcheck import __version__
from adcheck.errors import AdcheckError, UsageError

# The method names of DESIGN.md, in display order.  The core validates them
# too (adcheck.methods.base.METHODS); they are repeated here for --help and
# for checking options without importing NumPy.
METHOD_NAMES = ("symbolic", "forward", "reverse", "fd-forward", "fd-central", "fd-richardson",
                "complex-step")
INTERNAL_EXIT = 4

app = typer.Typer(
    name="adcheck",
    rich_markup_mode="rich",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


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


GRAD_EPILOG = """[bold]Examples[/bold]

  adcheck grad "x**2*sin(x)" --at 1.5

  adcheck grad "(x1+x2)*sin(x1)" --at x1=1,x2=2

  adcheck grad examples/expressions/rosenbrock.txt --method reverse,fd-central

  adcheck grad "log(1+exp(x))" --at 30 --steps

  adcheck grad "x**2*sin(x)" --at 1.5 --format json
"""


@app.command(epilog=GRAD_EPILOG)
def grad(
    target: str = typer.Argument(..., metavar="TARGET",
                                 help="An expression such as \"x**2*sin(x)\", or an expression file."),
    at: Optional[str] = typer.Option(None, "--at", metavar="POINT",
                                     help="The point: 1.5 | x=1,y=2 | 1,2 (natural name order) "
                                          "| [1, 2, 3] | @point.json. Expression files carry their own."),
    method: Optional[List[str]] = typer.Option(
        None, "--method", "-m", metavar="M",
        help="Methods to run (repeat or comma-separate): " + ", ".join(METHOD_NAMES) + ". Default: all."),
    steps: bool = typer.Option(False, "--steps",
                               help="Also sweep the finite-difference step h from 1e-1 to 1e-14."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f",
                                     help="table for people, json for scripts (one document on stdout)."),
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
) -> None:
    """Check the gradient of a function at a point, every way adcheck knows.

    Runs symbolic differentiation, forward and reverse mode AD, forward, central
    and Richardson finite differences and the complex step, then compares each
    with the exact (symbolic) derivative.  For a vector-valued f it shows the
    Jacobian.  Exit code: 0 pass, 1 mismatch, 2 bad input, 3 inconclusive.
    """

    def work():
        from adcheck.analysis.compare import analyse
        from adcheck.frontends import load_target

        methods = parse_methods(method)
        loaded = load_target(target, at)
        return analyse(loaded, methods, steps=steps, command="grad")

    _run(work, fmt, debug)


def parse_methods(values: Optional[List[str]]) -> Optional[List[str]]:
    """``--method`` values (repeated and/or comma-separated) as a list of names; None for all."""
    if not values:
        return None
    names = [part.strip().lower() for value in values for part in value.split(",") if part.strip()]
    unknown = [n for n in names if n not in METHOD_NAMES]
    if unknown:
        raise UsageError(f"unknown method {unknown[0]!r}",
                         hint="choose from " + ", ".join(METHOD_NAMES))
    if not names:
        raise UsageError("--method was given without a method name",
                         hint="choose from " + ", ".join(METHOD_NAMES))
    return list(dict.fromkeys(names))


# ---- running a command: core, renderer, exit code ---------------------------------------

def _run(work: Callable, fmt: OutputFormat, debug: bool) -> None:
    """Run ``work`` (returns a Report), render it, and exit with its code.

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
            from adcheck.render.table import report_renderables

            for part in report_renderables(report, look_of(out)):
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


def main() -> None:
    """Console-script entry point (``adcheck`` and ``python -m adcheck``)."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
