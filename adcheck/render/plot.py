"""Figures of a Report, written to PNG or SVG files (the optional ``plot`` extra).

``step_plot(report, path)``
    The ``--steps`` sweep: one log–log panel per swept variable, |error| against
    the step h for forward, central and Richardson differences.  Errors are the
    same ones the terminal chart (``render.steps``) shows: measured from the
    exact derivative (or the reference method) when it is known, otherwise the
    distance from the best Richardson estimate (the spread of the values).
    Horizontal lines mark the errors of the AD methods and complex step at the
    same entry; an error of exactly 0 is drawn at ε·|reference| and labelled
    "exact to round-off".  Vertical dashed lines mark the theoretical optimal
    steps √ε·scale (forward) and ∛ε·scale (central).

``jacobian_heatmap(report, path)``
    One m×n image per non-reference method that ran: log10 |J_method − J_reference|
    per entry (zero errors floored at 1e-17), sharing one colour scale and one
    colorbar; small Jacobians (≤ 64 entries) carry the order of magnitude
    ("1e-8", or "exact" for a zero error) in each cell.

matplotlib is imported only inside these functions and never through pyplot
(no GUI backend, no global state): a missing matplotlib is a UsageError with
an install hint, and the terminal chart in ``render.steps`` does not need it.
The file type follows the extension (.png or .svg); anything else is a UsageError.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Union

from adcheck.errors import UsageError

if TYPE_CHECKING:
    from adcheck.analysis.results import Report, StepReport

EPS = 2.220446049250313e-16  # float64 machine epsilon
ERROR_FLOOR = 1e-17          # where a zero error sits on a log scale (heat map, and ε·0)
FORMATS = {".png": "png", ".svg": "svg"}
AD_FLOORS = ("forward", "reverse", "complex-step")  # methods drawn as horizontal lines
SCHEME_STYLE = {  # scheme -> (label, colour, marker)
    "forward": ("forward difference", "tab:blue", "o"),
    "central": ("central difference", "tab:purple", "s"),
    "richardson": ("Richardson", "tab:green", "^"),
}
FLOOR_STYLE = {"forward": ("forward AD", "tab:red", "-"), "reverse": ("reverse AD", "tab:orange", "--"),
               "complex-step": ("complex step", "tab:brown", ":")}
MISSING = "plotting needs matplotlib: pip install 'adcheck[plot]'"
ANNOTATE_MAX = 64  # write the exponent in each heat-map cell up to this many entries


PathLike = Union[str, Path]


# ---- shared ---------------------------------------------------------------------

def _format_of(path: PathLike) -> str:
    """'png' or 'svg' from the file extension; anything else is a UsageError."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        shown = suffix or "no extension"
        raise UsageError(f"cannot write a plot to {str(path)!r} ({shown}): use a .png or .svg file name")
    return FORMATS[suffix]


def _figure_class():
    """matplotlib's Figure (no pyplot, so no interactive backend), or a UsageError."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise UsageError(MISSING) from None
    return Figure


def _save(fig, path: PathLike, fmt: str) -> Path:
    path = Path(path)
    metadata = {"Date": None} if fmt == "svg" else None  # reproducible SVG output
    try:
        fig.savefig(path, format=fmt, metadata=metadata, dpi=120)
    except OSError as exc:
        raise UsageError(f"cannot write the plot to {str(path)!r}: {exc.strerror or exc}") from None
    return path


def _point_text(report: "Report") -> str:
    return ", ".join(f"{k}={v:g}" for k, v in report.point.items())


def _subject(report: "Report") -> str:
    """The expression (or the target's name) and the point, for titles."""
    what = report.expression or report.target
    if len(what) > 70:
        what = what[:67] + "..."
    return f"{what} at {_point_text(report)}"


def _method_jacobian(report: "Report", name: Optional[str]):
    r = report.method(name) if name else None
    if r is None or r.error is not None or r.jacobian is None:
        return None
    return r.jacobian


# ---- the step sweep -------------------------------------------------------------

def step_plot(report: "Report", path: PathLike) -> Path:
    """Draw the step sweep of ``report`` (one panel per swept variable) into ``path``.

    Returns the path written.  Raises UsageError for an extension other than
    .png/.svg, when the report has no sweep (run with steps=True / ``--steps``),
    or when matplotlib is not installed.
    """
    fmt = _format_of(path)
    if not report.steps:
        raise UsageError("this report has no step sweep to plot: run with --steps")
    Figure = _figure_class()
    from adcheck.render.steps import sweep_errors  # same error basis as the terminal chart

    panels = len(report.steps)
    fig = Figure(figsize=(11.5, 4.4 * panels), layout="constrained")
    axes = fig.subplots(panels, 1, squeeze=False)[:, 0]
    for ax, sweep in zip(axes, report.steps):
        errors, basis = sweep_errors(report, sweep)
        _step_panel(ax, report, sweep, errors, basis)
    fig.suptitle(f"finite-difference step sweep: {_subject(report)}", fontsize=11)
    return _save(fig, path, fmt)


def _step_panel(ax, report: "Report", sweep: "StepReport", errors: dict, basis: str) -> None:
    j = report.variables.index(sweep.variable) if sweep.variable in report.variables else None
    ref_value = _reference_entry(report, sweep, j)
    zero_at = _zero_level(ref_value)
    hs = [r.h for r in sweep.rows]
    plotted = []
    for scheme, (label, colour, marker) in SCHEME_STYLE.items():
        pts = [(h, e) for h, e in zip(hs, errors[scheme]) if e is not None and math.isfinite(e)]
        if not pts:
            continue
        xs = [h for h, _ in pts]
        ys = [e if e > 0 else zero_at for _, e in pts]
        ax.loglog(xs, ys, marker=marker, color=colour, label=label, linewidth=1.4, markersize=4)
        plotted.extend(ys)
        zeros = [(h, zero_at) for h, e in pts if e == 0]
        if zeros:  # hollow markers: exactly zero, drawn at the floor
            ax.loglog([h for h, _ in zeros], [y for _, y in zeros], linestyle="none", marker=marker,
                      markersize=8, markerfacecolor="none", markeredgecolor=colour)

    for label, level, colour, style in _floors(report, j, zero_at):
        ax.axhline(level, color=colour, linestyle=style, linewidth=1.2, label=label)
        plotted.append(level)

    roots = {"forward": "√ε·scale", "central": "∛ε·scale"}
    for scheme, root in roots.items():
        h = sweep.optimal_h.get(scheme)
        if h is not None and math.isfinite(float(h)) and float(h) > 0:
            ax.axvline(float(h), color=SCHEME_STYLE[scheme][1], linestyle="--", linewidth=1.0, alpha=0.8,
                       label=f"optimal {scheme} h = {root} ≈ {float(h):.1e}")

    if not plotted:
        ax.text(0.5, 0.5, "no errors to plot", transform=ax.transAxes, ha="center", va="center")
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel("step h")
    name = "f" if report.scalar_output else "f[0]"
    ax.set_ylabel(f"|error| (from {basis})" if len(basis) < 40 else "|error|\n" + f"from {basis}")
    title = f"∂{name}/∂{sweep.variable}"
    if sweep.exact is not None:
        title += f" = {sweep.exact:.12g}"
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.02, 1.0), framealpha=0.85)


def _reference_entry(report: "Report", sweep: "StepReport", j: Optional[int]) -> Optional[float]:
    """The reference derivative d f[0]/d x_j (the sweep's exact value when it has one)."""
    if sweep.exact is not None:
        return float(sweep.exact)
    ref = _method_jacobian(report, report.reference)
    if ref is None or j is None:
        return None
    return float(ref[0][j])


def _zero_level(ref_value: Optional[float]) -> float:
    """Where an error of exactly 0 is drawn: ε·|reference|, never below ERROR_FLOOR."""
    if ref_value is None or not math.isfinite(ref_value):
        return ERROR_FLOOR
    return max(EPS * abs(ref_value), ERROR_FLOOR)


def _floors(report: "Report", j: Optional[int], zero_at: float) -> list:
    """(label, level, colour, linestyle) for AD / complex-step errors at entry (0, j).

    The per-entry error is taken from the Jacobians when both are present, else
    the method's max error.  The reference method itself is skipped (its error
    is 0 by definition); methods with the same level share one line.
    """
    ref = _method_jacobian(report, report.reference)
    levels: dict = {}
    for name in AD_FLOORS:
        r = report.method(name)
        if r is None or r.error is not None or name == report.reference:
            continue
        err = None
        if ref is not None and r.jacobian is not None and j is not None:
            err = abs(float(r.jacobian[0][j]) - float(ref[0][j]))
        elif r.abs_error is not None:
            err = float(r.abs_error)
        if err is None or not math.isfinite(err):
            continue
        levels.setdefault(err, []).append(name)
    out = []
    for err, names in levels.items():
        label = ", ".join(FLOOR_STYLE[n][0] for n in names)
        if err == 0:
            out.append((f"{label}: exact to round-off (drawn at ε·|ref| = {zero_at:.1e})", zero_at,
                        FLOOR_STYLE[names[0]][1], FLOOR_STYLE[names[0]][2]))
        else:
            out.append((f"{label}: error {err:.1e}", err, FLOOR_STYLE[names[0]][1], FLOOR_STYLE[names[0]][2]))
    return out


# ---- the Jacobian error heat map ---------------------------------------------------

def jacobian_heatmap(report: "Report", path: PathLike) -> Path:
    """Draw log10 |J_method − J_reference| for every non-reference method that ran.

    One m×n image per method, side by side, on one shared colour scale with a
    colorbar; zero errors are floored at 1e-17, non-finite entries are grey.
    Returns the path written.  Raises UsageError for a bad extension, when
    there is no reference or nothing to compare, or without matplotlib.
    """
    fmt = _format_of(path)
    ref = _method_jacobian(report, report.reference)
    if ref is None:
        raise UsageError("no reference derivative to compare against: nothing to plot")
    compared = [r for r in report.methods
                if r.method != report.reference and r.error is None and r.jacobian is not None]
    if not compared:
        raise UsageError(f"no method other than the reference ({report.reference}) ran: nothing to plot")
    Figure = _figure_class()
    import numpy as np
    from matplotlib import colors

    ref_arr = np.atleast_2d(np.asarray(ref, dtype=float))
    grids = []
    for r in compared:
        arr = np.atleast_2d(np.asarray(r.jacobian, dtype=float))
        with np.errstate(all="ignore"):
            diff = np.abs(arr - ref_arr)
            grid = np.log10(np.maximum(diff, ERROR_FLOOR))
        grid[~np.isfinite(diff)] = np.nan
        grids.append(grid)
    finite = np.concatenate([g[np.isfinite(g)] for g in grids]) if grids else np.array([])
    vmin = math.log10(ERROR_FLOOR)
    vmax = max(float(finite.max()) if finite.size else vmin + 1, vmin + 1)

    m, n = ref_arr.shape
    cols = len(compared)
    width = min(max(1.0 + 0.55 * n, 2.4) * cols + 1.2, 30.0)
    height = min(max(1.9 + 0.55 * m, 2.6), 12.0)
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, cols, squeeze=False)[0]
    cmap = _cmap()
    norm = colors.Normalize(vmin=vmin, vmax=vmax)
    image = None
    outputs = ["f"] if report.scalar_output else [f"f[{i}]" for i in range(m)]
    variables = list(report.variables)[:n] + [f"x{j}" for j in range(len(report.variables), n)]
    for ax, r, grid in zip(axes, compared, grids):
        image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, norm=norm, aspect="auto",
                          interpolation="nearest")
        ax.set_title(r.method, fontsize=10)
        ax.set_xticks(range(n), variables, fontsize=8, rotation=45 if n > 6 else 0)
        ax.set_yticks(range(m), outputs if m <= 30 else [""] * m, fontsize=8)
        if m * n <= ANNOTATE_MAX:
            for (i, k), v in np.ndenumerate(grid):
                text = "nan" if not math.isfinite(v) else ("exact" if v <= vmin else f"1e{v:.0f}")
                shade = norm(v) if math.isfinite(v) else 0.5
                ax.text(k, i, text, ha="center", va="center", fontsize=7,
                        color="white" if shade < 0.6 else "black")
    bar = fig.colorbar(image, ax=list(axes), shrink=0.9)
    bar.set_label(f"log10 |J − J_{report.reference}|  (exact 0 shown as {vmin:.0f})", fontsize=8)
    fig.suptitle(f"Jacobian error against {report.reference}: {_subject(report)}", fontsize=11)
    return _save(fig, path, fmt)


def _cmap():
    from matplotlib import colormaps

    cmap = colormaps["viridis"].copy()
    cmap.set_bad("lightgrey")
    return cmap
