"""Points for Python-file targets: one float64 array per argument of ``f(x, y, ...)``.

Unlike :mod:`adcheck.frontends.points` (one flat vector of named scalars),
each argument keeps the shape of its value.  Accepted forms:

* ``1.5``, ``-pi/2``                   a number (``pi`` / ``e`` multiples too);
* ``[1, 2, 0.5]``, ``[[1, 2], [3, 4]]`` (nested) lists; bare ``1,2,0.5`` is a list;
* ``{"x": [1, 2], "y": 3}``            a JSON object, one value per argument;
* ``x=[1,2],y=3``                      the same, without JSON quoting;
* ``@file.json`` / ``@file.npy`` / ``@file.npz``   read from a file (the
  ``.npy`` shape is kept; a ``.npz`` holds one array per argument);
* a Python value (from ``ADCHECK_POINTS``): a number, nested list, ndarray,
  or a dict from argument name to any of these (or to a string as above).

A one-argument function takes any value for that argument; a function of
several takes them by name, or as a list with one entry per argument.
Nothing is eval'd.  Every problem (missing or unknown names, ragged lists,
non-numeric or non-finite values) raises :class:`~adcheck.errors.PointError`.
"""

from __future__ import annotations

import json
import os
import re
from typing import Optional, Sequence

import numpy as np

from adcheck.errors import PointError
from adcheck.frontends.points import parse_value

__all__ = ["argument_point", "variable_names"]


def argument_point(spec, arg_names: Sequence[str], label: str,
                   folder: Optional[str] = None) -> dict:
    """One finite float64 array per input of ``label`` from ``spec`` (text or Python value).

    ``folder`` resolves a relative ``@file`` (None: the current directory).
    """
    return _by_argument(_read(spec, folder), list(arg_names), label)


def variable_names(arg: str, shape: tuple) -> list:
    """``y`` for a scalar, ``x[0]``, ``x[1]``... for a vector, ``W[0,1]``... for a matrix."""
    if shape == ():
        return [arg]
    return [f"{arg}[{','.join(map(str, idx))}]" for idx in np.ndindex(*shape)]


def _by_argument(data, arg_names: list, label: str) -> dict:
    if isinstance(data, dict):
        unknown = [k for k in data if k not in arg_names]
        missing = [a for a in arg_names if a not in data]
        if unknown or missing:
            what = f"unknown argument {', '.join(map(str, unknown))}" if unknown else \
                f"no value for {', '.join(missing)}"
            raise PointError(f"{what} (the inputs of {label} are {', '.join(arg_names)})")
        return {a: _array(data[a], a) for a in arg_names}
    if len(arg_names) == 1:
        return {arg_names[0]: _array(data, arg_names[0])}
    listed = isinstance(data, (list, tuple)) or (isinstance(data, np.ndarray) and data.ndim)
    if listed and len(data) == len(arg_names):
        return {a: _array(v, a) for a, v in zip(arg_names, data)}
    example = ",".join(f"{a}=..." for a in arg_names)
    raise PointError(f"{label} takes {len(arg_names)} inputs ({', '.join(arg_names)}): give one "
                     f"value each, e.g. --at '{example}'")


def _read(spec, folder: Optional[str]):
    """--at text (or a Python value) -> number, nested list, ndarray or dict of those."""
    if not isinstance(spec, str):
        return spec
    s = spec.strip()
    if not s:
        raise PointError("empty point")
    if s.startswith("@"):
        return _read_file(s[1:].strip(), folder)
    if s.startswith("{"):
        try:
            data = json.loads(s, parse_constant=_refuse)
        except ValueError as exc:
            raise PointError(f"point {s!r} is not a valid JSON object: {exc}") from None
        if not isinstance(data, dict):
            raise PointError(f"point {s!r} is not a JSON object")
        return data
    parts = _split_top(s)
    if all("=" in p for p in parts):
        named = {}
        for part in parts:
            key, _, value = part.partition("=")
            key = key.strip()
            if not key.isidentifier():
                raise PointError(f"{key!r} is not an argument name (in {s!r})")
            if key in named:
                raise PointError(f"{key} is given more than once (in {s!r})")
            named[key] = _nested(value, f"value for {key}")
        return named
    if any("=" in p for p in parts):
        raise PointError(f"give every value as name=value, or none of them (in {s!r})")
    values = [_nested(p, "point") for p in parts]
    return values[0] if len(values) == 1 else values


def _read_file(path: str, folder: Optional[str]):
    if not path:
        raise PointError("'@' must be followed by a file name")
    full = os.path.join(folder, path) if folder and not os.path.isabs(path) else path
    if not os.path.isfile(full):
        raise PointError(f"point file {path!r} not found")
    try:
        if full.lower().endswith(".npz"):
            with np.load(full, allow_pickle=False) as data:
                return {k: data[k] for k in data.files}
        if full.lower().endswith(".npy"):
            return np.load(full, allow_pickle=False)
        with open(full, encoding="utf-8") as fh:
            return json.load(fh, parse_constant=_refuse)
    except (OSError, ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise PointError(f"cannot read point file {path!r}: {exc}") from None


def _refuse(name: str):
    raise ValueError(f"{name} is not finite (a point must be finite)")


def _split_top(s: str) -> list:
    """``s`` cut at the commas outside brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(s):
        depth += (ch == "[") - (ch == "]")
        if ch == "," and depth == 0:
            parts.append(s[start:i])
            start = i + 1
    return parts + [s[start:]]


def _nested(text: str, what: str):
    """``1.5``, ``-pi/2`` or nested ``[...]`` lists of those, as Python floats/lists."""
    toks = [t for t in re.split(r"\s*([\[\],])\s*", text.strip()) if t]
    pos = 0

    def item():
        nonlocal pos
        if pos >= len(toks):
            raise PointError(f"{what}: {text.strip()!r} ends too early (unbalanced brackets?)")
        tok, pos = toks[pos], pos + 1
        if tok in ("]", ","):
            raise PointError(f"{what}: unexpected {tok!r} in {text.strip()!r}")
        if tok != "[":
            return parse_value(tok, what)
        out = []
        if pos < len(toks) and toks[pos] == "]":
            pos += 1
            return out
        while True:
            out.append(item())
            if pos >= len(toks):
                raise PointError(f"{what}: {text.strip()!r} ends too early (unbalanced brackets?)")
            sep, pos = toks[pos], pos + 1
            if sep == "]":
                return out
            if sep != ",":
                raise PointError(f"{what}: expected ',' or ']' in {text.strip()!r}")

    value = item()
    if pos != len(toks):
        raise PointError(f"{what}: unexpected {toks[pos]!r} in {text.strip()!r}")
    return value


def _array(value, name: str) -> np.ndarray:
    """A finite, non-empty float64 array from a number, nested list, ndarray or string."""
    what = f"value for {name}"
    if isinstance(value, str):
        value = _nested(value, what)
    _check_leaves(value, what)
    try:
        arr = np.array(value, dtype=np.float64)
    except ValueError:
        raise PointError(f"{what} is a ragged list (rows of different lengths)") from None
    except OverflowError:
        raise PointError(f"{what} is not finite (a point must be finite)") from None
    if arr.size == 0:
        raise PointError(f"{what} is empty")
    if not np.all(np.isfinite(arr)):
        raise PointError(f"{what} is not finite (a point must be finite)")
    return arr


def _check_leaves(value, what: str) -> None:
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "iuf":
            raise PointError(f"{what} is an array of {value.dtype}, not of real numbers")
    elif isinstance(value, (list, tuple)):
        for v in value:
            _check_leaves(v, what)
    elif isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)) \
            or isinstance(value, np.complexfloating):
        raise PointError(f"{what}: {value!r} is not a real number")
