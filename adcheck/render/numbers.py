"""Number formatting shared by the renderers (plain strings, no rich)."""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Optional

DASH = "—"


def full(x: Optional[float]) -> str:
    """A float with all the digits it needs to round-trip (at most 17 significant)."""
    if x is None:
        return "n/a"
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = repr(x)
    return text[:-2] if text.endswith(".0") else text


def short(x: Optional[float], digits: int = 2) -> str:
    """An error or tolerance: ``1.5e-08``; exact zero as ``0``; None as a dash."""
    if x is None:
        return DASH
    x = float(x)
    if x == 0:
        return "0"
    if not math.isfinite(x):
        return full(x)
    return f"{x:.{digits - 1}e}"


def decimal_digits(text: Optional[str], significant: int = 20) -> Optional[str]:
    """A decimal string (e.g. sympy's exact value) rounded to ``significant`` digits."""
    if not text:
        return None
    try:
        return f"{Decimal(text.strip()):.{significant}g}"
    except (InvalidOperation, ValueError):
        return text


def duration(seconds: Optional[float]) -> str:
    """Wall time in µs, ms or s, three significant digits."""
    if seconds is None:
        return DASH
    s = float(seconds)
    if s < 1e-3:
        return f"{s * 1e6:.3g} µs"
    if s < 1:
        return f"{s * 1e3:.3g} ms"
    return f"{s:.3g} s"


def common_prefix(a: str, b: str) -> int:
    """How many leading characters two number strings share."""
    n = 0
    for ca, cb in zip(a, b):
        if ca != cb:
            break
        n += 1
    return n


def vector(values, limit: int = 8) -> str:
    """A short list display: ``[1, 6, 0.84]``, cut after ``limit`` entries."""
    if not isinstance(values, (tuple, list)):
        return full(values)
    flat = list(_flatten(values))
    shown = ", ".join(full(v) for v in flat[:limit])
    more = f", … ({len(flat)} in all)" if len(flat) > limit else ""
    return f"[{shown}{more}]"


def _flatten(values):
    for v in values:
        if isinstance(v, (tuple, list)):
            yield from _flatten(v)
        else:
            yield v


def norm(values) -> Optional[float]:
    """The 2-norm (Frobenius for nested) of a tuple of floats; None if any entry is missing."""
    flat = list(_flatten(values))
    if any(v is None for v in flat):
        return None
    return math.sqrt(sum(float(v) ** 2 for v in flat))


def log10_or_none(x: Optional[float]) -> Optional[float]:
    """log10 of a positive finite number; None for zero, None, NaN or inf."""
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x) or x <= 0:
        return None
    return math.log10(x)
