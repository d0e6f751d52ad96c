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
# hvp / hessian methods (adcheck.analysis.second_methods.SECOND_METHODS, repeated for the same reason).
SECOND_METHOD_NAMES = ("symbolic", "forward-over-reverse", "reverse-over-reverse",
                       "forward-over-forward", "fd")
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
    memory: bool = typer.Option(False, "--memory",
                                help="Report what reverse mode stores: tape values and bytes, and the peak "
                                     "with checkpoint recomputation."),
    order: int = typer.Option(1, "--order", min=1, max=3,
                              help="Derivative order: 2 compares Hessians, 3 third derivatives (one variable)."),
    plot: Optional[str] = typer.Option(None, "--plot", metavar="FILE",
                                       help="With --steps: draw the step sweep to FILE.png or FILE.svg "
                                            "(needs pip install 'adcheck[plot]')."),
    wrt: Optional[List[str]] = _wrt_option(),
    timeout: Optional[float] = _timeout_option(),
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

        loaded = _load(load_target, target, at, wrt, timeout)
        if order > 1:
            from adcheck.analysis.higher import analyse_order

            return analyse_order(loaded, order, [m for v in method or () for m in v.split(",") if m] or None)
        report = analyse(loaded, parse_methods(method), steps=steps or bool(plot), command="grad",
                         memory=memory)
        if plot:
            from adcheck.render.plot import step_plot

            return _noted(report, f"step sweep plotted to {step_plot(report, plot)}")
        return report

    def render(report, look):
        from adcheck.render.higher import order_renderables

        return order_renderables(report, look)

    _run(work, fmt, debug, render=render if order > 1 else None)


JACOBIAN_EPILOG = """[bold]Examples[/bold]

  adcheck jacobian "\\[x0**2, x1*x2, exp(x0+x1)]" --at 1,2,0.5

  adcheck jacobian model.py::f --at "[1, 2, 0.5]" --method forward,reverse,fd-central

  adcheck jacobian "\\[x*cos(y), x*sin(y)]" --at x=2,y=pi/4 --format json
"""


@app.command(epilog=JACOBIAN_EPILOG)
def jacobian(
    target: str = _target_argument(),
    at: Optional[str] = _at_option(),
    method: Optional[List[str]] = typer.Option(
        None, "--method", "-m", metavar="M",
        help="Methods to run (repeat or comma-separate): " + ", ".join(METHOD_NAMES) + ". Default: all."),
    plot: Optional[str] = typer.Option(None, "--plot", metavar="FILE",
                                       help="Draw the error heat map of the Jacobian to FILE.png or FILE.svg "
                                            "(needs pip install 'adcheck[plot]')."),
    wrt: Optional[List[str]] = _wrt_option(),
    timeout: Optional[float] = _timeout_option(),
    fmt: OutputFormat = _format_option(),
    debug: bool = _debug_option(),
) -> None:
    """Check the Jacobian (m outputs × n inputs) of a vector-valued function at a point.

    Every method computes the whole Jacobian; each is compared entry by entry
    with the exact (symbolic) one, and adcheck says whether forward or reverse
    mode suits this shape.  Exit code: 0 pass, 1 mismatch, 2 bad input, 3 inconclusive.
    """

    def work():
        from adcheck.analysis.second import analyse_jacobian
        from adcheck.frontends import load_target

        methods = parse_methods(method)
        report = analyse_jacobian(_load(load_target, target, at, wrt, timeout), methods)
        if plot:
            from adcheck.render.plot import jacobian_heatmap

            return _noted(report, f"error heat map plotted to {jacobian_heatmap(report, plot)}")
        return report

    _run(work, fmt, debug, render=_render("jacobian_renderables"))


HVP_EPILOG = """[bold]Examples[/bold]

  adcheck hvp "100*(x1-x0**2)**2+(1-x0)**2" --at -1.2,1 --v 1,0

  adcheck hvp model.py::loss --at "[1, 2, 0.5]" --v "[0, 1, 0]" --format json
"""


@app.command(epilog=HVP_EPILOG)
def hvp(
    target: str = _target_argument(),
    at: Optional[str] = _at_option(),
    v: str = typer.Option(..., "--v", metavar="VECTOR",
                          help="The direction v: n values in the order of the variables "
                               "(1,0,2 | [1, 0, 2] | @v.json)."),
    method: Optional[List[str]] = _second_method_option(),
    wrt: Optional[List[str]] = _wrt_option(),
    timeout: Optional[float] = _timeout_option(),
    fmt: OutputFormat = _format_option(),
    debug: bool = _debug_option(),
) -> None:
    """Check a Hessian-vector product H·v of a scalar function at a point.

    Computes H·v by forward-over-reverse, reverse-over-reverse and
    forward-over-forward AD, by central differences of the gradient along v
    (with an error estimate), and exactly with sympy where f has a symbolic
    form.  Exit code: 0 pass, 1 mismatch, 2 bad input (or f not scalar), 3 inconclusive.
    """

    def work():
        from adcheck.analysis.second import analyse_hvp
        from adcheck.frontends import load_target

        methods = parse_methods(method, SECOND_METHOD_NAMES)
        return analyse_hvp(_load(load_target, target, at, wrt, timeout), v, methods)

    _run(work, fmt, debug, render=_render("second_renderables"))


HESSIAN_EPILOG = """[bold]Examples[/bold]

  adcheck hessian "100*(x1-x0**2)**2+(1-x0)**2" --at -1.2,1

  adcheck hessian examples/expressions/rosenbrock.txt --format json

  adcheck hessian model.py::loss --wrt w --at '{"w": [0.5, -1], "b": 0.1}'
"""


@app.command(epilog=HESSIAN_EPILOG)
def hessian(
    target: str = _target_argument(),
    at: Optional[str] = _at_option(),
    method: Optional[List[str]] = _second_method_option(),
    wrt: Optional[List[str]] = _wrt_option(),
    timeout: Optional[float] = _timeout_option(),
    fmt: OutputFormat = _format_option(),
    debug: bool = _debug_option(),
) -> None:
    """Check the full n×n Hessian of a scalar function at a point.

    Computes H by forward-over-reverse AD (one batched pass), by n
    reverse-over-reverse and forward-over-forward Hessian-vector products, by
    central differences of the gradient column by column (with error
    estimates) and exactly with sympy, and reports how symmetric each is.
    Exit code: 0 pass, 1 mismatch, 2 bad input (or f not scalar), 3 inconclusive.
    """

    def work():
        from adcheck.analysis.second import analyse_hessian
        from adcheck.frontends import load_target

        methods = parse_methods(method, SECOND_METHOD_NAMES)
        return analyse_hessian(_load(load_target, target, at, wrt, timeout), methods)

    _run(work, fmt, debug, render=_render("second_renderables"))


MODES_EPILOG = """[bold]Examples[/bold]

  adcheck modes "[x0**2, x1*x2, exp(x0+x1)]" --at 1,2,0.5

  adcheck modes --shape 1000,1

  adcheck modes --sweep
"""


@app.command(epilog=MODES_EPILOG)
def modes(
    target: Optional[str] = typer.Argument(None, metavar="[TARGET]",
                                           help="An expression, expression file or Python file."),
    at: Optional[str] = _at_option(),
    shape: Optional[str] = typer.Option(None, "--shape", metavar="N,M",
                                        help="Explain the cost model for n inputs and m outputs."),
    sweep: bool = typer.Option(False, "--sweep", help="Measure the crossover table for (n, m) in "
                               "(5,500) (50,50) (500,5) (1,1000) (1000,1)."),
    wrt: Optional[List[str]] = _wrt_option(),
    timeout: Optional[float] = _timeout_option(),
    fmt: OutputFormat = _format_option(),
    debug: bool = _debug_option(),
) -> None:
    """Forward or reverse mode for this Jacobian?  Passes, measured costs and the recommendation.

    With TARGET: n, m, the passes each mode needs, the measured time of one JVP
    and one VJP, the predicted and measured cost of the full Jacobian each way,
    and the recommendation with its reason.  --shape N,M explains the cost model
    without a function; --sweep reproduces the crossover table.
    """

    def work():
        from adcheck.analysis import modes as m
        from adcheck.analysis.modes_sweep import ModesReport, sweep as run_sweep

        if target is None and shape is None and not sweep:
            raise UsageError("give a TARGET, --shape N,M or --sweep")
        rec = advice = None
        if target is not None:
            from adcheck.frontends import load_target

            rec = m.recommend(_load(load_target, target, at, wrt, timeout))
        if shape is not None:
            parts = shape.replace(" ", "").split(",")
            if len(parts) != 2 or not all(p.isdigit() for p in parts):
                raise UsageError(f"--shape takes N,M (two positive integers), not {shape!r}")
            advice = m.explain_shape(int(parts[0]), int(parts[1]))
        rows = tuple(run_sweep()) if sweep else ()
        return ModesReport(recommendation=rec, advice=advice, sweep=rows)

    def render(report, look):
        from adcheck.render import modes as r

        parts = []
        if report.recommendation is not None:
            parts += r.recommendation_renderables(report.recommendation, look)
        if report.advice is not None:
            parts += r.shape_advice_renderables(report.advice, look)
        if report.sweep:
            parts += r.sweep_renderables(list(report.sweep), look)
        return parts

    _run(work, fmt, debug, render=render)


CHECK_EPILOG = """[bold]Examples[/bold]

  adcheck check examples/

  adcheck check tests/gradients/ src/model.py --junit report.xml

  adcheck check model.py --format json --seed 7

[bold]Conventions[/bold] (no import of adcheck needed): f_grad / grad_f, f_jac / jac_f, f_hvp / hvp_f
beside f; points in ADCHECK_POINTS = {"f": [...]}; anything else in ADCHECK_CHECKS;
wrong-on-purpose checks in ADCHECK_EXPECT = {"f": "fail"}; defaults in [tool.adcheck].
"""


@app.command(epilog=CHECK_EPILOG)
def check(
    paths: Optional[List[str]] = typer.Argument(None, metavar="PATH...",
                                                help="Python files or folders (default: [tool.adcheck] paths)."),
    fmt: OutputFormat = _format_option(),
    junit: Optional[str] = typer.Option(None, "--junit", metavar="FILE",
                                        help="Also write a JUnit XML report (one testcase per check)."),
    rtol: Optional[float] = typer.Option(None, "--rtol", help="Relative tolerance (replaces the model)."),
    atol: Optional[float] = typer.Option(None, "--atol", help="Absolute tolerance (replaces the model)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed of the random points (printed; replay with it)."),
    full: bool = typer.Option(False, "--full", help="Entrywise finite differences at any size (no projections)."),
    timeout: Optional[float] = _timeout_option(),
    debug: bool = _debug_option(),
) -> None:
    """Verify hand-written gradients, Jacobians, HVPs and custom rules against AD and FD.

    Each derivative found in the files is compared with adcheck's reverse and
    forward AD of f and with Richardson finite differences (with their error
    estimate), in float64 even for float32 code, at declared or seeded random
    points.  Exit code: 0 pass, 1 mismatch, 2 bad input, 3 inconclusive (a kink,
    or the user's code raised).
    """

    def work():
        from adcheck.analysis.discover import discover, load_config
        from adcheck.analysis.suite import run_checks

        config = load_config().override(rtol=rtol, atol=atol, seed=seed)
        specs = discover(list(paths or ()), config)
        options = {} if timeout is None else {"timeout": timeout}
        with _progress(fmt) as progress:
            run = run_checks(specs, rtol=config.rtol, atol=config.atol, seed=config.seed, full=full,
                             progress=progress, **options)
        if junit:
            from adcheck.render.junit import junit_xml

            try:
                with open(junit, "w", encoding="utf-8") as fh:
                    fh.write(junit_xml(run))
            except OSError as exc:
                raise UsageError(f"cannot write the JUnit file {junit}: {exc.strerror}") from None
        return run

    def render(run, look):
        from adcheck.render.check import run_renderables

        return run_renderables(run, look)

    _run(work, fmt, debug, render=render)


class _progress:
    """A transient progress bar on stderr while checks run, only on a terminal and for table output."""

    def __init__(self, fmt):
        self.fmt, self.bar, self.task = fmt, None, None

    def __enter__(self):
        from adcheck.render.console import make_console, wants_plain

        if self.fmt is OutputFormat.json or wants_plain(sys.stderr):
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.description}"), TimeElapsedColumn(),
                            console=make_console(stderr=True), transient=True)
        self.bar.start()
        self.task = self.bar.add_task("", total=None)
        return self.update

    def update(self, i, total, name):
        self.bar.update(self.task, completed=i, total=total, description=name)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False


GRAPH_EPILOG = """[bold]Examples[/bold]

  adcheck graph "(x1+x2)*sin(x1)" --at x1=1,x2=2

  adcheck graph "(x1+x2)*sin(x1)" --at x1=1,x2=2 --dot > graph.dot
"""


@app.command(epilog=GRAPH_EPILOG)
def graph(
    target: str = _target_argument(),
    at: Optional[str] = _at_option(),
    dot: bool = typer.Option(False, "--dot", help="Print the graph as Graphviz DOT instead of a tree."),
    wrt: Optional[List[str]] = _wrt_option(),
    timeout: Optional[float] = _timeout_option(),
    fmt: OutputFormat = _format_option(),
    debug: bool = _debug_option(),
) -> None:
    """The computational graph as reverse mode records it: each node's operation, value and adjoint.

    Nodes are listed in topological order (inputs first) with the forward value
    and the adjoint the backward pass gives them, followed by the order in which
    the backward pass visits them.
    """

    def work():
        from adcheck.analysis.graph import record_graph
        from adcheck.frontends import load_target

        return record_graph(_load(load_target, target, at, wrt, timeout))

    def render(g, look):
        from adcheck.render.graph import graph_renderables

        return graph_renderables(g, look)

    if dot and fmt is OutputFormat.table:
        _run(work, fmt, debug, render=lambda g, look: [_Verbatim(g.dot())])
    else:
        _run(work, fmt, debug, render=render)


class _Verbatim:
    """Text printed exactly as given (no markup, no wrapping): DOT output."""

    def __init__(self, text):
        self.text = text

    def __rich_console__(self, console, options):
        from rich.text import Text

        yield Text(self.text, no_wrap=True, overflow="ignore")


def _noted(report, note: str):
    """The report with one more note (reports are frozen)."""
    import dataclasses

    return dataclasses.replace(report, notes=tuple(report.notes) + (note,))


def _render(name: str) -> Callable:
    """The renderer ``adcheck.render.second.<name>``, imported when it is called."""

    def render(report, look):
        from adcheck.render import second

        return getattr(second, name)(report, look)
    return render


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


def main() -> None:
    """Console-script entry point (``adcheck`` and ``python -m adcheck``)."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
