"""Gradient checkpointing: same gradients, tape peak growing like √L instead of L."""

import math
from pathlib import Path

import numpy as np
import pytest

import adcheck
from adcheck.frontends.pyfile import load
from adcheck.methods.checkpoint import tape_memory

# the chain builder of examples/checkpoint_chain.py (loaded the way adcheck loads user files)
_EXAMPLE = load(str(Path(__file__).resolve().parents[2] / "examples" / "checkpoint_chain.py") + "::deep",
               None).module


def _chain(L, segment=None):
    return _EXAMPLE.make_chain(L, segment)


X = np.linspace(-1.0, 1.0, 8)


@pytest.mark.parametrize("L", [16, 64, 256, 1024])
def test_checkpointed_gradient_equals_plain_and_peak_follows_sqrt_L(L):
    s = math.isqrt(L)
    plain, ck = _chain(L), _chain(L, s)
    g = adcheck.grad(plain, X)
    np.testing.assert_array_equal(adcheck.grad(ck, X), g)
    np.testing.assert_allclose(adcheck.grad(ck, X, method="forward"), g, rtol=1e-12, atol=1e-300)
    m_plain, m_ck = tape_memory(plain, X), tape_memory(ck, X)
    assert m_plain["peak_values"] >= 3 * L            # every layer's three results are kept
    assert m_ck["peak_values"] <= 4 * s + 2           # √L segment outputs + one recomputed segment (3√L)
    assert m_ck["tape_values"] <= s + 2
    assert m_ck["peak_bytes"] < m_plain["peak_bytes"]


def test_peak_ratio_to_sqrt_L_stays_bounded():
    ratios = [tape_memory(_chain(L, math.isqrt(L)), X)["peak_values"] / math.sqrt(L) for L in (16, 64, 256, 1024)]
    assert max(ratios) / min(ratios) < 1.5


def test_second_order_through_a_checkpoint():
    ck = _chain(16, 4)
    v = np.ones_like(X)
    np.testing.assert_allclose(adcheck.hvp(ck, X, v), adcheck.hvp(_chain(16), X, v), rtol=1e-12)


def test_plain_call_runs_the_segment():
    assert _chain(16, 4)(X) == _chain(16)(X)
