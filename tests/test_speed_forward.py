"""Forward mode's fast paths give the numbers of the plain dense rules (correctness only, no timings).

The structured identity seed of a forward Jacobian (methods.diagonal) must agree
entry for entry with the dense np.eye seed, whatever f does with it and however
it is nested; in-place tangent arithmetic on large arrays must give the same bits
as the plain rules and never write into x, the tangents handed in, or f's constants.
"""

import numpy as np
import pytest

import adcheck
from adcheck.methods import diagonal, forward
from adcheck.methods.diagonal import Diagonal

X = np.linspace(-1.3, 1.7, 20)
W = np.cos(np.arange(7 * 20).reshape(7, 20) * 0.37)
V = np.sin(np.arange(20 * 6).reshape(20, 6) * 0.11)
M = np.cos(np.arange(16).reshape(4, 4) * 0.5)


def _softmax_rows(z):
    z = z - np.max(z, axis=1, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))


FUNCTIONS = {
    "identity": lambda x: x,
    "sin": np.sin,
    "bench map": lambda x: np.tanh(W @ np.sin(x)),
    "left matmul": lambda x: np.exp(np.cos(x) @ V),
    "matmul both sides": lambda x: (W @ x) * np.sum(x @ V),
    "x @ x": lambda x: x @ x,
    "chain": lambda x: np.log1p(x * x) - np.exp(-x) / (2.0 + np.cos(x)) + x ** 2 - 3.0 * x ** 3,
    "add, subtract, negate": lambda x: -(x + np.sin(x)) - (np.tanh(x) - x) + (2.0 - x),
    "same diagonal twice": lambda x: np.sin(x) * np.cos(x) + np.sin(x) / (3.0 + np.cos(x)),
    "constant broadcast": lambda x: np.sin(x) * W[0] + np.ones(20),
    "broadcast up": lambda x: np.sin(x)[None, :] * W,
    "broadcast against matrix": lambda x: np.sum(np.tanh(x * W), axis=0),
    "outer": lambda x: np.sin(x)[:, None] * np.cos(x)[None, :],
    "reshape": lambda x: np.sin(x.reshape(4, 5)) @ np.ones(5),
    "2-D matmul": lambda x: np.tanh(M @ np.sin(x.reshape(4, 5))),
    "reductions": lambda x: np.stack([np.sum(np.sin(x)), np.max(x * x), np.mean(np.exp(x)),
                                      np.prod(np.cos(x[:4]))]),
    "indexing": lambda x: np.concatenate([np.sin(x)[1:] * x[:-1], x[[0, 3, 3]], x[::4] ** 2]),
    "where": lambda x: np.where(x > 0, np.sin(x), 0.1 * x),
    "maximum": lambda x: np.maximum(np.sin(x), 0.2) + np.minimum(x, np.cos(x)),
    "softmax": lambda x: _softmax_rows(np.sin(x).reshape(4, 5)),
    "dense then diagonal": lambda x: np.sin(x) + np.cumsum(x),
    "constant output": lambda x: np.ones(3),
    "partly constant": lambda x: np.stack([np.sum(W[0] * 0.0), np.sum(np.sin(x))]),
    "iterate": lambda x: np.stack([xi * xi for xi in x]),
    "setitem": lambda x: _setitem(x),
    "non-finite partial": lambda x: np.sqrt(np.abs(x)) + np.log(x * x),
    "non-finite constant": lambda x: np.sin(x) * np.where(np.arange(20) == 3, np.inf, 1.0),
    "non-finite matrix": lambda x: np.where(np.arange(7) == 2, np.nan, 1.0) * 0.0 + (_W_INF @ np.sin(x)),
    "overflow": lambda x: np.exp(np.exp(np.exp(x * 3.0))) * 0.0 + np.sin(1e300 * x) * 1e300,
}
_W_INF = W.copy()
_W_INF[2, 5] = np.inf


def _setitem(x):
    out = np.zeros(20)
    out[3] = x[2] * 2.0
    return np.sin(x) + out


@pytest.fixture
def dense(monkeypatch):
    """Jacobian of f with the dense np.eye seed (the structured seed switched off)."""
    def jac(f, x):
        with monkeypatch.context() as m:
            m.setattr(diagonal, "MIN_SIZE", 10 ** 9)
            return adcheck.jacobian(f, x, method="forward")
    return jac


@pytest.fixture(params=["small", "large-array paths"])
def big(request, monkeypatch):
    """Run a test as is, and again with the large-array fast paths (table.BIG) on for any size."""
    if request.param != "small":
        from adcheck.prims import table

        monkeypatch.setattr(table, "BIG", 0)
    return request.param


def _same(a, b):
    """Equal entry for entry (nan where the other has nan; ±0 count as equal)."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape
    assert np.array_equal(a, b, equal_nan=True), np.abs(a - b).max()


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_structured_seed_equals_the_dense_seed(name, dense, big):
    f = FUNCTIONS[name]
    x = X.copy()
    with np.errstate(all="ignore"):
        want = dense(f, x)
        got = adcheck.jacobian(f, x, method="forward")
    _same(got, want)
    assert np.array_equal(x, X)


def test_structured_seed_is_used_and_agrees_with_reverse_mode(monkeypatch):
    seen = []
    real = forward._structured_jvp

    def spy(prim, tangents, ans, primals, params):
        out = real(prim, tangents, ans, primals, params)
        seen.append((prim.name, type(out).__name__))
        return out

    monkeypatch.setattr(forward, "_structured_jvp", spy)
    f = FUNCTIONS["bench map"]
    np.testing.assert_allclose(adcheck.jacobian(f, X, method="forward"),
                               adcheck.jacobian(f, X, method="reverse"), rtol=1e-13, atol=1e-15)
    assert seen == [("sin", "Diagonal"), ("matmul", "ndarray")]


@pytest.mark.parametrize("shape", [(20,), (4, 5), (2, 2, 5)])
def test_dense_form_is_the_scaled_identity(shape):
    d = np.arange(1.0, 21.0).reshape(shape)
    t = Diagonal(d)
    assert t.shape == (20,) + shape
    _same(t.dense(), (np.eye(20) * d.reshape(-1)).reshape((20,) + shape))
    _same(np.asarray(t), t.dense())


def test_structured_seed_inside_an_outer_gradient(dense):
    """w is traced by an enclosing reverse pass while x0 is a plain point: partials are traced."""
    x0 = X.copy()

    def loss(w):
        return np.sum(adcheck.jacobian(lambda x: np.sin(w[0] * x) * np.tanh(W[0] @ (w * x)), x0,
                                       method="forward") ** 2)

    w = np.linspace(0.5, 1.5, 20)
    got = adcheck.grad(loss, w)
    diagonal_min = diagonal.MIN_SIZE
    try:
        diagonal.MIN_SIZE = 10 ** 9
        want = adcheck.grad(loss, w)
    finally:
        diagonal.MIN_SIZE = diagonal_min
    _same(got, want)
    assert np.array_equal(x0, X)


@pytest.mark.parametrize("method", ["forward-over-reverse", "reverse-over-reverse", "forward-over-forward"])
def test_nested_second_derivatives_unchanged(method):
    f = lambda x: np.sum(np.tanh(W @ np.sin(x)) ** 2) + np.sum(x ** 4)  # noqa: E731
    v = np.cos(X)
    h = adcheck.hessian(f, X) @ v
    np.testing.assert_allclose(adcheck.hvp(f, X, v, method=method), h, rtol=1e-12, atol=1e-12)


def test_jacobian_of_a_jacobian_and_jacobian_inside_grad(dense):
    f = lambda x: np.sin(x) * np.sum(x ** 3)  # noqa: E731
    inner = lambda z: adcheck.jacobian(f, z, method="forward").diagonal()  # noqa: E731
    got = adcheck.jacobian(inner, X, method="forward")
    want = dense(inner, X)
    _same(got, want)
    g = adcheck.grad(lambda z: np.sum(adcheck.jacobian(f, z, method="forward") ** 2), X)
    g_rev = adcheck.grad(lambda z: np.sum(adcheck.jacobian(f, z, method="reverse") ** 2), X)
    np.testing.assert_allclose(g, g_rev, rtol=1e-12, atol=1e-12)


def test_custom_jvp_rule_sees_dense_tangents():
    @adcheck.custom_jvp
    def cube(x):
        return x ** 3

    seen = []

    @cube.defjvp
    def _(t, y, x):
        seen.append(type(t))
        return 3.0 * x ** 2 * t

    J = adcheck.jacobian(lambda x: cube(np.sin(x)), X, method="forward")
    np.testing.assert_allclose(J, np.diag(3.0 * np.sin(X) ** 2 * np.cos(X)), rtol=1e-14, atol=0)
    assert seen and all(t is np.ndarray for t in seen)


def test_jvp_batch_never_returns_a_structured_tangent():
    y, t = forward.jvp_batch(np.sin, X, Diagonal(np.ones(20)))
    assert type(t) is np.ndarray
    _same(t, np.eye(20) * np.cos(X))


# ----- tangents of temporaries reused (dispatch.SPENT_TYPES, elementwise rules' ``spent``) -----

N = 40
XN = np.linspace(0.3, 1.9, N)
VN = np.cos(np.arange(N) * 0.7)
C = np.sin(np.arange(N) * 1.3)


def _kept(x):
    z = x * 2.0
    w = (z + 0.0) * 3.0  # z + 0.0 passes z's tangent through: the temporary shares it with z
    return w + z - (z * z) / (1.0 + z)


def _sliced(x):
    a, b = x[:-1], x[1:]
    return np.sum(100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2)


INPLACE = {
    "rosenbrock": _sliced,
    "chain": lambda x: -(((x * 2.0) - 1.0) * 3.0 + 0.5) ** 2 / 4.0,
    "temporaries meet": lambda x: (np.sin(x) * 2.0) - (np.cos(x) * 3.0) + (x * x) * (x + 1.0),
    "kept and shared": _kept,
    "constants": lambda x: (x * C + C) * C - (C - x * 2.0) ** 2,
    "broadcast": lambda x: np.sum(((x.reshape(4, 10) * 2.0) + C[:10]) * C.reshape(4, 10)[:1], axis=0),
    "reflected": lambda x: 2.0 - (3.0 * (1.0 / (x + 2.0))) + 4.0 / (x * x + 1.0),
    "unary": lambda x: -(-(x * 2.0)) + abs(x - 1.0) - (+(x * 3.0)),
    "logistic": lambda x: np.sum(np.logaddexp(0.0, (x * 2.0) - 1.0)),
    "tracer constant": lambda x: x * 2.0,
}


@pytest.fixture
def plain_rules(monkeypatch):
    """f's JVP with the temporaries test switched off: the plain rules, fresh arrays."""
    from adcheck.methods import dispatch

    def jvp(f, x, v):
        with monkeypatch.context() as m:
            m.setattr(dispatch, "_TEMP_REFS", 0)
            return adcheck.jvp(f, x, v)
    return jvp


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_reused_tangents_give_the_plain_rules_bits(name, plain_rules, big):
    f = INPLACE[name]
    x, v, c = XN.copy(), VN.copy(), C.copy()
    y0, t0 = plain_rules(f, x, v)
    y, t = adcheck.jvp(f, x, v)
    assert np.array_equal(y, y0) and np.array_equal(t, t0)
    assert np.array_equal(x, XN) and np.array_equal(v, VN) and np.array_equal(C, c)


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_reused_tangents_agree_with_reverse_mode(name, big):
    f = INPLACE[name]
    J = adcheck.jacobian(f, XN, method="reverse")
    np.testing.assert_allclose(adcheck.jvp(f, XN, VN)[1], J @ VN, rtol=1e-12, atol=1e-12)


def test_temporaries_are_recognised_and_named_values_are_not(monkeypatch):
    from adcheck.methods import dispatch
    from adcheck.prims import table
    from adcheck.prims.table import get

    if not dispatch._TEMP_REFS:
        pytest.skip("this Python's reference counts cannot tell a temporary from a name")
    monkeypatch.setattr(table, "BIG", 0)
    seen = []
    mul = get("multiply")
    real = mul.jvp

    def spy(tangents, ans, *args, spent=()):
        seen.append(spent)
        return real(tangents, ans, *args, spent=spent)

    monkeypatch.setattr(mul, "jvp", spy)
    x = XN.copy()

    def f(z):
        named = z * 2.0
        return (named * 3.0) * 4.0 + named * 5.0

    adcheck.jvp(f, x, VN)
    # z * 2.0: z is f's argument; named * 3.0: a name; (…) * 4.0: a temporary; named * 5.0: a name
    assert seen == [(), (), (0,), ()]


def test_forward_over_reverse_and_nesting_unchanged_by_reuse(plain_rules, big, monkeypatch):
    from adcheck.methods import dispatch

    f = INPLACE["rosenbrock"]
    hv = adcheck.hvp(f, XN, VN, method="forward-over-reverse")
    g = adcheck.grad(lambda z: np.sum(adcheck.jvp(f, z, VN)[1] * (z * 2.0)), XN)
    monkeypatch.setattr(dispatch, "_TEMP_REFS", 0)
    assert np.array_equal(hv, adcheck.hvp(f, XN, VN, method="forward-over-reverse"))
    assert np.array_equal(g, adcheck.grad(lambda z: np.sum(adcheck.jvp(f, z, VN)[1] * (z * 2.0)), XN))


def test_reuse_at_a_size_above_the_threshold(plain_rules):
    x = np.linspace(0.5, 1.5, 20001)
    v = np.cos(np.arange(20001) * 0.01)
    for f in (INPLACE["rosenbrock"], INPLACE["temporaries meet"], INPLACE["kept and shared"]):
        y0, t0 = plain_rules(f, x, v)
        y, t = adcheck.jvp(f, x, v)
        assert np.array_equal(y, y0) and np.array_equal(t, t0)
    assert np.array_equal(x, np.linspace(0.5, 1.5, 20001))
