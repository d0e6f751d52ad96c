"""``--at`` / ``--v`` parsing: every accepted syntax and every refusal."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from adcheck.errors import PointError
from adcheck.frontends.points import parse_point, parse_value, parse_vector

XY = ["x", "y"]


@pytest.mark.parametrize("spec, variables, expected", [
    ("1.5", ["x"], [1.5]),
    ("  -2 ", ["x"], [-2.0]),
    ("1e-8", ["x"], [1e-8]),
    ("+.5", ["x"], [0.5]),
    ("3.", ["x"], [3.0]),
    ("-1.2E+2", ["x"], [-120.0]),
    ("x=1,y=2", XY, [1.0, 2.0]),
    ("y = 2 , x = 1", XY, [1.0, 2.0]),
    ("1,2", XY, [1.0, 2.0]),
    (" 1 , 2 ", XY, [1.0, 2.0]),
    ("[1, 2, 3]", ["x1", "x2", "x10"], [1.0, 2.0, 3.0]),
    ("[ 1.5 ]", ["x"], [1.5]),
    ("x=1.5", ["x"], [1.5]),
    ("pi", ["x"], [math.pi]),
    ("-pi/2", ["x"], [-math.pi / 2]),
    ("3*pi/4", ["x"], [3 * math.pi / 4]),
    ("2 * e", ["x"], [2 * math.e]),
    ("theta=pi/6, r=2", ["r", "theta"], [2.0, math.pi / 6]),
])
def test_accepted(spec, variables, expected):
    out = parse_point(spec, variables)
    assert out.dtype == np.float64 and out.shape == (len(variables),)
    np.testing.assert_allclose(out, expected, rtol=1e-15)


@pytest.mark.parametrize("spec, variables, message", [
    (None, ["x"], "no point given: use --at"),
    ("", ["x"], "empty point"),
    ("   ", ["x"], "empty point"),
    ("1,2", ["x"], r"needs 1 value \(x, in this order\), got 2"),
    ("1", XY, r"needs 2 values \(x, y, in this order\), got 1"),
    ("x=1", XY, "no value for y"),
    ("x=1,y=2,z=3", XY, "unknown variable z"),
    ("x=1,x=2,y=3", XY, "more than once: x"),
    ("x=1,2", XY, "'2' has no name"),
    ("1,,2", ["a", "b", "c"], "point value 2 is empty"),
    ("1,2,", XY + ["z"], "point value 3 is empty"),
    ("abc", ["x"], "'abc' is not a number"),
    ("x=two", ["x"], "value for x: 'two' is not a number"),
    ("1;2", XY, "'1;2' is not a number"),
    ("inf", ["x"], "not finite"),
    ("-inf", ["x"], "not finite"),
    ("nan", ["x"], "not finite"),
    ("x=NaN", ["x"], "not finite"),
    ("1e400", ["x"], "not finite"),
    ("[1, 2", XY, "unbalanced"),
    ("1, 2]", XY, "unbalanced"),
    ("[[1], [2]]", XY, "is not a number"),
    ("__import__('os')", ["x"], "is not a number"),
    ("1 2", XY, "'1 2' is not a number"),
    ("2x=1", ["x"], "not a variable name"),
    ("@", ["x"], "followed by a file name"),
    ("@does-not-exist.json", ["x"], "not found"),
])
def test_refused(spec, variables, message):
    with pytest.raises(PointError, match=message):
        parse_point(spec, variables)


def test_no_variables_no_point():
    assert parse_point(None, []).shape == (0,)


def test_point_error_exit_code():
    with pytest.raises(PointError) as info:
        parse_point("x", ["x"])
    assert info.value.exit_code == 2


def test_parse_value():
    assert parse_value("-3*pi/4") == pytest.approx(-3 * math.pi / 4)
    with pytest.raises(PointError, match="v: '1/0' is not a number"):
        parse_value("1/0", "v")


# ---- files ----------------------------------------------------------------------------

def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return f"@{path}"


@pytest.mark.parametrize("data, variables, expected", [
    (2.5, ["x"], [2.5]),
    ([1, 2], XY, [1.0, 2.0]),
    ([[1, 2], [3, 4]], ["a", "b", "c", "d"], [1.0, 2.0, 3.0, 4.0]),
    ({"y": 2, "x": 1.5}, XY, [1.5, 2.0]),
])
def test_json_file(tmp_path, data, variables, expected):
    spec = write(tmp_path, "p.json", data)
    np.testing.assert_array_equal(parse_point(spec, variables), expected)
    np.testing.assert_array_equal(parse_point(" @ " + spec[1:], variables), expected)


@pytest.mark.parametrize("text, message", [
    ('{"x": 1}', "no value for y"),
    ('{"x": 1, "y": 2, "z": 3}', "unknown variable z"),
    ('{"x": "1", "y": 2}', "value for x: '1' is not a number"),
    ('[1, true]', "is not a number"),
    ('[1, NaN]', "not finite"),
    ('[1, Infinity]', "not finite"),
    ('[1, 1e400]', "not finite"),
    ('[1, 2, 3]', "got 3"),
    ('[1, ', "cannot read"),
    ('"1, 2"', "is not a number"),
    ('null', "is not a number"),
    ('[' * 100000 + ']' * 100000, "cannot read"),
])
def test_json_file_refused(tmp_path, text, message):
    with pytest.raises(PointError, match=message):
        parse_point(write(tmp_path, "p.json", text), XY)


def test_npy_file(tmp_path):
    path = tmp_path / "p.npy"
    np.save(path, np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(parse_point(f"@{path}", list("abcd")), [1, 2, 3, 4])
    np.save(path, np.arange(3))
    np.testing.assert_array_equal(parse_vector(f"@{path}", 3), [0.0, 1.0, 2.0])


@pytest.mark.parametrize("array, message", [
    (np.array([1.0, np.nan]), "non-finite"),
    (np.array([1 + 1j, 2]), "real numeric"),
    (np.array(["a", "b"]), "real numeric"),
    (np.array([True, False]), "real numeric"),
    (np.array([1.0, 2.0, 3.0]), "got 3"),
])
def test_npy_file_refused(tmp_path, array, message):
    path = tmp_path / "p.npy"
    np.save(path, array)
    with pytest.raises(PointError, match=message):
        parse_point(f"@{path}", XY)


def test_npy_pickle_refused(tmp_path):
    path = tmp_path / "p.npy"
    np.save(path, np.array([{"x": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(PointError, match="cannot read"):
        parse_point(f"@{path}", XY)


def test_npy_garbage(tmp_path):
    path = tmp_path / "p.npy"
    path.write_bytes(b"not an npy file")
    with pytest.raises(PointError, match="cannot read"):
        parse_point(f"@{path}", XY)


# ---- --v ----------------------------------------------------------------------------

@pytest.mark.parametrize("spec, n, expected", [
    ("1,0", 2, [1.0, 0.0]),
    ("[0.5, -1, pi]", 3, [0.5, -1.0, math.pi]),
    ("2", 1, [2.0]),
])
def test_vector(spec, n, expected):
    out = parse_vector(spec, n)
    assert out.dtype == np.float64 and out.shape == (n,)
    np.testing.assert_allclose(out, expected)


@pytest.mark.parametrize("spec, n, message", [
    (None, 2, "no vector given"),
    ("x=1,y=2", 2, "by position, not by name"),
    ("1,2,3", 2, r"needs 2 values, got 3"),
    ("1,inf", 2, "not finite"),
    ("a,b", 2, "is not a number"),
])
def test_vector_refused(spec, n, message):
    with pytest.raises(PointError, match=message):
        parse_vector(spec, n)


def test_vector_json_object_refused(tmp_path):
    with pytest.raises(PointError, match="by position"):
        parse_vector(write(tmp_path, "v.json", {"x": 1}), 1)
    np.testing.assert_array_equal(parse_vector(write(tmp_path, "v.json", [1, 2]), 2), [1, 2])


def test_python_values_accepted():
    np.testing.assert_array_equal(parse_point([1, 2], XY), [1.0, 2.0])
    np.testing.assert_array_equal(parse_point({"y": 2, "x": 1}, XY), [1.0, 2.0])
    np.testing.assert_array_equal(parse_vector(np.array([3.0]), 1), [3.0])
    with pytest.raises(PointError, match="not finite"):
        parse_point(float("nan"), ["x"])
