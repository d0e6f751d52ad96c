"""A deep tanh chain, plain and checkpointed: the same gradient for a fraction of the tape.

``deep`` applies L = 256 layers h <- tanh(0.9 h + 0.1) and sums the result.
``deep_checkpointed`` computes exactly the same function, but wraps each run
of 16 layers in ``adcheck.checkpoint``: reverse mode keeps only the 16
segment outputs on its tape and recomputes a segment's 48 intermediates when
the backward pass reaches it.  Compare:

    adcheck grad examples/checkpoint_chain.py::deep --memory --method reverse,forward
    adcheck grad examples/checkpoint_chain.py::deep_checkpointed --memory --method reverse,forward

The plain tape stores 770 values, the checkpointed one a peak of 66 (about
2·√L·3 instead of 3·L), and the two gradients are identical.
"""

import numpy as np

import adcheck

LAYERS = 256
SEGMENT = 16

ADCHECK_POINTS = {"deep": np.linspace(-1.0, 1.0, 8), "deep_checkpointed": np.linspace(-1.0, 1.0, 8)}


def _layer(h):
    return np.tanh(0.9 * h + 0.1)


def make_chain(layers, segment=None):
    """x -> sum(h_L) through ``layers`` layers; with ``segment``, each run of that many
    layers is one checkpointed segment (benchmarks/memory.py and the tests use this too)."""
    def block(h, count):
        for _ in range(count):
            h = _layer(h)
        return h

    if segment is None:
        return lambda x: np.sum(block(x, layers))
    seg = adcheck.checkpoint(lambda h: block(h, segment))

    def f(x):
        h = x
        for _ in range(layers // segment):
            h = seg(h)
        return np.sum(h)
    return f


_deep, _deep_checkpointed = make_chain(LAYERS), make_chain(LAYERS, SEGMENT)


def deep(x):
    return _deep(x)


def deep_checkpointed(x):
    return _deep_checkpointed(x)
