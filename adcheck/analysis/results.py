"""Reports: frozen, JSON-safe records of what the analysis found.  No printing here.

Arrays are stored as tuples of floats (or nested tuples), so every record is
immutable and ``to_dict()`` gives plain JSON types.  Renderers read these.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional


def _num(x):
    """A JSON-safe float (NaN/inf become None)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _nested(a):
    if isinstance(a, (tuple, list)):
        return [_nested(e) for e in a]
    return _num(a)


def as_tuple(a):
    """A numpy array (any shape) as nested tuples of Python floats."""
    import numpy as np

    arr = np.asarray(a, dtype=float)
    if arr.ndim == 0:
        return float(arr)
    return tuple(as_tuple(e) for e in arr)


@dataclass(frozen=True)
class MethodResult:
    """One method's derivative and how far it is from the reference.

    jacobian:   (m, n) nested tuples; for a scalar f the gradient is row 0.
    abs_error:  max |this - reference| over entries (None for the reference itself / no reference).
    rel_error:  abs_error / max|reference| (None when undefined).
    err_est:    the method's own error estimate (max over entries), FD only.
    tolerance:  the largest error allowed for this method by the verdict's model.
    agrees:     within tolerance of the reference (None when not judged).
    error:      why the method could not run (then the numbers are None).
    """

    method: str
    jacobian: Optional[tuple] = None
    abs_error: Optional[float] = None
    rel_error: Optional[float] = None
    err_est: Optional[float] = None
    tolerance: Optional[float] = None
    agrees: Optional[bool] = None
    seconds: float = 0.0
    evaluations: int = 0
    error: Optional[str] = None
    note: Optional[str] = None
    worst: Optional[tuple] = None  # (output i, input j) of the largest error

    def to_dict(self, scalar_output: bool) -> dict:
        if self.error is not None:
            return {"error": self.error}
        d = {}
        if scalar_output:
            d["gradient"] = _nested(self.jacobian[0])
        else:
            d["jacobian"] = _nested(self.jacobian)
        d.update({"abs_error": _num(self.abs_error), "rel_error": _num(self.rel_error),
                  "err_est": _num(self.err_est), "tolerance": _num(self.tolerance),
                  "agrees": self.agrees, "seconds": self.seconds, "evaluations": self.evaluations})
        if self.note:
            d["note"] = self.note
        return d


@dataclass(frozen=True)
class Kink:
    """f is not differentiable along input j for output i: the one-sided derivatives differ."""

    output: int
    variable: str
    left: float
    right: float


@dataclass(frozen=True)
class StepRow:
    h: float
    forward: Optional[float]
    central: Optional[float]
    richardson: Optional[float]
    forward_error: Optional[float] = None
    central_error: Optional[float] = None
    richardson_error: Optional[float] = None


@dataclass(frozen=True)
class StepReport:
    """The step sweep for one input variable and one output."""

    variable: str
    rows: tuple  # of StepRow, h decreasing
    best_h: dict  # scheme -> h with the smallest error
    optimal_h: dict  # scheme -> theoretical optimum (√ε·scale, ∛ε·scale)
    exact: Optional[float] = None

    def to_dict(self) -> dict:
        return {"variable": self.variable, "exact": _num(self.exact),
                "best_h": {k: _num(v) for k, v in self.best_h.items()},
                "optimal_h": {k: _num(v) for k, v in self.optimal_h.items()},
                "rows": [{k: _num(getattr(r, k)) for k in StepRow.__dataclass_fields__} for r in self.rows]}


@dataclass(frozen=True)
class Report:
    """Everything ``adcheck grad`` / ``jacobian`` found, ready to render.

    verdict:   one line for people ("all 7 methods agree ...", "reverse differs ...").
    exit_code: 0 pass, 1 mismatch, 3 inconclusive (DESIGN.md).
    """

    command: str
    target: str
    variables: tuple
    point: dict
    value: object           # float for a scalar f, nested tuple otherwise
    shape: tuple            # (m, n)
    reference: Optional[str]
    methods: tuple          # of MethodResult, in display order
    verdict: str
    passed: bool
    exit_code: int
    derivative_text: Optional[tuple] = None   # symbolic derivative(s) per variable (scalar f)
    expression: Optional[str] = None
    kinks: tuple = ()
    steps: tuple = ()       # of StepReport
    notes: tuple = ()
    reference_digits: Optional[tuple] = None  # exact values as decimal strings (symbolic)
    extra: dict = field(default_factory=dict)

    @property
    def scalar_output(self) -> bool:
        return self.shape[0] == 1 and not isinstance(self.value, tuple)

    def method(self, name: str) -> Optional[MethodResult]:
        return next((r for r in self.methods if r.method == name), None)

    def to_dict(self) -> dict:
        d = {"command": self.command, "target": self.target, "variables": list(self.variables),
             "point": dict(self.point), "value": _nested(self.value), "reference": self.reference}
        if not self.scalar_output:
            d["shape"] = list(self.shape)
        if self.derivative_text is not None:
            d["derivative"] = list(self.derivative_text)
        d["methods"] = {r.method: r.to_dict(self.scalar_output) for r in self.methods}
        if self.kinks:
            d["kinks"] = [{"output": k.output, "variable": k.variable, "left": _num(k.left),
                           "right": _num(k.right)} for k in self.kinks]
        if self.steps:
            d["steps"] = [s.to_dict() for s in self.steps]
        if self.notes:
            d["notes"] = list(self.notes)
        d.update(self.extra)
        d["verdict"] = self.verdict
        d["passed"] = self.passed
        d["exit_code"] = self.exit_code
        return d


@dataclass(frozen=True)
class KeyedReport(Report):
    """A Report whose per-method arrays sit under the command's own key (DESIGN.md JSON).

    payload:       ``"jacobian"`` (m×n, and ``"shape"`` even for a scalar f), ``"hvp"``
                   (the vector H·v, stored as the 1×n row of ``MethodResult.jacobian``) or
                   ``"hessian"`` (n×n).
    method_extra:  per method name, more fields for its JSON entry (e.g. the Hessian's
                   asymmetry max |H − Hᵀ|).
    """

    payload: str = "jacobian"
    method_extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = super().to_dict()
        methods = {}
        for r in self.methods:
            entry = d["methods"][r.method]
            if r.error is None and r.jacobian is not None:
                entry.pop("gradient", None)
                entry.pop("jacobian", None)
                array = r.jacobian[0] if self.payload == "hvp" else r.jacobian
                entry = {self.payload: _nested(array), **entry}
            entry.update(self.method_extra.get(r.method, {}))
            methods[r.method] = entry
        out = {}
        for key, value in d.items():
            if key == "shape" and self.payload == "jacobian":
                continue
            out[key] = methods if key == "methods" else value
            if key == "reference" and self.payload == "jacobian":
                out["shape"] = list(self.shape)
        return out
