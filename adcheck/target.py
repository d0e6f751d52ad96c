"""Target: the one contract between frontends and methods.

A frontend (an expression string, a Python file) produces a :class:`Target`;
every method consumes only this.  ``f`` maps an ndarray shaped like ``x0`` to
an ndarray (or scalar); it is plain NumPy code, so tracers pass through it.
Jacobians are always reported flattened: shape ``(m, n)`` with
``n = x0.size`` and ``m = f(x0).size``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as np


@dataclass(frozen=True)
class SympyForm:
    """An exact form of f: sympy symbols (one per scalar input) and output exprs."""

    symbols: tuple          # sympy.Symbol, one per entry of x0 (flattened)
    exprs: tuple            # sympy expressions, one per entry of f(x0) (flattened)
    text: Optional[str] = None   # a readable form of f, if any


@dataclass
class Target:
    """A function to differentiate and the point to do it at.

    f:            ndarray shaped like x0 -> ndarray or scalar.
    x0:           the point, float64, in f's natural input shape.
    variables:    a display name per flattened input entry (``x``, ``x1``, ``x[2]``).
    name:         what to call f in reports.
    origin:       ``"expression"`` or ``"file"`` (or another frontend's name).
    sympy_form:   builds the exact form on demand (sympy is imported lazily);
                  ``None`` lets the symbolic method lift f itself.
    complex_analytic: True/False when the frontend knows; ``None`` = decide by tracing.
    text:         the user's original text of the target, unchanged.
    """

    f: Callable[[np.ndarray], Any]
    x0: np.ndarray
    variables: Sequence[str]
    name: str = "f"
    origin: str = "expression"
    sympy_form: Optional[Callable[[], SympyForm]] = None
    complex_analytic: Optional[bool] = None
    text: str = ""
    notes: list = field(default_factory=list)

    def __post_init__(self):
        self.x0 = np.array(self.x0, dtype=np.float64)
        if len(self.variables) != self.x0.size:
            raise ValueError("one variable name per entry of x0")
        self._y0 = None

    @property
    def n(self) -> int:
        return int(self.x0.size)

    @property
    def value(self) -> np.ndarray:
        """f(x0) as a float64 ndarray (computed once)."""
        if self._y0 is None:
            self._y0 = np.asarray(self.f(self.x0.copy()))
        return self._y0

    @property
    def m(self) -> int:
        return int(self.value.size)

    @property
    def out_shape(self) -> tuple:
        return tuple(self.value.shape)

    def flat_f(self, x_flat: np.ndarray) -> np.ndarray:
        """f on a flat input, flat output: what difference formulas use."""
        x = np.asarray(x_flat).reshape(self.x0.shape)
        return np.asarray(self.f(x)).reshape(-1)

    def point_dict(self) -> dict:
        return {v: float(x) for v, x in zip(self.variables, self.x0.reshape(-1))}
