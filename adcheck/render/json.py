"""JSON documents for ``--format json``: a report, or an error.  Strings only; the CLI prints them.

The report document is ``Report.to_dict()`` (its fields are the DESIGN.md
contract).  :func:`json_safe` is a guard on the way out: non-finite floats
become ``null`` and NumPy scalars plain numbers, so the output is strict
JSON that every parser accepts even if a field was added carelessly.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adcheck.analysis.results import Report


def report_json(report: "Report") -> str:
    """The report as one JSON document."""
    return json.dumps(json_safe(report.to_dict()), allow_nan=False)


def error_json(exc: BaseException, exit_code: int) -> str:
    """``{"error": {"type": ..., "message": ...}, "exit_code": N}`` (plus ``hint`` when there is one).

    Unexpected exceptions (bugs) get the type ``InternalError``.
    """
    from adcheck.errors import AdcheckError

    if isinstance(exc, AdcheckError):
        error = {"type": exc.type_name, "message": exc.message}
    else:  # a bug in adcheck: name it as such, keep the original exception in the message
        detail = str(exc).splitlines()[0] if str(exc) else ""
        error = {"type": "InternalError",
                 "message": f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__}
    hint = getattr(exc, "hint", None)
    if hint:
        error["hint"] = hint
    return json.dumps(json_safe({"error": error, "exit_code": exit_code}), allow_nan=False)


def json_safe(value):
    """``value`` with NaN/inf as None, tuples as lists and NumPy scalars as Python numbers."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    item = getattr(value, "item", None)  # NumPy scalar or 0-d array
    if callable(item):
        try:
            return json_safe(item())
        except (TypeError, ValueError):
            pass
    tolist = getattr(value, "tolist", None)  # NumPy array
    if callable(tolist):
        return json_safe(tolist())
    return str(value)
