"""Forward vs reverse recommendation: cost model by shape, measured choice, crossover sweep, renderers.

Timing assertions are only "which is faster" where the gap is about 100x
(n = 1000, m = 1 and the reverse); everything else checks structure.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from rich.console import Console

from adcheck.analysis import modes
from adcheck.analysis.modes import Recommendation, ShapeAdvice, explain_shape, recommend
from adcheck.analysis.modes_sweep import SWEEP_SHAPES, SweepRow, mlp, sweep
from adcheck.errors import BadInputError, UnsupportedOpError
from adcheck.render.console import Look
from adcheck.render.modes import recommendation_renderables, shape_advice_renderables, sweep_renderables
from adcheck.target import Target


def _target(f, x, name="f"):
    x = np.asarray(x, dtype=float)
    return Target(f=f, x0=x, variables=[f"x{i}" for i in range(x.size)], name=name)


def _plain(parts) -> str:
    console = Console(color_system=None, width=160, force_terminal=False, record=True)
    for part in parts:
        console.print(part)
    return console.export_text()


def _json_roundtrip(record) -> dict:
    d = record.to_dict()
    assert json.loads(json.dumps(d, allow_nan=False)) == d
    return d


# ---- explain_shape: the cost model alone ---------------------------------------------

@pytest.mark.parametrize("n,m,mode,passes", [
    (1000, 1, "reverse", 1), (1, 1000, "forward", 1), (500, 5, "reverse", 5),
    (5, 500, "forward", 1), (50, 50, "forward", 1), (1, 1, "forward", 1)])
def test_shape_advice_picks_the_mode_with_fewer_evaluations(n, m, mode, passes):
    advice = explain_shape(n, m)
    assert isinstance(advice, ShapeAdvice)
    assert (advice.mode, advice.passes) == (mode, passes)
    assert (advice.forward_passes, advice.forward_tangents, advice.forward_unbatched_passes) == (1, n, n)
    assert advice.reverse_passes == m
    assert advice.forward_cost == pytest.approx(advice.c_forward * n)
    assert advice.reverse_cost == pytest.approx(advice.c_reverse * m)
    assert f"n = {n} input" in advice.reason and f"m = {m} output" in advice.reason
    assert advice.reason.startswith(f"n = {n}") and f": {mode} needs" in advice.reason
    assert len(advice.explanation) >= 3
    d = _json_roundtrip(advice)
    assert d["mode"] == mode and isinstance(d["explanation"], list)


def test_shape_advice_constants_move_the_crossover():
    assert explain_shape(10, 10).mode == "forward"
    assert explain_shape(10, 10, c_forward=4.0, c_reverse=2.0).mode == "reverse"


@pytest.mark.parametrize("n,m", [(0, 3), (3, -1), (2.5, 3)])
def test_shape_advice_rejects_bad_shapes(n, m):
    with pytest.raises(BadInputError):
        explain_shape(n, m)


# ---- recommend: measured passes --------------------------------------------------

def test_recommend_small_vector_function_reports_passes_and_times():
    rec = recommend(_target(lambda v: np.stack([v[0] ** 2, v[1] * np.sin(v[2])]), [1.0, 2.0, 3.0]))
    assert isinstance(rec, Recommendation)
    assert (rec.n, rec.m) == (3, 2)
    assert rec.mode in ("forward", "reverse")
    assert rec.passes == (1 if rec.mode == "forward" else 2)
    fwd, rev = rec.forward, rec.reverse
    assert (fwd.passes, fwd.tangents_per_pass, fwd.unbatched_passes) == (1, 3, 3)
    assert (rev.passes, rev.tangents_per_pass, rev.unbatched_passes) == (2, 1, 2)
    assert rec.f_seconds > 0
    for cost in (fwd, rev):
        assert cost.error is None
        assert cost.pass_seconds > 0 and cost.c > 0 and cost.predicted_seconds > 0
        assert cost.measured_seconds > 0 and cost.step_seconds >= 0
        assert cost.predicted_unbatched_seconds == pytest.approx(cost.unbatched_passes * cost.pass_seconds)
    assert rec.basis == "measured" and rec.notes == ()
    assert rec.reason.startswith("n = 3 inputs, m = 2 outputs: ") and rec.reason.endswith(".")
    assert "1 batched pass of 3 tangents" in rec.reason and "2 backward passes" in rec.reason
    d = _json_roundtrip(rec)
    assert d["mode"] == rec.mode and d["reason"] == rec.reason
    assert d["forward"]["passes"] == 1 and d["reverse"]["passes"] == 2


def test_recommend_scalar_function_of_one_variable():
    rec = recommend(_target(lambda v: v ** 2 * np.sin(v), 1.5))
    assert (rec.n, rec.m, rec.passes) == (1, 1, 1)
    assert rec.forward.tangents_per_pass == 1 and rec.reverse.passes == 1
    assert "n = 1 input, m = 1 output" in rec.reason


def test_recommend_many_inputs_one_output_is_reverse():
    rec = recommend(_target(*mlp(1000, 1)))
    assert rec.mode == "reverse" and rec.passes == 1
    assert rec.reverse.measured_seconds < rec.forward.measured_seconds
    assert "reverse needs 1 backward pass" in rec.reason and "1000 tangents" in rec.reason


def test_recommend_one_input_many_outputs_is_forward():
    rec = recommend(_target(*mlp(1, 1000)))
    assert rec.mode == "forward" and rec.passes == 1 and rec.reverse.passes == 1000
    assert rec.forward.measured_seconds < rec.reverse.measured_seconds
    assert "forward needs 1 batched pass of 1 tangent" in rec.reason


def test_recommend_skips_measuring_large_jacobians(monkeypatch):
    monkeypatch.setattr(modes, "MAX_MEASURED_ENTRIES", 5)
    rec = recommend(_target(lambda v: np.tanh(v) * 2.0, np.linspace(0.1, 1.0, 10)))
    assert rec.basis == "predicted"
    assert rec.forward.measured_seconds is None and rec.reverse.measured_seconds is None
    assert any("not timed" in note and "100 entries" in note for note in rec.notes)
    assert "predicted" in rec.reason
    _json_roundtrip(rec)


def test_a_mode_that_cannot_run_loses(monkeypatch):
    def broken(*args, **kwargs):
        raise UnsupportedOpError("np.frobnicate", method="forward")

    monkeypatch.setattr(modes.forward, "jvp_batch", broken)
    rec = recommend(_target(lambda v: v * 3.0, [1.0, 2.0]))
    assert rec.mode == "reverse" and "np.frobnicate" in rec.forward.error
    assert rec.forward.pass_seconds is None and rec.forward.c is None
    assert "forward mode cannot run here" in rec.reason
    assert rec.reverse.error is None and rec.reverse.pass_seconds > 0
    _json_roundtrip(rec)
    monkeypatch.setattr(modes.reverse, "vjp", broken)
    with pytest.raises(UnsupportedOpError):
        recommend(_target(lambda v: v * 3.0, [1.0, 2.0]))


# ---- sweep: the crossover table --------------------------------------------------

def test_sweep_rows_for_the_five_shapes():
    rows = sweep()
    assert [(r.n, r.m) for r in rows] == list(SWEEP_SHAPES)
    by_shape = {(r.n, r.m): r for r in rows}
    # forward wins by hundreds at n = 1; at n = 1000, m = 1 reverse leads, but the forward
    # Jacobian's structured seed (methods.diagonal) brought it within timing noise there
    assert by_shape[(1, 1000)].winner == "forward"
    assert by_shape[(1000, 1)].ratio < by_shape[(1, 1000)].ratio / 10
    for r in rows:
        assert isinstance(r, SweepRow) and r.forward_seconds > 0 and r.reverse_seconds > 0
        assert r.ratio == pytest.approx(r.reverse_seconds / r.forward_seconds)
        assert r.winner == ("forward" if r.ratio >= 1 else "reverse")
        assert r.model_mode == explain_shape(r.n, r.m).mode
        _json_roundtrip(r)
    text = _plain(sweep_renderables(rows, Look(plain=True, unicode=False)))
    assert "1000" in text and "reverse" in text and "forward" in text and "cost model" in text


def test_mlp_is_deterministic_and_has_the_asked_shape():
    f, x = mlp(7, 3, hidden=5, seed=1)
    g, y = mlp(7, 3, hidden=5, seed=1)
    assert x.shape == (7,) and f(x).shape == (3,)
    np.testing.assert_array_equal(f(x), g(y))


# ---- renderers ----------------------------------------------------------------------

def test_recommendation_renders_both_modes_and_the_reason():
    rec = recommend(_target(lambda v: np.sum(v ** 2), [1.0, 2.0, 3.0], name="sumsq"))
    text = _plain(recommendation_renderables(rec, Look(plain=True, unicode=False)))
    assert "f = sumsq" in text and "forward" in text and "reverse" in text
    assert f"use {rec.mode} mode" in text and "full Jacobian, measured" in text
    assert "\x1b[" not in text


def test_shape_advice_renders_table_and_explanation():
    text = _plain(shape_advice_renderables(explain_shape(1000, 1), Look(plain=True, unicode=False)))
    assert "use reverse mode" in text and "1 backward pass" in text
    assert "1 batched (1000 tangents)" in text and "Forward mode pushes tangents" in text
