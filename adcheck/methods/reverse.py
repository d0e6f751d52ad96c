"""Reverse mode: a tape of primitive applications and a backward pass.

Running f on :class:`Var` inputs records, for every primitive applied, a
:class:`Node` (the primitive, its inputs, its output).  Variables are numbered
as they are created, so creation order is a topological order; the backward
pass visits nodes in decreasing number -- reverse topological order -- and
sends each node's adjoint ȳ to its parents through the primitive's ``vjp``
rules, adding contributions where a value was used more than once
(x̄ = Σ over uses).  Cotangents of broadcasting primitives are un-broadcast.

The tape keeps references to values f computed anyway; nothing is copied.
"""

from __future__ import annotations

import itertools

import numpy as np

from adcheck.methods.dispatch import Tracer, concrete, new_level
from adcheck.prims.broadcast import unbroadcast
from adcheck.prims.table import bind

_ids = itertools.count()


class Node:
    """One primitive application on the tape."""

    __slots__ = ("prim", "args", "params", "ans", "parents")

    def __init__(self, prim, args, params, ans, parents):
        self.prim = prim
        self.args = args
        self.params = params
        self.ans = ans
        self.parents = parents  # [(argument position, Var)]


class Var(Tracer):
    """A value recorded on the tape of one nesting level."""

    __slots__ = ("primal", "node", "_level", "_id")

    def __init__(self, primal, node, level):
        self.primal = primal
        self.node = node
        self._level = level
        self._id = next(_ids)

    def _process(self, prim, args, params):
        level = self._level
        primals, parents = [], []
        for i, a in enumerate(args):
            if type(a) is Var and a._level == level:
                primals.append(a.primal)
                parents.append((i, a))
            else:
                primals.append(a)
        ans = bind(prim, *primals, **params)
        return Var(ans, Node(prim, primals, params, ans, parents), level)


def _toposorted(out):
    """Every Var reachable from ``out``, latest first (reverse topological order)."""
    seen, stack, order = set(), [out], []
    while stack:
        v = stack.pop()
        if v._id in seen:
            continue
        seen.add(v._id)
        order.append(v)
        if v.node is not None:
            stack.extend(p for _, p in v.node.parents)
    order.sort(key=lambda v: v._id, reverse=True)
    return order


def backward(out, seed, order=None):
    """Adjoints of every Var reachable from ``out`` for the output cotangent ``seed``.

    Returns a dict Var id -> adjoint (only Vars that received one).
    """
    order = _toposorted(out) if order is None else order
    adj = {out._id: seed}
    for v in order:
        g = adj.get(v._id)
        if g is None or v.node is None:
            continue
        node = v.node
        for i, parent in node.parents:
            rule = node.prim.vjp_rule(i)
            c = rule(g, node.ans, *node.args, **node.params)
            if c is None:
                continue
            if node.prim.elementwise:
                c = unbroadcast(c, parent.shape)
            prev = adj.get(parent._id)
            adj[parent._id] = c if prev is None else prev + c
    return adj


def vjp(f, x):
    """Trace f at x; return ``(f(x), pullback)`` with pullback(ȳ) = Jᵀȳ shaped like x."""
    level = new_level()
    x = np.asarray(x, dtype=np.float64) if not getattr(x, "_adcheck_tracer", False) else x
    xv = Var(x, None, level)
    out = f(xv)
    if not (type(out) is Var and out._level == level):
        return out, lambda g: np.zeros(xv.shape)
    order = _toposorted(out)

    def pullback(g):
        adj = backward(out, g, order)
        res = adj.get(xv._id)
        return np.zeros(xv.shape) if res is None else res

    pullback.tape_size = len(order)
    pullback.order = order
    return out.primal, pullback


def jacobian(f, x):
    """Full Jacobian (m, n) of f at x by m backward passes over one tape."""
    x = np.asarray(x, dtype=np.float64)
    y, pull = vjp(f, x)
    y = np.asarray(concrete(y))
    m = y.size
    rows = np.empty((m, x.size))
    for i in range(m):
        seed = np.zeros(m)
        seed[i] = 1.0
        rows[i] = np.asarray(concrete(pull(seed.reshape(y.shape)))).reshape(-1)
    return y, rows


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
        seen = set(dispatch.piecewise_log[start:])
        del dispatch.piecewise_log[start:]
    names = set(seen)
    for v in getattr(pull, "order", ()):
        if v.node is not None and not v.node.prim.analytic:
            names.add(v.node.prim.name)
    return sorted(names)
