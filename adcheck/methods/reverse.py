"""Reverse mode: a tape of primitive applications and a backward pass.

Running f on :class:`Var` inputs records, for every primitive applied, a
:class:`Node` (the primitive, its inputs, its output, and its parents).  Every
value state gets a number when it is created, so creation order is a
topological order; the backward pass visits states in decreasing number --
reverse topological order -- and sends each adjoint ȳ to the parents through
the primitive's ``vjp`` rules, adding contributions where a value was used
more than once (x̄ = Σ over uses).  Cotangents of broadcasting primitives are
un-broadcast.

A parent is recorded as the state it had when it was used (its number and
node), not as the Python object: ``h[h < 0] = 0`` gives ``h`` a new state
while the operations that read the old one keep pointing at it.

The tape keeps references to values f computed anyway; nothing is copied.
"""

from __future__ import annotations

import itertools

import numpy as np

from adcheck.methods.dispatch import DIRECT_TYPES, Tracer, as_input, concrete, new_level, outer, tracing
from adcheck.methods.plain import unplain
from adcheck.prims.broadcast import unbroadcast
from adcheck.prims.table import bind, top_tracer

ndarray = np.ndarray

_ids = itertools.count()
_next_id = _ids.__next__


def _shape(v) -> tuple:
    """The shape of a primal (ndarray, NumPy scalar, Python number or enclosing tracer)."""
    shape = getattr(v, "shape", None)
    return np.shape(v) if shape is None else tuple(shape)


class Node:
    """One primitive application on the tape.

    ``shapes`` (elementwise primitives only): for each entry of ``parents``,
    the parent's shape if it differs from the output's (its cotangent must be
    un-broadcast), else None -- found once when the node is recorded, not in
    every backward pass.
    """

    __slots__ = ("prim", "args", "params", "ans", "parents", "shapes")

    def __init__(self, prim, args, params, ans, parents, shapes=None):
        self.prim = prim
        self.args = args
        self.params = params
        self.ans = ans
        self.parents = parents  # [(argument position, parent id, parent node or None)]
        self.shapes = shapes


class Var(Tracer):
    """A value recorded on the tape of one nesting level."""

    __slots__ = ("primal", "node", "_level", "_id", "_view")

    def __init__(self, primal, node, level):
        self.primal = primal
        self.node = node
        self._level = level
        self._id = _next_id()
        self._view = False

    def _process(self, prim, args, params):
        level = self._level
        primals, parents = [], []
        i = 0
        for a in args:
            if type(a) is Var and a._level == level:
                primals.append(a.primal)
                parents.append((i, a._id, a.node))
            else:
                primals.append(a)
            i += 1
        top = top_tracer(primals)  # an enclosing level's tracer, or None: run NumPy
        ans = prim.impl(*primals, **params) if top is None else top._process(prim, primals, params)
        shapes = None
        if prim.elementwise:
            out_shape = ans.shape if type(ans) is ndarray else _shape(ans)
            k = 0
            for j, _, _ in parents:
                p = primals[j]
                s = p.shape if type(p) is ndarray else _shape(p)
                if s != out_shape:
                    if shapes is None:
                        shapes = [None] * len(parents)
                    shapes[k] = s
                k += 1
        return Var(ans, Node(prim, primals, params, ans, parents, shapes), level)

    def _become(self, other):
        self.primal, self.node, self._id = other.primal, other.node, other._id


DIRECT_TYPES.add(Var)


def _toposorted(out_id, out_node):
    """Every (id, node) reachable from the output, latest first (reverse topological order)."""
    seen, stack, order = set(), [(out_id, out_node)], []
    push, add = stack.append, seen.add
    while stack:
        entry = stack.pop()
        vid = entry[0]
        if vid in seen:
            continue
        add(vid)
        order.append(entry)
        node = entry[1]
        if node is not None:
            for _, pid, pnode in node.parents:
                if pid not in seen:
                    push((pid, pnode))
    order.sort(key=lambda e: e[0], reverse=True)
    return order


def backward(order, out_id, seed, magnitude=False):
    """Adjoints (id -> ȳ) of every state in ``order`` for the output cotangent ``seed``.

    With ``magnitude=True`` every contribution is taken in absolute value, so the
    result bounds the size of the terms that the true adjoint sums: where they
    cancel (d/dx sin(x)/x near 0), round-off of order eps·magnitude is expected
    of any method that evaluates them in floating point.
    """
    adj = {out_id: seed}
    get = adj.get
    for vid, node in order:
        if node is None:
            continue
        g = get(vid)
        if g is None:
            continue
        prim = node.prim
        rules = prim.vjp
        variadic = callable(rules)
        shapes = node.shapes
        if magnitude:
            g = np.abs(g)
        k = 0
        for i, pid, _ in node.parents:
            rule = rules(i) if variadic else (rules[i] if i < len(rules) else None)
            c = rule(g, node.ans, *node.args, **node.params)
            if c is not None:
                if magnitude:
                    c = np.abs(c)
                if shapes is not None and shapes[k] is not None:
                    c = unbroadcast(c, shapes[k])
                prev = get(pid)
                adj[pid] = c if prev is None else prev + c
            k += 1
    return adj


def vjp(f, x):
    """Trace f at x; return ``(f(x), pullback)`` with pullback(ȳ) = Jᵀȳ shaped like x."""
    level = new_level()
    x = as_input(x)
    xv = Var(x, None, level)
    x_id, x_shape = xv._id, np.shape(concrete(x))
    with tracing():
        out = unplain(f(xv))
    if not (type(out) is Var and out._level == level):
        def zero(g):
            return np.zeros(x_shape)

        zero.order = ()
        zero.ids = (x_id, None)
        return out, zero
    order = _toposorted(out._id, out.node)
    out_id = out._id

    def pullback(g):
        res = backward(order, out_id, g).get(x_id)
        return np.zeros(x_shape) if res is None else res

    pullback.order = order
    pullback.ids = (x_id, out_id)
    return out.primal, pullback


def jacobian(f, x):
    """Full Jacobian (m, n) of f at x by m backward passes over one tape.

    Inside an enclosing differentiation x may be its tracer; rows then stay
    traced at that level, so Jacobians nest.
    """
    x = as_input(x)
    y, pull = vjp(f, x)
    shape = np.shape(concrete(y))
    m = int(np.prod(shape, dtype=int))
    rows = []
    for i in range(m):
        seed = np.zeros(m)
        seed[i] = 1.0
        rows.append(np.reshape(outer(pull(seed.reshape(shape))), (-1,)))
    if not any(getattr(r, "_adcheck_tracer", False) for r in rows):
        return np.asarray(concrete(y)), np.array(rows).reshape(m, -1)
    return outer(y), np.stack(rows)


def magnitudes(f, x):
    """(m, n) bound on the size of the terms summed into each Jacobian entry (see backward)."""
    x = np.asarray(x, dtype=np.float64)
    y, pull = vjp(f, x)
    y = np.asarray(concrete(y))
    rows = np.zeros((y.size, x.size))
    x_id, out_id = pull.ids
    if out_id is None:
        return rows
    for i in range(y.size):
        seed = np.zeros(y.size)
        seed[i] = 1.0
        adj = backward(pull.order, out_id, seed.reshape(y.shape), magnitude=True)
        if x_id in adj:
            rows[i] = np.abs(np.asarray(concrete(adj[x_id]))).reshape(-1)
    return rows


def nonanalytic_ops(f, x):
    """Names of the operations f uses at x that are not complex-analytic.

    Recorded by one traced evaluation: primitives flagged ``analytic=False``
    on the tape (abs, max, where...) and piecewise-constant operations such as
    comparisons.  Empty means complex-step differentiation is valid.
    """
    from adcheck.methods import dispatch

    start = len(dispatch.piecewise_log)
    try:
        _, pull = vjp(f, x)
    finally:
        names = set(dispatch.piecewise_log[start:])
        del dispatch.piecewise_log[start:]
    for _, node in pull.order:
        if node is not None and not node.prim.analytic:
            names.add(node.prim.name)
    return sorted(names)
