"""The engine's fast paths give the same numbers as the plain rules (correctness only, no timings).

Lean tapes, single-use pullbacks, in-place accumulation of adjoints, the fused x[a:b]
scatter, x·x computed once, ±ȳ passed through add/subtract, and multiplication into a
fresh partial must change nothing: not the derivative (bit for bit), not the user's
arrays, not the seed.
"""

import numpy as np
import pytest

import adcheck
from adcheck.methods import forward, reverse
from adcheck.prims.table import get

X = np.linspace(-1.3, 1.7, 12)

FUNCTIONS = {
    "rosenbrock": lambda x: np.sum(100.0 * (x[1:] - x[:-1] * x[:-1]) ** 2 + (1.0 - x[:-1]) ** 2),
    "slices": lambda x: np.sum(x[0] * x[1:] ** 3 + x[2] + x[::2].sum()) - np.sum(x[3:7] * x[4:8]),
    "broadcast": lambda x: np.sum(x.reshape(3, 4) * x[:4] - x[4:7, None] / (1 + x[8:] ** 2)),
    "chain": lambda x: np.mean(np.tanh(x) ** 2 - np.exp(-x * x) + np.log1p(x * x) - np.sin(x) * np.cos(x)),
    "reuse": lambda x: np.sum((x * x) * (x * x) - (x - x[::-1]) - (-x) + x / (2.0 + x * x)),
    "where": lambda x: np.sum(np.where(x > 0, x, 0.1 * x) ** 2 - np.maximum(x, 0.3)),
    "softmax": lambda x: -np.sum(np.log(np.sum(np.exp(x.reshape(3, 4) - np.max(x.reshape(3, 4), axis=1,
                                                                            keepdims=True)), axis=1))),
    "matmul": lambda x: np.sum(np.tanh(x.reshape(3, 4) @ x[:4]) ** 2),
    "negate": lambda x: np.sum(3.0 * (1.0 - np.sin(x[2:]) ** 2) - (0.5 - x[2:]) ** 2 + 2.0 * -(x[:-2] ** 2)),
    "scaled": lambda x: np.sum(100.0 * (x[1:] ** 2) + 0.25 * (2.0 * x[:-1]) ** 2) + 3.0 * np.sum(-x ** 2),
}


def _full_tape_grad(f, x):
    """The gradient through a full tape and the plain backward pass (no lean, no consume)."""
    y, pull = reverse.vjp(f, x)
    adj = reverse.backward(pull.order, pull.ids[1], np.ones(np.shape(y)))
    return adj[pull.ids[0]]


@pytest.fixture(params=["small", "large-array paths"])
def big(request, monkeypatch):
    """Run a test as is, and again with the large-array fast paths (table.BIG) on for any size."""
    if request.param != "small":
        from adcheck.prims import table

        monkeypatch.setattr(table, "BIG", 0)
    return request.param


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_lean_single_use_gradient_equals_the_full_tape_bit_for_bit(name, big):
    f = FUNCTIONS[name]
    x = X.copy()
    g_full = np.asarray(_full_tape_grad(f, x))
    g = adcheck.grad(f, x)
    assert np.array_equal(g, g_full)
    assert np.array_equal(x, X)  # the input is never written


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_small_cotangent_step_equals_the_general_step_bit_for_bit(name, monkeypatch):
    """Below BIG entries the backward pass calls the rules plainly (_small_step); with BIG = 0
    every node takes the general step with its in-place paths: the same sums, the same bits."""
    from adcheck.prims import table

    f = FUNCTIONS[name]
    small = adcheck.grad(f, X.copy())
    monkeypatch.setattr(table, "BIG", 0)
    assert np.array_equal(small, adcheck.grad(f, X.copy()))
    assert np.array_equal(small, _full_tape_grad(f, X.copy()))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_fast_paths_agree_with_forward_mode(name):
    f = FUNCTIONS[name]
    jac = forward.jacobian(f, X)[1].reshape(-1)
    assert np.allclose(adcheck.grad(f, X), jac, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_hvps_agree_across_methods(name):
    f = FUNCTIONS[name]
    v = np.cos(np.arange(X.size))
    fr = adcheck.hvp(f, X, v, method="forward-over-reverse")
    rr = adcheck.hvp(f, X, v, method="reverse-over-reverse")
    ff = adcheck.hvp(f, X, v, method="forward-over-forward")
    assert np.allclose(fr, ff, rtol=1e-11, atol=1e-11) and np.allclose(rr, ff, rtol=1e-11, atol=1e-11)


def test_seed_and_cotangent_are_never_written():
    f = lambda x: x[1:] * x[:-1] + x[:-1] - x[1:]  # noqa: E731
    u = np.linspace(0.5, 2.0, X.size - 1)
    u0 = u.copy()
    _, pull = reverse.vjp(f, X, lean=True)
    first = pull(u)
    assert np.array_equal(u, u0)
    assert np.array_equal(pull(u), first)  # a lean pullback (not once) can be called again
    _, ut_j = adcheck.vjp(f, X, u)
    assert np.array_equal(u, u0) and np.array_equal(ut_j, first)


def test_reverse_jacobian_rows_are_independent():
    f = lambda x: np.stack([np.sum(x * x), np.sum(x[1:] - x[:-1]), x[0] * x[3]])  # noqa: E731
    j = adcheck.jacobian(f, X, method="reverse")
    assert np.allclose(j, adcheck.jacobian(f, X, method="forward"), rtol=1e-14, atol=1e-14)


def test_single_use_pullback_refuses_a_second_call():
    _, pull = reverse.vjp(FUNCTIONS["rosenbrock"], X, lean=True, once=True)
    pull(np.ones(()))
    with pytest.raises(RuntimeError, match="one backward pass"):
        pull(np.ones(()))


def _square_chain(z):
    a = z[:-1]
    return np.sum((z[1:] - a * a) ** 2)


def test_lean_tape_keeps_only_what_the_rules_read():
    x = np.linspace(0.5, 1.5, 50)
    _, pull = reverse.vjp(_square_chain, x, lean=True)
    kept = [n for _, n in pull.order if n is not None]
    by_name = {n.prim.name: n for n in kept}
    assert by_name["sum"].ans is None and isinstance(by_name["sum"].args[0], reverse.ShapeOnly)
    assert isinstance(by_name["subtract"].args[0], reverse.ShapeOnly)
    assert by_name["multiply"].args[0] is by_name["multiply"].args[1]  # a·a keeps its one operand
    assert by_name["power"].ans is None  # ∂(d²)/∂d = 2d reads d, not d²
    _, full = reverse.vjp(_square_chain, x)
    assert all(n.ans is not None for _, n in full.order if n is not None)
    assert np.array_equal(adcheck.grad(_square_chain, x), _full_tape_grad(_square_chain, x))


def test_partials_read_from_the_rule_code():
    assert get("exp").vjp_needs == ((True, frozenset()),)
    assert get("multiply").vjp_needs == ((False, frozenset({1})), (False, frozenset({0})))
    assert get("add").vjp_needs == ((False, frozenset()), (False, frozenset()))
    assert get("where").vjp_needs is None  # its own VJP rules: keep everything


def test_power_two_partial_is_exactly_two_a():
    a = np.linspace(-3.0, 3.0, 101)
    t = np.cos(a)[None, :]
    _, jt = forward.jvp_batch(lambda z: z ** 2, a, t)
    assert np.array_equal(jt[0], t[0] * (2 * a ** (2 - 1)))


def test_operators_with_other_operand_types_still_differentiate():
    f = lambda z: np.sum(z * np.float32(2.0) + True - z * z + np.int64(3) * z)  # noqa: E731
    assert np.allclose(adcheck.grad(f, X), 2.0 - 2 * X + 3.0, rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("idx", [(slice(1, None),), (slice(None, -1),), (slice(2, 5),), (slice(5, 2),),
                                 (slice(-3, None),), (slice(None),)])
@pytest.mark.parametrize("shape", [(9,), (9, 2), (9000,)])
def test_slice_scatter_equals_zeros_then_write(idx, shape, big):
    from adcheck.prims.arrays import _untake_impl

    g = np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape)[idx] * 0.37
    z = np.zeros(shape)
    z[idx] = g
    out = _untake_impl(g, idx, shape)
    assert np.array_equal(out, z) and out.dtype == z.dtype and out.shape == z.shape


@pytest.mark.parametrize("c", [1.0, 100.0, -0.3, 1e-300, 5e-324, 3e300])
def test_broadcast_scalar_cotangent_rules_equal_the_full_products(c, big):
    from adcheck.prims.elementwise import _power_vjp_a, _scaled

    a = np.concatenate([np.linspace(-3.0, 3.0, 41), [1e-310, -2.5e-320, 1e150, 0.0, -0.0]])
    g = np.broadcast_to(np.float64(c), a.shape)
    full = np.array(g)  # the same ȳ as an ordinary array
    with np.errstate(over="ignore"):
        assert np.array_equal(_power_vjp_a(g, None, a, 2), full * (2.0 * a))
    scaled = _scaled(g, 100.0, None, (100.0, a))
    assert np.array_equal(scaled, full * 100.0) and scaled.flags.writeable == (big == "small")
    assert np.array_equal(_scaled(g, np.float64(-0.5), None, ()), full * -0.5)


def test_elementwise_jvps_add_in_place_only_into_their_own_arrays(big):
    a = np.linspace(-1.0, 2.0, 7)
    t1, t2 = np.cos(a)[None, :], np.sin(a)[None, :]
    t1c, t2c = t1.copy(), t2.copy()
    assert np.array_equal(get("multiply").jvp([t1, t1], a * a, a, a), t1 * a + t1 * a)
    assert np.array_equal(get("add").jvp([t1, t2], a + a, a, a), t1c + t2c)
    assert np.array_equal(get("subtract").jvp([t1, t2], a - a, a, a), t1c - t2c)
    assert np.array_equal(get("subtract").jvp([None, t2], 1.0 - a, 1.0, a), -t2c)
    b = a[::-1].copy()
    assert np.array_equal(get("multiply").jvp([t1, t2], a * b, a, b), t1c * b + t2c * a)
    assert np.array_equal(get("power").jvp([t1, None], a ** 2, a, 2), t1c * (2.0 * a))
    assert np.array_equal(t1, t1c) and np.array_equal(t2, t2c)  # input tangents never written
    v = np.cos(np.arange(X.size))
    v0 = v.copy()
    for f in FUNCTIONS.values():
        y, t = adcheck.jvp(f, X, v)
        assert np.array_equal(v, v0)
        assert np.allclose(t, forward.jacobian(f, X)[1].reshape(-1) @ v, rtol=1e-12, atol=1e-12)


def test_patching_cache_follows_every_change_of_the_user_globals(tmp_path, monkeypatch):
    import math
    import sys
    import types

    from adcheck.frontends import coerce

    mod = types.ModuleType("adcheck_patch_probe")
    mod.__file__ = str(tmp_path / "adcheck_patch_probe.py")
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    g = mod.__dict__
    g.update(np=np, helper=len, other=3.0)

    def replaced():
        with coerce.patched(mod):
            now = {k: v for k, v in g.items() if k != "float"}
        assert g["np"] is np and "float" not in g  # restored
        stands = coerce._stand_ins_by_id()
        return {k for k, v in now.items() if v is not None and stands.get(id(g[k])) is v}

    assert replaced() == {"np"}
    assert replaced() == {"np"}  # the cached plan
    g["helper"] = np.asarray  # rebinding a name: same length
    assert replaced() == {"np", "helper"}
    del g["helper"]
    g["late"] = np.asarray  # one name gone, another bound to the same function: same ids, same length
    assert replaced() == {"np", "late"}
    g["late"], g["other"] = math.sqrt, np.asarray
    assert replaced() == {"np", "late", "other"}
    g["late"], g["other"] = np.asarray, math.sqrt  # the same ids, swapped between names
    assert replaced() == {"np", "late", "other"}


def test_large_rosenbrock_takes_the_fast_paths_and_equals_the_full_tape():
    from adcheck.prims import table

    x = np.linspace(0.5, 1.5, 3 * table.BIG)
    f = FUNCTIONS["rosenbrock"]
    assert np.array_equal(adcheck.grad(f, x), np.asarray(_full_tape_grad(f, x)))
    a, b = x[:-1], x[1:]
    exact = np.zeros_like(x)  # the textbook gradient, to rounding
    exact[:-1] = -400.0 * a * (b - a * a) - 2.0 * (1.0 - a)
    exact[1:] += 200.0 * (b - a * a)
    assert np.allclose(adcheck.grad(f, x), exact, rtol=1e-13, atol=1e-12)
