"""What every method returns: an :class:`Estimate` of the flattened Jacobian."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

# Method names as they appear in output and JSON (DESIGN.md), in display order.
METHODS = (
    "symbolic",
    "forward",
    "reverse",
    "fd-forward",
    "fd-central",
    "fd-richardson",
    "complex-step",
)
AD_METHODS = ("forward", "reverse")
FD_METHODS = ("fd-forward", "fd-central", "fd-richardson")


@dataclass
class Estimate:
    """One method's Jacobian of f at x0.

    jacobian:    float64 array (m, n), rows = outputs, columns = inputs (flattened).
    err_est:     the method's own estimate of its absolute error per entry (m, n),
                 or None where the method has no estimate (AD: round-off only).
    evaluations: how many times f was evaluated (FD) or passes made (AD).
    seconds:     wall time of the computation.
    step:        the step(s) used, for FD methods (array (n,) or None).
    detail:      free-form extras (the symbolic derivative's text, ...).
    """

    method: str
    jacobian: np.ndarray
    err_est: Optional[np.ndarray] = None
    evaluations: int = 0
    seconds: float = 0.0
    step: Optional[np.ndarray] = None
    detail: dict = field(default_factory=dict)
