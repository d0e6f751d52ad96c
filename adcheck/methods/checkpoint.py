"""Gradient checkpointing: trade one extra forward pass for tape memory.

``adcheck.checkpoint(segment)`` marks a function whose intermediate values
reverse mode does not keep.  On the tape the whole segment is one node that
stores only its inputs and its output.  When the backward pass reaches that
node it runs the segment again under a fresh tape (the recomputation), pulls
the cotangent back through it, and drops that tape.

For a chain of L layers cut into √L segments of √L layers, the main tape holds
√L segment outputs and a recomputation holds √L layer values at a time, so
the peak number of stored values grows like 2√L instead of L, for about one
extra forward pass.  The gradient is the same computation in the same order,
so it equals the plain one to round-off (in practice bit for bit).

Forward mode and plain calls see the segment as ordinary code.
:func:`tape_memory` measures what a reverse pass stores.
"""

from __future__ import annotations

import functools

import numpy as np

from adcheck.prims.table import Primitive, bind

_peak = {"values": 0, "bytes": 0}  # largest tape built while recomputing a segment


def _tape_size(order):
    from adcheck.methods.dispatch import concrete

    values = nbytes = 0
    for _, node in order:
        if node is not None:
            values += 1
            nbytes += int(np.asarray(concrete(node.ans)).nbytes)
    return values, nbytes


def _segment_primitive(fn):
    from adcheck.methods import forward, reverse

    def jvp(tangents, ans, *args):
        total = None
        for i, t in enumerate(tangents):
            if t is None:
                continue
            part = forward.jvp_batch(lambda a, i=i: fn(*args[:i], a, *args[i + 1:]), args[i], t)[1]
            total = part if total is None else total + part
        return total

    def vjp(i):
        def rule(g, ans, *args):
            _, pull = reverse.vjp(lambda a: fn(*args[:i], a, *args[i + 1:]), args[i])
            values, nbytes = _tape_size(pull.order)
            _peak["values"] = max(_peak["values"], values)
            _peak["bytes"] = max(_peak["bytes"], nbytes)
            return pull(g)
        return rule

    return Primitive(name=f"checkpoint[{getattr(fn, '__name__', 'segment')}]", impl=fn, jvp=jvp, vjp=vjp,
                     nargs=None, analytic=True,
                     doc="a checkpointed segment: its intermediates are recomputed in the backward pass")


def checkpoint(fn):
    """Mark ``fn`` (array arguments in, one array out) as a checkpointed segment."""
    prim = _segment_primitive(fn)

    @functools.wraps(fn)
    def segment(*args):
        if any(getattr(a, "_adcheck_tracer", False) for a in args):
            return bind(prim, *args)
        return fn(*args)

    segment.primitive = prim
    return segment


def tape_memory(f, x) -> dict:
    """What reverse mode stores for f at x: the tape, and the peak including recomputations.

    ``tape_values`` / ``tape_bytes``: the outputs the main tape keeps (one per
    recorded operation); ``peak_values`` / ``peak_bytes``: the main tape plus
    the largest tape a checkpointed segment builds while it is recomputed.
    """
    from adcheck.methods import reverse
    from adcheck.methods.dispatch import concrete

    _peak["values"] = _peak["bytes"] = 0
    x = np.asarray(x, dtype=np.float64)
    y, pull = reverse.vjp(f, x)
    values, nbytes = _tape_size(pull.order)
    pull(np.ones(np.shape(concrete(y))))
    return {"tape_values": values, "tape_bytes": nbytes,
            "peak_values": values + _peak["values"], "peak_bytes": nbytes + _peak["bytes"]}
