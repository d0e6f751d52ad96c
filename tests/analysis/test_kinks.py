"""One-sided derivatives: kinks are found, smooth functions never raise an alarm."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from adcheck.analysis.kinks import Kink, OneSided, check_differentiable, check_directional_kink, one_sided

KINKED = [
    ("|x| at 0", np.abs, [0.0], -1.0, 1.0),
    ("max(x, 0) at 0", lambda v: np.maximum(v, 0.0), [0.0], 0.0, 1.0),
    ("|x-1| x at 1", lambda v: np.abs(v - 1.0) * v, [1.0], -1.0, 1.0),
    ("|x0| + x1^2 at (0, 1)", lambda v: np.abs(v[0]) + v[1] ** 2, [0.0, 1.0], -1.0, 1.0),
    ("min(x, 2x) at 0", lambda v: np.minimum(v, 2 * v), [0.0], 2.0, 1.0),
    ("relu(x - 0.5) * 3 at 0.5", lambda v: 3 * np.maximum(v - 0.5, 0.0), [0.5], 0.0, 3.0),
]


@pytest.mark.parametrize("name,f,x,left,right", KINKED, ids=[k[0] for k in KINKED])
def test_kinks_are_found_with_both_one_sided_values(name, f, x, left, right):
    kinks = check_differentiable(f, np.array(x))
    assert len(kinks) == 1, kinks
    k = kinks[0]
    assert (k.index, k.output) == (0, 0)
    assert k.left == pytest.approx(left, abs=1e-9) and k.right == pytest.approx(right, abs=1e-9)
    sides = one_sided(f, np.array(x), 0)
    assert sides.left[0] == pytest.approx(left, abs=1e-9)
    assert sides.right[0] == pytest.approx(right, abs=1e-9)
    assert sides.left_defined and sides.right_defined and sides.evaluations > 0
    assert "left derivative" in k.describe() and "x[0]" in k.describe()
    assert "in y" in k.describe(names=["y", "z"])


SMOOTH = [
    ("exp", np.exp, 1.0),
    ("sin", np.sin, 0.3),
    ("x^2", lambda v: v**2, 2.0),
    ("x^2 at 0", lambda v: v**2, 0.0),
    ("log(x^2+e^x)", lambda v: np.log(v**2 + np.exp(v)), -0.7),
    ("log(x^2+e^x) near 0", lambda v: np.log(v**2 + np.exp(v)), 1e-6),
    ("sin(x)/x at 1e-8", lambda v: np.sin(v) / v, 1e-8),
    ("softplus at 30", lambda v: np.log1p(np.exp(v)), 30.0),
    ("softplus at -30", lambda v: np.log1p(np.exp(v)), -30.0),
    ("x^3 at 0", lambda v: v**3, 0.0),
    ("cos at 0", np.cos, 0.0),
    ("exp(10x) at 1", lambda v: np.exp(10 * v), 1.0),
    ("1/x at 1e-3", lambda v: 1.0 / v, 1e-3),
    ("sqrt at 1e-6", np.sqrt, 1e-6),
    ("log at 1e-6", np.log, 1e-6),
    ("tanh at -2", np.tanh, -2.0),
    ("x^2 sin x at 1.5", lambda v: v**2 * np.sin(v), 1.5),
    ("|x - 1e-3| at 0 (kink nearby, not here)", lambda v: np.abs(v - 1e-3), 0.0),
]


@pytest.mark.parametrize("name,f,x", SMOOTH, ids=[s[0] for s in SMOOTH])
def test_smooth_functions_never_raise_an_alarm(name, f, x):
    assert check_differentiable(f, np.array([x])) == []
    sides = one_sided(f, np.array([x]), 0)
    assert sides.left_defined and sides.right_defined
    assert abs(sides.left[0] - sides.right[0]) <= sides.left_err[0] + sides.right_err[0] + 1e-6 * abs(sides.left[0])


@pytest.mark.parametrize("f,x,exact", [(np.sqrt, 1e-6, 500.0), (lambda v: 1.0 / v, 1e-3, -1e6),
                                       (lambda v: np.exp(10 * v), 1.0, 10 * np.exp(10.0))])
def test_one_sided_values_are_accurate_and_honest_near_trouble(f, x, exact):
    sides = one_sided(f, np.array([x]), 0)
    for value, err in ((sides.left[0], sides.left_err[0]), (sides.right[0], sides.right_err[0])):
        assert abs(value - exact) <= err and err <= 1e-6 * abs(exact)


def test_domain_edge_is_an_undefined_side_not_a_kink():
    sides = one_sided(np.sqrt, np.array([0.0]), 0)
    assert not sides.left_defined and np.isnan(sides.left[0]) and np.isinf(sides.left_err[0])
    assert check_differentiable(np.sqrt, np.array([0.0])) == []
    # a one-sided domain with a finite slope: x^2 + sqrt-domain guard, at the edge
    f = lambda v: np.where(v >= 0, v**2 + v, np.nan)
    sides = one_sided(f, np.array([0.0]), 0)
    assert not sides.left_defined and sides.right[0] == pytest.approx(1.0, abs=1e-9)
    assert check_differentiable(f, np.array([0.0])) == []


def test_only_the_kinked_coordinate_and_output_are_reported():
    f = lambda v: np.array([v[0] ** 2 + v[1], np.abs(v[1]) * np.exp(v[0]), np.sin(v[0] * v[1])])
    kinks = check_differentiable(f, np.array([0.3, 0.0]))
    assert [(k.index, k.output) for k in kinks] == [(1, 1)]
    assert kinks[0].left == pytest.approx(-np.exp(0.3)) and kinks[0].right == pytest.approx(np.exp(0.3))


def test_scale_hides_tiny_slope_jumps():
    f = lambda v: 1e-9 * np.abs(v) + 5.0
    assert len(check_differentiable(f, np.array([0.0]))) == 1
    # a jump far below the slope itself is within the relative slack
    assert check_differentiable(lambda v: 1e-9 * np.abs(v) + v, np.array([0.0])) == []
    assert check_differentiable(f, np.array([0.0]), scale=1.0) == []


def test_directional_kink():
    f = lambda v: np.abs(v[0] - v[1]) + v[2] ** 2
    x = np.array([1.0, 1.0, 0.5])
    kinks = check_directional_kink(f, x, [1.0, -1.0, 0.0])
    assert len(kinks) == 1 and kinks[0].index is None
    assert kinks[0].left == pytest.approx(-2.0) and kinks[0].right == pytest.approx(2.0)
    assert "along v" in kinks[0].describe()
    assert check_directional_kink(f, x, [1.0, 1.0, 0.3]) == []
    assert check_directional_kink(f, x, [0.0, 0.0, 0.0]) == []
    assert len(check_directional_kink(f, x, [1.0, 0.0, 0.0])) == 1


def test_dataclasses_are_frozen():
    k = Kink(0, 0, -1.0, 1.0)
    with pytest.raises(AttributeError):
        k.left = 0.0
    assert isinstance(one_sided(np.exp, np.array([0.0]), 0), OneSided)


coef = st.floats(-3.0, 3.0)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(a=coef, b=coef, c=coef, d=coef, p=coef, x=st.floats(-3.0, 3.0))
def test_smooth_family_is_never_flagged(a, b, c, d, p, x):
    f = lambda v: a * np.sin(b * v) + c * np.exp(d * v) + p * v**2
    assert check_differentiable(f, np.array([x])) == []


@settings(derandomize=True, max_examples=60, deadline=None)
@given(k=st.floats(0.01, 3.0), at=st.floats(-2.0, 2.0), a=coef, b=coef, c=coef)
def test_kinked_family_is_always_flagged(k, at, a, b, c):
    # slope jumps by 2k at x = at, on top of a smooth part with slope g
    f = lambda v: k * np.abs(v - at) + a * np.sin(b * v) + c * v**2
    g = a * b * np.cos(b * at) + 2 * c * at
    kinks = check_differentiable(f, np.array([at]))
    assert len(kinks) == 1
    assert kinks[0].left == pytest.approx(g - k, abs=1e-6 * (1 + abs(g) + k))
    assert kinks[0].right == pytest.approx(g + k, abs=1e-6 * (1 + abs(g) + k))
