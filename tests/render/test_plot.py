"""Figures of a Report (adcheck.render.plot): PNG/SVG files, and a clear error without matplotlib."""

import io
import sys
import xml.etree.ElementTree as ET

import pytest

from adcheck.analysis import compare
from adcheck.errors import UsageError
from adcheck.frontends import load_target
from adcheck.render import plot

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def sweep_report():
    return compare.analyse(load_target("x**2*sin(x)", "1.5"), steps=True)


@pytest.fixture(scope="module")
def jacobian_report():
    return compare.analyse(load_target("[x0**2, x1*x2, exp(x0+x1)]", "1,2,0.5"))


def test_step_plot_png(sweep_report, tmp_path):
    pytest.importorskip("matplotlib")
    out = plot.step_plot(sweep_report, tmp_path / "steps.png")
    assert out == tmp_path / "steps.png"
    assert out.read_bytes().startswith(PNG_SIGNATURE)


def test_step_plot_svg(sweep_report, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "steps.SVG"  # the extension is matched case-insensitively
    plot.step_plot(sweep_report, str(path))
    root = ET.parse(path).getroot()
    assert root.tag.rsplit("}", 1)[-1] == "svg"
    text = path.read_text(encoding="utf-8")
    assert "exact to round-off" in text  # AD and complex step are exact here: their floor line is labelled
    assert "Richardson" in text


def test_step_plot_without_exact_derivative(tmp_path):
    """No symbolic reference: the sweep is measured from the reverse-mode value, still plotted."""
    pytest.importorskip("matplotlib")
    report = compare.analyse(load_target("x*y+sin(x)", "1,2"),
                             ["reverse", "fd-forward", "fd-central", "fd-richardson", "complex-step"],
                             steps=True)
    assert report.reference == "reverse"
    out = plot.step_plot(report, tmp_path / "two.png")
    assert out.read_bytes().startswith(PNG_SIGNATURE)


def test_jacobian_heatmap_png(jacobian_report, tmp_path):
    pytest.importorskip("matplotlib")
    out = plot.jacobian_heatmap(jacobian_report, tmp_path / "jac.png")
    assert out.read_bytes().startswith(PNG_SIGNATURE)


def test_jacobian_heatmap_svg(jacobian_report, tmp_path):
    pytest.importorskip("matplotlib")
    out = plot.jacobian_heatmap(jacobian_report, tmp_path / "jac.svg")
    assert ET.parse(out).getroot().tag.endswith("svg")


@pytest.mark.parametrize("name", ["steps.pdf", "steps.jpg", "steps"])
def test_bad_extension_is_a_usage_error(sweep_report, tmp_path, name):
    with pytest.raises(UsageError, match=r"\.png or \.svg"):
        plot.step_plot(sweep_report, tmp_path / name)
    with pytest.raises(UsageError):
        plot.jacobian_heatmap(sweep_report, tmp_path / name)
    assert not (tmp_path / name).exists()


def test_no_sweep_is_a_usage_error(jacobian_report, tmp_path):
    with pytest.raises(UsageError, match="--steps"):
        plot.step_plot(jacobian_report, tmp_path / "steps.png")


def test_without_matplotlib(sweep_report, jacobian_report, tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib...` now raises ImportError
    with pytest.raises(UsageError, match="pip install") as info:
        plot.step_plot(sweep_report, tmp_path / "steps.png")
    assert "\n" not in str(info.value)
    assert info.value.exit_code == 2
    with pytest.raises(UsageError, match="pip install"):
        plot.jacobian_heatmap(jacobian_report, tmp_path / "jac.png")
    assert not (tmp_path / "steps.png").exists()

    # the terminal chart needs no matplotlib
    from rich.console import Console

    from adcheck.render.console import Look
    from adcheck.render.steps import error_chart, steps_renderables, sweep_errors

    sweep = sweep_report.steps[0]
    errors, basis = sweep_errors(sweep_report, sweep)
    chart = error_chart(sweep, errors, basis, Look(plain=True, unicode=False))
    assert "log10|error| against log10(h)" in chart.plain
    console = Console(color_system=None, width=160, record=True, file=io.StringIO())
    for renderable in steps_renderables(sweep_report, Look(plain=True, unicode=False)):
        console.print(renderable)
    assert "step sweep for df/dx" in console.export_text()
