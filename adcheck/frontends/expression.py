"""Expression strings -> :class:`Expression` -> :class:`~adcheck.target.Target`.

The safe parser lives in :mod:`adcheck.frontends.exprparse` (``ast`` plus a
whitelist, never eval); this module turns its post-order program into

* ``f(x)``: a closure that runs the program through the primitives
  (``adcheck.prims.get(name)``), so floats, complex numbers and every
  tracer type flow through it.  ``x`` has shape (n,), one entry per variable
  in natural order; the output is 0-d for a scalar expression, or the
  ``stack`` of the elements (shape (m,)) for a ``[e1, e2, ...]`` list;
* ``sympy_form()``: the exact sympy expression(s), built lazily from each
  primitive's sympy twin.  Integer literals stay exact; a constant
  subexpression whose float64 value is non-finite or beyond 1e15, or a
  constant power that would build a huge exact number, becomes a sympy
  Float (or oo / nan) of the float64 value, so sympy never computes
  ``9**9**9**9``.

Expression files (``examples/expressions/*.txt``) hold an optional
``# comment``, one expression line and an ``at: POINT`` line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from adcheck.errors import BadInputError, NotApplicableError, TargetNotFoundError
from adcheck.frontends.exprparse import FUNCTIONS, Program, fold, natural_key, parse_program
from adcheck.frontends.points import parse_point
from adcheck.prims import get
from adcheck.target import SympyForm, Target

__all__ = ["Expression", "parse_expression", "expression_target", "load_expression_file",
           "natural_key", "FUNCTIONS"]

_BIG = 1e15                  # constant results beyond this stay float64 in the sympy form
_MAX_EXACT_EXPONENT = 1024   # constant powers with a larger exponent stay float64
_MAX_EXACT_BITS = 20_000     # ... and so do those whose exact result would be larger


@dataclass
class Expression:
    """A parsed expression and what the methods need from it.

    text:             the user's text, unchanged.
    variables:        names in natural order (the layout of x).
    tree:             the parsed :class:`~adcheck.frontends.exprparse.Program`.
    f:                ndarray (n,) -> 0-d array (scalar) or (m,) array (list).
    is_vector:        True for a ``[e1, e2, ...]`` expression.
    used_functions:   primitive names the expression applies (sorted).
    complex_analytic: every primitive that f evaluates at run time is
                      complex-analytic (folded constants do not count).
    """

    text: str
    variables: tuple
    tree: Program
    f: Callable
    is_vector: bool
    used_functions: tuple
    complex_analytic: bool
    _sympy: Optional[SympyForm] = field(default=None, repr=False, compare=False)

    def sympy_form(self) -> SympyForm:
        """The exact sympy form (built on first use, then cached)."""
        if self._sympy is None:
            self._sympy = _sympy_form(self.tree)
        return self._sympy


def parse_expression(text: str) -> Expression:
    """Parse and compile ``text``; raise ExpressionSyntaxError / BadInputError."""
    program = parse_program(text)
    ops = [n for n in program.nodes if n.op not in ("num", "var", "const")]
    runtime = {n.op for n in ops if n.value is None}
    return Expression(
        text=text, variables=program.variables, tree=program, f=_compile(program),
        is_vector=program.is_vector, used_functions=tuple(sorted({n.op for n in ops})),
        complex_analytic=all(get(op).analytic for op in runtime))


def expression_target(text: str, point, *, name: Optional[str] = None) -> Target:
    """A Target for the expression ``text`` at ``point`` (``--at`` syntax, or None)."""
    expr = parse_expression(text)
    x0 = parse_point(point, expr.variables)
    return Target(f=expr.f, x0=x0, variables=expr.variables, name=name or text,
                  origin="expression", sympy_form=expr.sympy_form,
                  complex_analytic=expr.complex_analytic, text=text)


def load_expression_file(path: str) -> tuple[str, Optional[str]]:
    """Read an expression file: ``(expression text, point text or None)``.

    Lines starting with ``#`` and blank lines are skipped; ``at: POINT``
    gives the point; exactly one other line is the expression.
    """
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetNotFoundError(f"cannot read expression file {path!r}: {exc}") from None
    exprs, at = [], None
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, rest = stripped.partition(":")
        if sep and key.strip().lower() == "at":
            if at is not None:
                raise BadInputError(f"{path}: more than one 'at:' line")
            at = rest.strip()
        else:
            exprs.append(stripped)
    if len(exprs) != 1:
        found = "no expression line" if not exprs else f"{len(exprs)} expression lines"
        raise BadInputError(f"{path}: expected one expression line, found {found}")
    return exprs[0], at


# ---- f: the program as a closure over the primitives ---------------------------

def _needed(program: Program, stop: Callable) -> list:
    """Mark the nodes reachable from the outputs, not descending below ``stop(index)``."""
    need = [False] * len(program.nodes)
    for o in program.outputs:
        need[o] = True
    for i in range(len(program.nodes) - 1, -1, -1):
        if need[i] and not stop(i):
            for a in program.nodes[i].args:
                need[a] = True
    return need


def _compile(program: Program) -> Callable:
    """Build f(x): one loop over the live steps (no recursion, no eval)."""
    index = {name: i for i, name in enumerate(program.variables)}
    need = _needed(program, lambda i: program.nodes[i].value is not None)
    steps = []
    for i, node in enumerate(program.nodes):
        if not need[i]:
            continue
        if node.value is not None:
            steps.append((i, 0, np.asarray(node.value, dtype=np.float64), ()))
        elif node.op == "var":
            steps.append((i, 1, index[node.literal], ()))
        else:
            steps.append((i, 2, get(node.op), node.args))
    outputs = program.outputs
    stack = get("stack") if program.is_vector else None

    def f(x):
        vals = {}
        for i, kind, what, args in steps:
            if kind == 2:
                vals[i] = what(*[vals[a] for a in args])
            else:
                vals[i] = x[what] if kind == 1 else what
        if stack is not None:
            return stack(*[vals[o] for o in outputs], axis=0)
        out = vals[outputs[0]]
        return np.asarray(out) if isinstance(out, (np.generic, float, int, complex)) else out

    return f


# ---- the exact sympy form --------------------------------------------------------

def _sympy_float(sympy, v: float):
    if math.isnan(v):
        return sympy.nan
    if math.isinf(v):
        return sympy.oo if v > 0 else -sympy.oo
    return sympy.Float(v)


def _to_float(expr) -> float:
    try:
        return float(expr)
    except (TypeError, ValueError, ArithmeticError):
        return math.nan


def _too_costly(sympy, op: str, v: float, args: list, fvals: list) -> bool:
    """Would sympy's exact value be huge or expensive?  (Then use float64 ``v``.)"""
    if not math.isfinite(v) or abs(v) > _BIG:
        return True
    if op != "power":
        return False
    if not abs(fvals[1]) <= _MAX_EXACT_EXPONENT:
        return True
    bits = max((max(abs(r.p).bit_length(), abs(r.q).bit_length())
                for r in args[0].atoms(sympy.Rational)), default=1)
    return bits * max(abs(fvals[1]), 1.0) > _MAX_EXACT_BITS


def _sympy_form(program: Program) -> SympyForm:
    import sympy

    symbols = {v: sympy.Symbol(v, real=True) for v in program.variables}
    nodes = program.nodes
    huge = [n.value is not None and n.op not in ("num", "const") and
            (not math.isfinite(n.value) or abs(n.value) > _BIG) for n in nodes]
    need = _needed(program, lambda i: huge[i])
    exprs: dict = {}
    floats: dict = {}   # the float64 value of every node whose sympy form is a number
    try:
        for i, node in enumerate(nodes):
            if not need[i]:
                continue
            if node.op == "var":
                exprs[i] = symbols[node.literal]
            elif node.op == "const":
                exprs[i] = sympy.pi if node.literal == "pi" else sympy.E
            elif node.op == "num":
                lit = node.literal
                exact = isinstance(lit, int) and abs(lit) <= 2 ** 53
                exprs[i] = sympy.Integer(lit) if exact else _sympy_float(sympy, node.value)
            elif huge[i]:
                exprs[i] = _sympy_float(sympy, node.value)
            else:
                exprs[i] = _apply(sympy, node, [exprs[a] for a in node.args],
                                  [floats.get(a) for a in node.args])
            if node.value is not None:
                floats[i] = node.value
            elif node.op != "var" and exprs[i].is_number:   # e.g. 0*x simplified to 0
                floats[i] = _to_float(exprs[i])
        outs = tuple(exprs[o] for o in program.outputs)
        text = str(list(outs)) if program.is_vector else str(outs[0])
    except RecursionError:
        raise NotApplicableError("expression too deeply nested for sympy") from None
    return SympyForm(symbols=tuple(symbols[v] for v in program.variables), exprs=outs, text=text)


def _apply(sympy, node, args: list, fvals: list):
    """The sympy twin of ``node.op`` on ``args``, or the float64 value if too costly."""
    twin = get(node.op).sympy
    if twin is None:
        raise NotApplicableError(f"{node.op} has no sympy form")
    if all(v is not None for v in fvals):
        v = node.value if node.value is not None else fold(node.op, fvals)
        if _too_costly(sympy, node.op, v, args, fvals):
            return _sympy_float(sympy, v)
    return twin(*args)
