"""Commands around the derivatives: modes, check, graph."""

from __future__ import annotations

import sys
from typing import List, Optional

import typer

from adcheck.cli.common import (OutputFormat, _at_option, _debug_option, _format_option, _load, _run,
                                _target_argument, _timeout_option, _wrt_option, app)
from adcheck.cli.values import Command
from adcheck.errors import UsageError

MODES_EPILOG = """[bold]Examples[/bold]

  adcheck modes "\\[x0**2, x1*x2, exp(x0+x1)]" --at 1,2,0.5

  adcheck modes --shape 1000,1

  adcheck modes --sweep
"""


@app.command(cls=Command, epilog=MODES_EPILOG)
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

  adcheck check examples/frameworks/torch_maml.py --order 2

[bold]Conventions[/bold] (no import of adcheck needed): f_grad / grad_f, f_jac / jac_f, f_hvp / hvp_f
beside f; points in ADCHECK_POINTS = {"f": [...]}; anything else in ADCHECK_CHECKS;
wrong-on-purpose checks in ADCHECK_EXPECT = {"f": "fail"}; defaults in \\[tool.adcheck].
"""


@app.command(cls=Command, epilog=CHECK_EPILOG)
def check(
    paths: Optional[List[str]] = typer.Argument(None, metavar="PATH...",
                                                help="Python files or folders (default: \\[tool.adcheck] paths)."),
    fmt: OutputFormat = _format_option(),
    junit: Optional[str] = typer.Option(None, "--junit", metavar="FILE",
                                        help="Also write a JUnit XML report (one testcase per check)."),
    rtol: Optional[float] = typer.Option(None, "--rtol", help="Relative tolerance (replaces the model)."),
    atol: Optional[float] = typer.Option(None, "--atol", help="Absolute tolerance (replaces the model)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed of the random points (printed; replay with it)."),
    full: bool = typer.Option(False, "--full", help="Entrywise finite differences at any size (no projections)."),
    order: Optional[int] = typer.Option(None, "--order", min=1, max=2,
                                        help="2: also check second derivatives of torch / jax functions "
                                             "(double backward, grad of grad) against FD of their gradient."),
    timeout: Optional[float] = _timeout_option(),
    debug: bool = _debug_option(),
) -> None:
    """Verify hand-written gradients, Jacobians, HVPs and custom rules against AD and FD.

    Each derivative found in the files is compared with adcheck's reverse and
    forward AD of f and with Richardson finite differences (with their error
    estimate), in float64 even for float32 code, at declared or seeded random
    points.  PyTorch and JAX functions (with a point in ADCHECK_POINTS) get their
    framework's own gradient checked, torch.autograd.Function and
    jax.custom_vjp/custom_jvp rules are checked like custom rules.  Exit code: 0 pass, 1 mismatch, 2 bad input, 3 inconclusive (a kink,
    or the user's code raised).
    """

    def work():
        from adcheck.analysis.discover import discover, load_config
        from adcheck.analysis.suite import run_checks

        config = load_config().override(rtol=rtol, atol=atol, seed=seed, order=order)
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


@app.command(cls=Command, epilog=GRAPH_EPILOG)
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


