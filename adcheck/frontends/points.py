"""``--at`` / ``--v`` parsing: text -> a finite float64 vector (never eval).

Accepted forms (whitespace around tokens is ignored):

* ``1.5``                 one value (for one variable);
* ``1,2``  or ``[1, 2]``  values by position, in the natural variable order;
* ``x=1,y=2``             values by name, in any order (points only, not ``--v``);
* ``@file.json``          a JSON number, a list (nested lists are flattened in
                          order) or an object ``{"x": 1, ...}``;
* ``@file.npy``           a NumPy array (loaded with ``allow_pickle=False``).

A value is a decimal number (``-2``, ``0.5``, ``1e-8``) or a multiple of the
constants ``pi`` / ``e``: ``pi``, ``-pi/2``, ``2*pi``, ``3*pi/4``.  A point must
be finite: ``inf`` / ``nan`` (or a number that overflows) are refused.
Every problem raises :class:`~adcheck.errors.PointError` naming the variable,
name or token at fault.
"""

from __future__ import annotations

import math
import os
import re
from typing import Optional, Sequence

import numpy as np

from adcheck.errors import PointError

__all__ = ["parse_point", "parse_vector", "parse_value"]

_UNSIGNED = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_VALUE = re.compile(
    rf"(?P<sign>[+-])?\s*(?:(?P<num>{_UNSIGNED})"
    rf"|(?:(?P<k>{_UNSIGNED})\s*\*\s*)?(?P<const>pi|e)(?:\s*/\s*(?P<d>{_UNSIGNED}))?)\Z")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NONFINITE = {"inf", "infinity", "nan"}


def parse_value(token: str, what: str = "value") -> float:
    """One finite number from text: ``-1.5``, ``1e-8``, ``pi``, ``-3*pi/4``."""
    tok = token.strip()
    m = _VALUE.match(tok)
    if m is None:
        if tok.lstrip("+-").strip().lower() in _NONFINITE:
            raise PointError(f"{what}: {tok!r} is not finite (a point must be finite)")
        raise PointError(f"{what}: {tok!r} is not a number" if tok else f"{what} is empty")
    if m["num"] is not None:
        v = float(m["num"])
    else:
        v = math.pi if m["const"] == "pi" else math.e
        v = v * float(m["k"] or 1.0) / float(m["d"] or 1.0)
    v = -v if m["sign"] == "-" else v
    if not math.isfinite(v):
        raise PointError(f"{what}: {tok!r} is not finite (a point must be finite)")
    return v


def parse_point(spec: Optional[str], variables: Sequence[str]) -> np.ndarray:
    """The point for ``variables`` (in their order) as a float64 array of shape (n,)."""
    variables = list(variables)
    n = len(variables)
    if spec is None:
        if n == 0:
            return np.zeros(0)
        example = ",".join(f"{v}=1" for v in variables) if n <= 4 else ",".join(["1"] * n)
        raise PointError(f"no point given: use --at {example}  (variables: {', '.join(variables)})")
    values = _read(spec, "point")
    if isinstance(values, dict):
        return _by_name(values, variables)
    return _check_count(values, n, "point", variables)


def parse_vector(spec: Optional[str], n: int) -> np.ndarray:
    """A direction vector (``--v``) of n values, by position only."""
    if spec is None:
        raise PointError(f"no vector given: use --v with {n} value{'s' * (n != 1)}, e.g. "
                         f"--v {','.join(['1'] * max(n, 1))}")
    values = _read(spec, "vector")
    if isinstance(values, dict):
        raise PointError("a vector (--v) takes values by position, not by name")
    return _check_count(values, n, "vector", None)


def _read(spec, kind: str):
    """Text (or a Python number / sequence) -> list of floats or dict name -> float."""
    if not isinstance(spec, str):
        return _from_object(spec, kind, repr(spec))
    s = spec.strip()
    if not s:
        raise PointError(f"empty {kind}")
    if s.startswith("@"):
        return _from_file(s[1:].strip(), kind)
    if s.startswith("[") or s.endswith("]"):
        if not (s.startswith("[") and s.endswith("]")):
            raise PointError(f"unbalanced brackets in {kind} {s!r}")
        return _positional(s[1:-1], kind)
    if "=" in s:
        return _named(s, kind)
    return _positional(s, kind)


def _positional(s: str, kind: str) -> list:
    parts = s.split(",")
    if len(parts) == 1 and not parts[0].strip():
        raise PointError(f"empty {kind}")
    return [parse_value(p, f"{kind} value {i + 1}") for i, p in enumerate(parts)]


def _named(s: str, kind: str) -> dict:
    if kind == "vector":
        raise PointError("a vector (--v) takes values by position, not by name")
    out: dict = {}
    duplicates = []
    for part in s.split(","):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep:
            raise PointError(f"{part.strip()!r} has no name: give every value as name=value, "
                             "or none of them")
        if not _NAME.match(name):
            raise PointError(f"{name!r} is not a variable name (in {part.strip()!r})")
        if name in out:
            duplicates.append(name)
        out[name] = parse_value(value, f"value for {name}")
    if duplicates:
        raise PointError(f"variable given more than once: {', '.join(sorted(set(duplicates)))}")
    return out


def _by_name(values: dict, variables: list) -> np.ndarray:
    unknown = [k for k in values if k not in variables]
    missing = [v for v in variables if v not in values]
    if unknown:
        raise PointError(f"unknown variable{'s' * (len(unknown) > 1)} {', '.join(unknown)} "
                         f"(the variables are {', '.join(variables) or 'none'})")
    if missing:
        raise PointError(f"no value for {', '.join(missing)}")
    return np.array([values[v] for v in variables], dtype=np.float64)


def _check_count(values: list, n: int, kind: str, variables) -> np.ndarray:
    if len(values) != n:
        order = f" ({', '.join(variables)}, in this order)" if variables else ""
        raise PointError(f"the {kind} needs {n} value{'s' * (n != 1)}{order}, got {len(values)}")
    return np.array(values, dtype=np.float64).reshape(n)


def _from_file(path: str, kind: str):
    if not path:
        raise PointError(f"'@' must be followed by a file name for the {kind}")
    if not os.path.isfile(path):
        raise PointError(f"{kind} file {path!r} not found")
    try:
        if path.lower().endswith(".npy"):
            arr = np.load(path, allow_pickle=False)
            if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "iuf":
                raise PointError(f"{kind} file {path!r} does not hold a real numeric array")
            return _finite(arr.astype(np.float64).reshape(-1).tolist(), path)
        import json  # here: only a point file needs it

        with open(path, encoding="utf-8") as fh:
            data = json.load(fh, parse_constant=_refuse_constant)
    except (OSError, ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise PointError(f"cannot read {kind} file {path!r}: {exc}") from None
    return _from_object(data, kind, repr(path))


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not finite (a point must be finite)")


def _from_object(data, kind: str, where: str):
    """A number, a (nested) list of numbers, or a dict name -> number."""
    if isinstance(data, dict):
        if kind == "vector":
            raise PointError("a vector (--v) takes values by position, not by name")
        return {str(k): _number(v, f"value for {k}") for k, v in data.items()}
    flat: list = []
    todo = [data]
    while todo:
        item = todo.pop()
        if isinstance(item, (list, tuple, np.ndarray)):
            todo.extend(reversed(list(item)))
        else:
            flat.append(_number(item, f"{kind} in {where}"))
    return _finite(flat, where)


def _number(v, what: str) -> float:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise PointError(f"{what}: {v!r} is not a number")
    try:
        x = float(v)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        raise PointError(f"{what}: {v!r} is not finite (a point must be finite)")
    return x


def _finite(values: list, where: str) -> list:
    if not all(math.isfinite(v) for v in values):
        raise PointError(f"{where} holds a non-finite value (a point must be finite)")
    return values
