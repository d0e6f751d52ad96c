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

from adcheck.methods.dispatch import (COMPLEX_SCALARS, DIRECT_TYPES, PLAIN_VALUES, Tracer, as_input, concrete,
                                      new_level, outer, refuse_complex, tracing)
from adcheck.methods.plain import unplain
from adcheck.prims import table as _table
from adcheck.prims.arrays import _is_basic, _untake_impl
from adcheck.prims.broadcast import unbroadcast
from adcheck.prims.table import top_tracer

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
        plain = True  # every primal a plain number or ndarray: no enclosing level to hand the op to
        for a in args:
            if type(a) is Var and a._level == level:
                parents.append((i, a._id, a.node))
                a = a.primal
            if plain and type(a) not in PLAIN_VALUES:
                plain = False
            primals.append(a)
            i += 1
        if plain:
            ans = prim.impl(*primals, **params)
        else:
            top = top_tracer(primals)  # an enclosing level's tracer, or None: run NumPy
            ans = prim.impl(*primals, **params) if top is None else top._process(prim, primals, params)
        ta = type(ans)
        if (ta is ndarray and ans.dtype.kind == "c") or ta in COMPLEX_SCALARS:
            refuse_complex(prim)
        shapes = None
        if prim.elementwise:
            out_shape = ans.shape if ta is ndarray else _shape(ans)
            k = 0
            for j, _, _ in parents:
                p = primals[j]
                s = p.shape if type(p) is ndarray else _shape(p)
                if s != out_shape:
                    if shapes is None:
                        shapes = [None] * len(parents)
                    shapes[k] = s
                k += 1
        if level in _LEAN and parents and prim.vjp_needs is not None:
            key = (prim, parents[0][0]) if len(parents) == 1 else (prim,) + tuple([j for j, _, _ in parents])
            plan = _PLANS.get(key)
            if plan is None:
                plan = _plan(key, prim, parents)
            keep_y, drop = plan
            if drop:
                primals = list(primals)  # the list the op ran on may be held by an enclosing level
                for j in drop:
                    p = primals[j]
                    primals[j] = ShapeOnly(p.shape if type(p) is ndarray else _shape(p))
            return Var(ans, Node(prim, primals, params, ans if keep_y else None, parents, shapes), level)
        return Var(ans, Node(prim, primals, params, ans, parents, shapes), level)

    def _become(self, other):
        self.primal, self.node, self._id = other.primal, other.node, other._id


DIRECT_TYPES.add(Var)

# Levels whose tape is lean: a node keeps only the values its VJP rules read (the
# primitive's vjp_needs), and a traced argument no rule reads as its shape alone, so
# intermediates f drops are freed as they would be without the tape.  Full tapes
# (the default) keep every value for the graph view and tape_memory.
_LEAN: set = set()
_PLANS: dict = {}  # (primitive, parent positions) -> (keep y, positions kept as their shape)


class ShapeOnly:
    """What a lean tape keeps of an argument whose value no VJP rule reads: its shape."""

    __slots__ = ("shape", "ndim")

    def __init__(self, shape):
        self.shape = shape
        self.ndim = len(shape)

    def __repr__(self):
        return f"ShapeOnly{self.shape}"


def _plan(key, prim, parents):
    """What a lean node keeps for these traced argument positions (see _LEAN)."""
    needs = prim.vjp_needs
    keep_y, read = False, set()
    positions = [j for j, _, _ in parents]
    for j in positions:
        uses_y, used = needs[j] if j < len(needs) else needs[-1]
        keep_y = keep_y or uses_y
        read |= used
    plan = _PLANS[key] = (keep_y, tuple(j for j in positions if j not in read))
    return plan


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


def backward(order, out_id, seed, magnitude=False, keep=None, consume=False):
    """Adjoints (id -> ȳ) of every state in ``order`` for the output cotangent ``seed``.

    ``keep``: ids whose adjoints the caller wants; the others are dropped once passed
    on (None: all are returned).  ``consume``: the tape is used once; each node's
    stored values are released as soon as its rules have run.

    With ``magnitude=True`` every contribution is taken in absolute value, so the
    result bounds the size of the terms that the true adjoint sums: where they
    cancel (d/dx sin(x)/x near 0), round-off of order eps·magnitude is expected
    of any method that evaluates them in floating point.
    """
    if magnitude:
        return _backward_magnitude(order, out_id, seed)
    adj = {out_id: seed}
    get = adj.get
    # ids whose adjoint is an ndarray this pass created and nothing else references:
    # later contributions are added into it in place (the same sums, one allocation less)
    owned = set()
    getitem, multiply = _getitem_prim()
    big = _table.BIG
    for vid, node in order:
        if node is None:
            continue
        g = get(vid)
        if g is None:
            continue
        spare = False
        if keep is not None and vid not in keep:
            del adj[vid]
            spare = vid in owned
            owned.discard(vid)
        prim = node.prim
        tg = type(g)
        if not ((tg is ndarray and g.size < big) or tg is np.float64):
            # a large ȳ (or a traced one): the step with the in-place paths
            _large_step(adj, owned, node, g, prim, spare and tg is ndarray, getitem, multiply)
            if consume:
                node.args = node.ans = None
            continue
        # A small ȳ: the rules called plainly, contributions summed into new arrays -- for
        # small arrays the in-place paths cost more checks than they save.  The same sums in
        # the same order as _large_step, so the same bits.
        rules = prim.vjp
        kinds = prim.vjp_kinds
        shapes = node.shapes
        k = -1
        for i, pid, _ in node.parents:
            k += 1
            prev = get(pid)
            if prim is getitem and _scatter_into(adj, owned, pid, prev, g, node):
                continue
            kind = kinds[i] if i < len(kinds) else None
            if kind == "one" and (shapes is None or shapes[k] is None):
                c = g
            elif kind == "neg" and (shapes is None or shapes[k] is None):
                if prev is not None:
                    c = adj[pid] = prev - g
                    if type(c) is ndarray:
                        owned.add(pid)
                    continue
                c = -g
            else:
                rule = rules(i) if callable(rules) else (rules[i] if i < len(rules) else None)
                c = rule(g, node.ans, *node.args, **node.params)
                if c is None:
                    continue
                if shapes is not None and shapes[k] is not None:
                    c = unbroadcast(c, shapes[k])
            if prev is None:
                adj[pid] = c
            else:
                c = adj[pid] = prev + c
                if type(c) is ndarray:
                    owned.add(pid)
        if consume:
            node.args = node.ans = None
    return adj


def _large_step(adj, owned, node, g, prim, spare, getitem, multiply):
    """One node of the backward pass for a ȳ of at least BIG entries (or a traced ȳ):
    ±ȳ passed through add/subtract, adjoints added in place into arrays this pass owns,
    the x[a:b] scatter fused with the sum, x·x computed once.  ``spare``: ȳ is this
    pass's own array and nothing else will read it, so a single-parent rule may reuse it."""
    get = adj.get
    rules = prim.vjp
    variadic = callable(rules)
    kinds = prim.vjp_kinds
    shapes = node.shapes
    plain_g = type(g) is ndarray
    args = node.args
    square = prim is multiply and len(args) == 2 and args[0] is args[1]
    first = None
    k = -1
    for i, pid, _ in node.parents:
        k += 1
        prev = get(pid)
        kind = kinds[i] if i < len(kinds) else None
        if kind is not None and kind != "fresh" and (shapes is None or shapes[k] is None) and (
                plain_g or prev is not None):
            # ȳ passes through (±): add or subtract it directly, no rule call, no -ȳ array
            if kind == "one":
                if prev is None:
                    adj[pid] = g
                    continue
                if plain_g and pid in owned and _fits(prev, g):
                    np.add(prev, g, out=prev)
                    continue
                c = prev + g
            else:
                if prev is None:
                    if spare and len(node.parents) == 1 and _fits(g, g):
                        c = np.negative(g, out=g)  # -ȳ written over ȳ, which no one else holds
                    else:
                        c = -g
                elif plain_g and pid in owned and _fits(prev, g):
                    np.subtract(prev, g, out=prev)
                    continue
                else:
                    c = prev - g
            adj[pid] = c
            if type(c) is ndarray:
                owned.add(pid)
            continue
        if prim is getitem and plain_g and _scatter_into(adj, owned, pid, prev, g, node):
            continue
        if k == 1 and square and first is not None and pid == node.parents[0][1]:
            c = first  # x·x: ∂/∂b = a is ∂/∂a = b, the same array -- computed once
        elif k == 0 and square and spare and shapes is None and _fits(g, g) and _fits(g, args[0]):
            c = first = np.multiply(g, args[0], out=g)  # x·x: ȳ·x written over ȳ, no one else holds it
        else:
            rule = rules(i) if variadic else (rules[i] if i < len(rules) else None)
            c = rule(g, node.ans, *node.args, **node.params)
            if c is None:
                continue
            if k == 0:
                first = c
        if shapes is not None and shapes[k] is not None:
            c = unbroadcast(c, shapes[k])
        if prev is None:
            adj[pid] = c
            if kind == "fresh" and plain_g and type(c) is ndarray:
                owned.add(pid)
        elif pid in owned and _fits(prev, c):
            np.add(prev, c, out=prev)
        else:
            c = prev + c
            adj[pid] = c
            if type(c) is ndarray:
                owned.add(pid)


def _fits(prev, c) -> bool:
    """prev += c gives exactly prev + c: both ndarrays of one shape and dtype."""
    return (type(prev) is ndarray and type(c) is ndarray and prev.shape == c.shape and prev.dtype == c.dtype
            and prev.flags.writeable)


_GETITEM = []


def _getitem_prim():
    """The getitem and multiply primitives (the backward pass fuses their common cases)."""
    if not _GETITEM:
        from adcheck.prims.table import get

        _GETITEM.append((get("getitem"), get("multiply")))
    return _GETITEM[0]


def _scatter_into(adj, owned, pid, prev, g, node) -> bool:
    """The getitem VJP (scatter ȳ into zeros shaped like x) fused with the adjoint sum:
    a basic index writes ȳ into a new zero array, or adds it into the slice of an
    adjoint this pass owns.  False: not applicable, use the rule."""
    x, idx = node.args[0], node.params["idx"]
    if (type(x) is not ndarray and type(x) is not ShapeOnly) or g.dtype != np.float64 or not _is_basic(idx):
        return False
    if prev is None:
        adj[pid] = _untake_impl(g, idx, x.shape)
        owned.add(pid)
        return True
    if (pid in owned and type(prev) is ndarray and prev.shape == x.shape and prev.dtype == np.float64
            and prev.flags.writeable):
        view = prev[idx]
        if type(view) is ndarray:
            np.add(view, g, out=view)
        else:  # an integer index of every axis: one entry
            prev[idx] = view + g
        return True
    return False


def _backward_magnitude(order, out_id, seed):
    """backward(..., magnitude=True): every ȳ and every contribution in absolute value."""
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
        g = np.abs(g)
        k = -1
        for i, pid, _ in node.parents:
            k += 1
            rule = rules(i) if variadic else (rules[i] if i < len(rules) else None)
            c = rule(g, node.ans, *node.args, **node.params)
            if c is None:
                continue
            c = np.abs(c)
            if shapes is not None and shapes[k] is not None:
                c = unbroadcast(c, shapes[k])
            prev = get(pid)
            adj[pid] = c if prev is None else prev + c
    return adj


def vjp(f, x, lean=False, once=False):
    """Trace f at x; return ``(f(x), pullback)`` with pullback(ȳ) = Jᵀȳ shaped like x.

    ``lean=True``: the tape keeps only what the backward pass reads (see _LEAN), and the
    pullback frees each adjoint once it has been passed on.  The gradient is the same;
    the tape cannot be shown as a graph.  ``once=True`` (with lean): the pullback may be
    called once, and releases each node's values as the backward pass leaves it.
    """
    level = new_level()
    x = as_input(x)
    xv = Var(x, None, level)
    x_id, x_shape = xv._id, (x.shape if type(x) is ndarray else np.shape(concrete(x)))
    if lean:
        _LEAN.add(level)
    try:
        with tracing():
            out = unplain(f(xv))
    finally:
        _LEAN.discard(level)
    if not (type(out) is Var and out._level == level):
        def zero(g):
            return np.zeros(x_shape)

        zero.order = ()
        zero.ids = (x_id, None)
        return out, zero
    order = _toposorted(out._id, out.node)
    out_id = out._id

    keep = (x_id,) if lean else None
    consume = bool(lean and once)
    used = []

    def pullback(g):
        if consume:
            if used:
                raise RuntimeError("this pullback was made for one backward pass (vjp(..., once=True))")
            used.append(True)
        res = backward(order, out_id, g, keep=keep, consume=consume).get(x_id)
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
    y, pull = vjp(f, x, lean=True)
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

    log = dispatch.piecewise_log
    before = set(log)
    log.clear()
    try:
        _, pull = vjp(f, x)
    finally:
        names = set(log)
        log |= before
    for _, node in pull.order:
        if node is not None and not node.prim.analytic:
            names.add(node.prim.name)
    return sorted(names)
