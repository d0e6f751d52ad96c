"""Commands that differentiate one target: grad, jacobian, hvp, hessian."""

from __future__ import annotations

from typing import Callable, List, Optional

import typer

from adcheck.cli.common import (SECOND_METHOD_NAMES, OutputFormat, _at_option, _debug_option, _format_option,
                                _load, _method_option, _noted, _run, _second_method_option, _target_argument,
                                _timeout_option, _wrt_option, app, parse_methods)
from adcheck.cli.values import Command

GRAD_EPILOG = """[bold]Examples[/bold]

  adcheck grad "x**2*sin(x)" --at 1.5

  adcheck grad "(x1+x2)*sin(x1)" --at x1=1,x2=2

  adcheck grad examples/expressions/rosenbrock.txt --method reverse,fd-central

  adcheck grad "log(1+exp(x))" --at 30 --steps

  adcheck grad "x**2*sin(x)" --at 1.5 --format json
"""


@app.command(cls=Command, epilog=GRAD_EPILOG)
def grad(
    target: str = _target_argument(),
    at: Optional[str] = _at_option(),
    method: Optional[List[str]] = _method_option(),
    steps: bool = typer.Option(False, "--steps",
                               help="Also sweep the finite-difference step h from 1e-1 to 1e-14."),
    memory: bool = typer.Option(False, "--memory",
                                help="Report what reverse mode stores: tape values and bytes, and the peak "
                                     "with checkpoint recomputation."),
    order: int = typer.Option(1, "--order", min=1, max=3,
                              help="Derivative order: 2 compares Hessians, 3 third derivatives (one variable)."),
    plot: Optional[str] = typer.Option(None, "--plot", metavar="FILE",
                                       help="With --steps: draw the step sweep to FILE.png or FILE.svg "
                                            "(needs pip install 'adcheck\\[plot]')."),
    wrt: Optional[List[str]] = _wrt_option(),
    timeout: Optional[float] = _timeout_option(),
    fmt: OutputFormat = _format_option(),
    debug: bool = _debug_option(),
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


@app.command(cls=Command, epilog=JACOBIAN_EPILOG)
def jacobian(
    target: str = _target_argument(),
    at: Optional[str] = _at_option(),
    method: Optional[List[str]] = _method_option(),
    plot: Optional[str] = typer.Option(None, "--plot", metavar="FILE",
                                       help="Draw the error heat map of the Jacobian to FILE.png or FILE.svg "
                                            "(needs pip install 'adcheck\\[plot]')."),
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


@app.command(cls=Command, epilog=HVP_EPILOG)
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


@app.command(cls=Command, epilog=HESSIAN_EPILOG)
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


def _render(name: str) -> Callable:
    """The renderer ``adcheck.render.second.<name>``, imported when it is called."""

    def render(report, look):
        from adcheck.render import second

        return getattr(second, name)(report, look)
    return render


