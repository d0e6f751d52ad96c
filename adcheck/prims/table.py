"""The primitive table: the single source of derivative rules.

Each :class:`Primitive` is one record: the NumPy implementation, the sympy
twin, the JVP rule and the VJP rules side by side, and the facts tests and
methods need (linear, complex-analytic, domain).

Rule conventions
----------------
``jvp(tangents, ans, *args, **params)``
    ``tangents`` has one entry per positional argument: ``None`` for an
    argument that is constant at this level, else an array shaped
    ``(k,) + arg.shape`` -- forward mode pushes k directions at once, the
    batch axis leading.  Returns the output tangent ``(k,) + ans.shape``
    (or something that broadcasts to it).
``vjp[i](g, ans, *args, **params)``
    ``g`` is shaped like ``ans``; returns the cotangent of argument ``i``
    (for broadcasting primitives, possibly still broadcast: the reverse
    method un-broadcasts).  For variadic primitives ``vjp`` is a function
    ``i -> rule``.

Rules are written with NumPy calls, never with raw ``.value`` access, so the
values they see may themselves be traced: that is what makes
forward-over-reverse HVPs and reverse-over-reverse (MAML) work with no extra
rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

_REGISTRY: dict[str, "Primitive"] = {}

# Fast paths that save an array pass at the cost of extra calls (np.broadcast_to alone takes
# a few µs) apply to arrays of at least this many entries; below it the plain rule is cheaper.
BIG = 8192


@dataclass(eq=False)
class Primitive:
    """One differentiable operation.

    name:        numpy's name for it (``sin``, ``multiply``, ``sum``...).
    impl:        the NumPy function on plain arrays.
    jvp:         joint forward rule (see module docstring), or None if none exists.
    vjp:         tuple of per-argument reverse rules, or ``i -> rule`` for variadic ops.
    sympy:       the sympy twin on scalar expressions (elementwise ops), or None.
    elementwise: broadcasting op; tangents are aligned to the output rank before
                 ``jvp`` and cotangents un-broadcast after ``vjp``.
    object_ok:   ``impl`` also works on object arrays of sympy expressions
                 (structural ops: reshape, indexing, sums, matmul ...).
    linear:      linear in its differentiable arguments.
    analytic:    complex-analytic, so complex-step differentiation applies.
    nondiff:     positions of arguments that carry no derivative (conditions, indices).
    domain:      per-argument (low, high) open intervals where the op is smooth;
                 tests draw points there, FD uses it to stay inside.
    """

    name: str
    impl: Callable[..., Any]
    jvp: Optional[Callable[..., Any]]
    vjp: Any
    sympy: Optional[Callable[..., Any]] = None
    elementwise: bool = False
    object_ok: bool = False
    linear: bool = False
    analytic: bool = True
    nondiff: tuple = ()
    domain: Optional[tuple] = None
    doc: str = ""
    nargs: Optional[int] = None  # None = variadic
    extra: dict = field(default_factory=dict)
    # what each VJP rule is, when the reverse pass may use that to save array passes:
    # "one" (returns ȳ itself), "neg" (returns -ȳ), "fresh" (returns a new array
    # when ȳ is an ndarray, so the pass may add into it in place); None: unknown.
    vjp_kinds: tuple = ()
    # what each argument's VJP rule reads, so a lean tape (see methods.reverse) keeps
    # only that: per argument position, (reads the output y, positions of the arguments
    # whose values it reads); a traced argument no recorded rule reads is kept as its
    # shape only.  None: keep everything.
    vjp_needs: Optional[tuple] = None

    def vjp_rule(self, i: int):
        rules = self.vjp
        if rules is None:
            return None
        if callable(rules):
            return rules(i)
        return rules[i] if i < len(rules) else None

    def __call__(self, *args, **params):
        return bind(self, *args, **params)

    def __repr__(self):
        return f"<primitive {self.name}>"


# type -> whether its instances are adcheck tracers; one dict lookup per argument
# instead of an attribute probe (which fails, slowly, on every ndarray and float)
_TRACER_TYPES: dict = {}


def _tracer_type(t) -> bool:
    flag = _TRACER_TYPES.get(t)
    if flag is None:
        flag = _TRACER_TYPES[t] = bool(getattr(t, "_adcheck_tracer", False))
    return flag


def _is_tracer(a) -> bool:
    flag = _TRACER_TYPES.get(type(a))
    return _tracer_type(type(a)) if flag is None else flag


def is_traced(a) -> bool:
    """True for adcheck's traced values (Dual, Var, SymArray, Plain)."""
    flag = _TRACER_TYPES.get(type(a))
    return _tracer_type(type(a)) if flag is None else flag


def shape_of(a) -> tuple:
    """The shape of an array or a traced value (np.shape would convert the tracer)."""
    if type(a) is np.ndarray:
        return a.shape
    return tuple(a.shape) if _is_tracer(a) else np.shape(a)


def ndim_of(a) -> int:
    """The number of dimensions of an array or a traced value."""
    if type(a) is np.ndarray:
        return a.ndim
    return a.ndim if _is_tracer(a) else np.ndim(a)


def top_tracer(args):
    """The traced argument of the highest nesting level, or None.

    Levels make nested differentiation safe: the innermost transformation
    (highest level) handles the op and treats lower-level values as constants,
    so perturbations of different levels never mix.
    """
    top = None
    level = None
    types = _TRACER_TYPES
    for a in args:
        t = type(a)
        flag = types.get(t)
        if flag is None:
            flag = _tracer_type(t)
        if flag:
            if top is None or a._level > level:
                top, level = a, a._level
        elif t is list or t is tuple:
            sub = top_tracer(a)
            if sub is not None and (top is None or sub._level > level):
                top, level = sub, sub._level
    return top


# Non-smooth operations met exactly at their switching point while derivative rules ran
# (|a| at 0, max(a, b) at a = b, x > c at x = c...): their names (a set, so that the many
# derivatives a long run takes outside any check never grow it).  At such a point f may
# have a kink that no entry-wise comparison shows (|x| at 0: AD, central and Richardson
# differences all give 0), so adcheck check looks at one-sided derivatives there.
TIES: set = set()


def note_tie(name: str, at) -> None:
    """Record ``name`` if the boolean array ``at`` (where the operation switches) has a True."""
    try:
        if np.any(at):
            TIES.add(name)
    except (TypeError, ValueError):  # an operand NumPy cannot compare: nothing to record
        pass


def bind(prim: Primitive, *args, **params):
    """Apply ``prim``: on plain arrays run NumPy, else let the top tracer process it."""
    top = top_tracer(args)
    if top is None:
        return prim.impl(*args, **params)
    return top._process(prim, args, params)


def register(prim: Primitive) -> Primitive:
    """Add ``prim`` to the table; refuse a half-specified record."""
    if prim.name in _REGISTRY:
        raise ValueError(f"primitive {prim.name!r} registered twice")
    if not prim.doc:
        raise ValueError(f"primitive {prim.name!r} has no docstring (state its math)")
    diff_args = None if prim.nargs is None else [i for i in range(prim.nargs) if i not in prim.nondiff]
    if prim.jvp is None or prim.vjp is None:
        raise ValueError(f"primitive {prim.name!r} needs both a JVP and a VJP rule")
    if diff_args is not None and not callable(prim.vjp):
        missing = [i for i in diff_args if i >= len(prim.vjp) or prim.vjp[i] is None]
        if missing:
            raise ValueError(f"primitive {prim.name!r} lacks VJP rules for arguments {missing}")
    _REGISTRY[prim.name] = prim
    return prim


def get(name: str) -> Primitive:
    """The primitive called ``name`` (numpy's name), or KeyError."""
    if not _loaded:
        _load()
    return _REGISTRY[name]


def all_primitives() -> list[Primitive]:
    _load()
    return list(_REGISTRY.values())


_loaded = False


def _load():
    global _loaded
    if not _loaded:
        _loaded = True
        from adcheck.prims import arrays, elementwise, linalg  # noqa: F401  (register on import)
