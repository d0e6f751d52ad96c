"""NumPy code as people write it, differentiated unchanged in forward and reverse mode.

The corpus (tests/methods/corpus/*.py) is ordinary NumPy code that knows
nothing of adcheck: losses, small networks, physics, statistics, optimisation
test problems and everyday array idioms.  Each function is loaded the way the
CLI loads a user's file (``pyfile.load("file.py::name")``, its point from the
file's ADCHECK_POINTS), so the stand-ins for np.asarray / np.zeros / math /
float apply.  For each: forward and reverse Jacobians agree to round-off, the
traced primal is bit-identical to plain NumPy's value, and both match
Richardson-extrapolated central differences within their error estimate.

Then generated programs (hypothesis): chains of unary ops, broadcasting binary
ops and axis/keepdims reductions on random shapes, random einsum
specifications (repeated, summed and implicit subscripts), and random
rearrangements (sort, roll, tile, repeat, pad, triangles, kron, order
statistics): forward, reverse and central differences agree.
"""

from __future__ import annotations

import importlib.util
import os
import sys

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import adcheck
from adcheck.errors import UnsupportedOpError
from adcheck.frontends import pyfile
from adcheck.methods import fd, forward, reverse

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
FILES = ("losses.py", "physics.py", "idioms.py", "science.py")


def _names(filename):
    """The functions the corpus file gives points for (read once, under a private name)."""
    spec = importlib.util.spec_from_file_location(f"_corpus_names_{filename[:-3]}",
                                                  os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.ADCHECK_POINTS)


CORPUS = [(f, name) for f in FILES for name in _names(f)]


@pytest.fixture(autouse=True)
def _keep_sys_path(monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))


def test_corpus_is_large():
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("filename,name", CORPUS, ids=[f"{f[:-3]}::{n}" for f, n in CORPUS])
def test_corpus_forward_reverse_fd_agree(filename, name):
    target = pyfile.load(f"{os.path.join(HERE, filename)}::{name}", None)
    x0 = target.x0
    y0 = np.asarray(target.f(x0.copy()), dtype=np.float64)
    yf, Jf = forward.jacobian(target.f, x0)
    yr, Jr = reverse.jacobian(target.f, x0)
    # tracing changes no value: the primal is NumPy's own, bit for bit
    np.testing.assert_array_equal(np.asarray(yf).reshape(-1), y0.reshape(-1))
    np.testing.assert_array_equal(np.asarray(yr).reshape(-1), y0.reshape(-1))
    scale = max(1.0, float(np.max(np.abs(Jr))))
    np.testing.assert_allclose(Jf, Jr, rtol=1e-12, atol=1e-13 * scale)
    est = fd.jacobian(lambda v: np.asarray(target.f(v), dtype=np.float64).reshape(-1),
                      x0.copy(), "fd-richardson")
    bound = 4.0 * est.err_est + 1e-10 * scale
    worst = np.max(np.abs(est.jacobian - Jr) - bound)
    assert worst <= 0, (f"reverse vs fd-richardson beyond the FD error estimate by {worst:.2e}",
                        Jr, est.jacobian, est.err_est)


def test_method_call_on_a_plain_array_names_the_fix(tmp_path):
    # A.dot(x) with A a plain ndarray converts x inside NumPy's C code: it cannot be
    # traced; the error must say what to write instead
    path = tmp_path / "dotmodel.py"
    path.write_text("import numpy as np\nA = np.ones((2, 3))\n"
                    "def f(x):\n    return np.sum(A.dot(x) ** 2)\n"
                    "ADCHECK_POINTS = {'f': [1.0, 2.0, 3.0]}\n")
    try:
        target = pyfile.load(str(path), None)
        with pytest.raises(UnsupportedOpError, match=r"A @ x or np\.dot\(A, x\)"):
            reverse.jacobian(target.f, target.x0)
    finally:
        sys.modules.pop("dotmodel", None)


# ----- generated programs -------------------------------------------------------

UNARY = [np.sin, np.tanh, lambda a: np.exp(0.5 * a), lambda a: a * a, np.arctan,
         lambda a: np.sqrt(1.0 + a * a), lambda a: a]
BINARY = [np.add, np.subtract, np.multiply, lambda a, b: a / (1.5 + np.cos(b)),
          np.maximum, np.hypot, np.arctan2, np.logaddexp, lambda a, b: (1.0 + a * a) ** (0.5 * b),
          lambda a, b: np.where(a > b, a * b, a - b)]
REDUCE = ["sum", "mean", "max", "min", "prod", "std", "var", "norm", "none"]


def _reduce(kind, h, axis, keepdims):
    if kind == "none":
        return h
    if kind == "norm":
        if axis is not None and len(axis) > 2:
            axis = axis[:1]
        return np.linalg.norm(h, axis=axis, keepdims=keepdims)
    if kind == "prod":
        axis = None if axis is None else axis[0]
    if kind == "std":  # √var is not differentiable where var = 0 (one entry per group)
        count = np.size(h) if axis is None else int(np.prod([np.shape(h)[i] for i in axis]))
        kind = "std" if count > 1 else "var"
    fn = getattr(np, kind)
    return fn(h, axis=axis, keepdims=keepdims)


def _axes(draw, nd):
    if nd == 0 or draw(st.booleans()):
        return None
    axes = draw(st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=nd, unique_by=lambda a: a % nd))
    return tuple(axes)


@st.composite
def broadcast_programs(draw):
    """1-3 steps of: unary ops on both sides, a broadcasting binary op with a fresh operand,
    an axis/keepdims reduction; shapes drawn so every step broadcasts."""
    first = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
    shape, steps = first, []
    for _ in range(draw(st.integers(1, 3))):
        other = draw(hnp.broadcastable_shapes(shape, min_dims=0, max_dims=3, min_side=1, max_side=3))
        joined = np.broadcast_shapes(shape, other)
        step = dict(other=other, u=draw(st.sampled_from(range(len(UNARY)))),
                    v=draw(st.sampled_from(range(len(UNARY)))), b=draw(st.sampled_from(range(len(BINARY)))),
                    r=draw(st.sampled_from(REDUCE)), axis=_axes(draw, len(joined)),
                    keepdims=draw(st.booleans()))
        steps.append(step)
        shape = np.shape(_reduce(step["r"], np.ones(joined), step["axis"], step["keepdims"]))
    return dict(first=first, steps=steps, seed=draw(st.integers(0, 10_000)))


def _check_jacobians(f, x):
    Jf = adcheck.jacobian(f, x, method="forward")
    Jr = adcheck.jacobian(f, x, method="reverse")
    scale = max(1.0, float(np.max(np.abs(Jr))))
    np.testing.assert_allclose(Jf, Jr, rtol=1e-12, atol=1e-13 * scale)
    Jc = adcheck.jacobian(f, x, method="fd-central")
    np.testing.assert_allclose(Jc, Jr, rtol=1e-6, atol=1e-7 * scale)


@given(broadcast_programs())
def test_generated_broadcasting_and_reductions_agree(prog):
    sizes = [int(np.prod(prog["first"]))] + [int(np.prod(s["other"])) for s in prog["steps"]]
    cuts = np.cumsum([0] + sizes)
    rng = np.random.default_rng(prog["seed"])
    x = rng.uniform(-1.0, 1.0, cuts[-1])

    def f(z):
        h = z[:cuts[1]].reshape(prog["first"])
        for i, step in enumerate(prog["steps"]):
            c = z[cuts[i + 1]:cuts[i + 2]].reshape(step["other"])
            h = BINARY[step["b"]](UNARY[step["u"]](h), UNARY[step["v"]](c))
            h = np.tanh(_reduce(step["r"], h, step["axis"], step["keepdims"]))
        return np.reshape(h, (-1,))

    _check_jacobians(f, x)


@st.composite
def einsum_specs(draw):
    sizes = dict(zip("abcd", (2, 3, 2, 4)))
    n_ops = draw(st.integers(1, 3))
    ops = [draw(st.lists(st.sampled_from("abcd"), min_size=1, max_size=3)) for _ in range(n_ops)]
    letters = sorted(set("".join("".join(o) for o in ops)))
    explicit = draw(st.booleans())
    out = draw(st.permutations(letters).flatmap(
        lambda p: st.integers(0, len(p)).map(lambda k: p[:k]))) if explicit else None
    spec = ",".join("".join(o) for o in ops) + ("->" + "".join(out) if explicit else "")
    shapes = [tuple(sizes[c] for c in o) for o in ops]
    return spec, shapes, draw(st.integers(0, 10_000))


@given(einsum_specs())
def test_generated_einsum_agrees(case):
    spec, shapes, seed = case
    rng = np.random.default_rng(seed)
    sizes = [int(np.prod(s)) for s in shapes]
    x = rng.uniform(-1.0, 1.0, sum(sizes))
    cuts = np.cumsum([0] + sizes)

    def f(z):
        ops = [z[cuts[i]:cuts[i + 1]].reshape(s) for i, s in enumerate(shapes)]
        return np.reshape(np.einsum(spec, *ops), (-1,))

    np.testing.assert_array_equal(f(x), np.reshape(np.einsum(spec, *[
        x[cuts[i]:cuts[i + 1]].reshape(s) for i, s in enumerate(shapes)]), (-1,)))
    _check_jacobians(f, x)


REARRANGE = [
    lambda a: np.sort(a, axis=-1), lambda a: np.sort(a, axis=0), lambda a: np.sort(a, axis=None),
    lambda a: np.roll(a, 1), lambda a: np.roll(a, -2, axis=-1), lambda a: np.tile(a, 2),
    lambda a: np.tile(a, (2, 1)), lambda a: np.repeat(a, 2, axis=0), lambda a: np.repeat(a, 2),
    lambda a: np.pad(a, 1), lambda a: np.pad(a, (1, 2), mode="edge"),
    lambda a: np.pad(a, 1, mode="reflect") if min(np.shape(a)) > 1 else np.pad(a, 1, mode="wrap"),
    lambda a: np.pad(a, 1, constant_values=0.5), lambda a: np.tril(a), lambda a: np.triu(a, 1),
    lambda a: np.flip(a), lambda a: np.kron(a, a[..., :1]), lambda a: np.cumprod(a, axis=0),
    lambda a: np.median(a, axis=0), lambda a: np.percentile(a, [20.0, 75.0], axis=-1),
]


@given(st.lists(st.sampled_from(range(len(REARRANGE))), min_size=1, max_size=3),
       hnp.array_shapes(min_dims=1, max_dims=2, min_side=2, max_side=4), st.integers(0, 10_000))
def test_generated_rearrangements_agree(ops, shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, shape)
    W = rng.standard_normal(4096)

    def f(z):
        h = np.sin(z) + z * z
        for i in ops:
            h = REARRANGE[i](h) if np.ndim(h) else h
            h = np.tanh(h + 0.3)
        h = np.reshape(h, (-1,))
        return np.stack([np.sum(h * W[: h.size]), np.sum(np.cos(h) * W[-h.size:])])

    _check_jacobians(f, x)
