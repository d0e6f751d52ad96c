"""Forward and reverse mode: nesting, higher order, and agreement on generated programs."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

import adcheck
from adcheck.errors import UnsupportedOpError
from adcheck.methods import forward, reverse


def test_no_perturbation_confusion_forward_and_reverse():
    # d/dx [x · d/dy (x + y)] = 1 at any point, for every combination of modes
    for outer in ("forward", "reverse"):
        for inner in ("forward", "reverse"):
            def f(x, inner=inner):
                if inner == "reverse":
                    return x * reverse.vjp(lambda y: x + y, np.array(3.0))[1](np.array(1.0))
                return x * forward.jvp_batch(lambda y: x + y, np.array(3.0), np.ones(1))[1][0]
            got = adcheck.grad(f, np.array(2.0), method=outer)
            assert float(got) == 1.0, (outer, inner)


def test_grad_of_inner_reverse_grad_is_traced():
    # reverse inside reverse must keep the outer derivative: d/dx (d/dy (x·y)) = 1
    def f(x):
        y, pull = reverse.vjp(lambda y: x * y, np.array(5.0))
        return pull(np.array(1.0))
    assert float(adcheck.grad(f, np.array(2.0))) == 1.0
    assert float(adcheck.grad(f, np.array(2.0), method="forward")) == 1.0


def test_maml_meta_gradient_matches_closed_form():
    rng = np.random.default_rng(0)
    A, b, alpha = rng.standard_normal((6, 3)), rng.standard_normal(6), 0.05
    loss = lambda w: 0.5 * np.sum((A @ w - b) ** 2)
    inner_grad = lambda w: reverse.vjp(loss, w)[1](np.array(1.0))  # traced: the outer level sees through it

    def meta(w):
        return loss(w - alpha * inner_grad(w))

    w = rng.standard_normal(3)
    G = A.T @ A
    w1 = w - alpha * (A.T @ (A @ w - b))
    closed = (np.eye(3) - alpha * G) @ (A.T @ (A @ w1 - b))
    for method in ("reverse", "forward"):
        np.testing.assert_allclose(adcheck.grad(meta, w, method=method), closed, rtol=1e-12)


HVP_METHODS = ("forward-over-reverse", "reverse-over-reverse", "forward-over-forward")


@pytest.mark.parametrize("method", HVP_METHODS)
def test_hvp_quadratic_closed_form(method):
    rng = np.random.default_rng(1)
    A = rng.standard_normal((5, 4))
    x, v = rng.standard_normal(4), rng.standard_normal(4)
    got = adcheck.hvp(lambda z: 0.5 * np.sum((A @ z) ** 2), x, v, method=method)
    np.testing.assert_allclose(got, A.T @ A @ v, rtol=1e-12)


def _rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def _rosen_hess_prod(x, p):  # the textbook closed form, written out independently
    hp = np.zeros_like(x)
    hp[0] = (1200 * x[0] ** 2 - 400 * x[1] + 2) * p[0] - 400 * x[0] * p[1]
    hp[1:-1] = (-400 * x[:-2] * p[:-2] + (202 + 1200 * x[1:-1] ** 2 - 400 * x[2:]) * p[1:-1]
                - 400 * x[1:-1] * p[2:])
    hp[-1] = -400 * x[-2] * p[-2] + 200 * p[-1]
    return hp


@pytest.mark.parametrize("method", HVP_METHODS)
def test_hvp_rosenbrock(method):
    rng = np.random.default_rng(2)
    x, v = rng.uniform(-1, 1, 6), rng.standard_normal(6)
    np.testing.assert_allclose(adcheck.hvp(_rosen, x, v, method=method), _rosen_hess_prod(x, v), rtol=1e-11)


def test_hessian_methods_agree():
    x = np.array([0.3, -0.7, 1.1])
    f = lambda z: np.sum(np.sin(z) * np.exp(z[::-1])) + np.prod(z)
    H = adcheck.hessian(f, x)
    np.testing.assert_allclose(H, H.T, rtol=1e-13)
    for method in ("reverse-over-reverse", "forward-over-forward"):
        np.testing.assert_allclose(adcheck.hessian(f, x, method=method), H, rtol=1e-12, atol=1e-14)


def test_third_derivative_by_nesting():
    # d³/dx³ sin(x) = -cos(x)
    d1 = lambda x: forward.jvp_batch(np.sin, x, np.ones((1,) + np.shape(x)))[1][0]
    d2 = lambda x: forward.jvp_batch(d1, x, np.ones((1,) + np.shape(x)))[1][0]
    d3 = adcheck.grad(d2, np.array(0.7))
    assert float(d3) == pytest.approx(-np.cos(0.7), rel=1e-14)


def test_coercions_in_user_code_keep_the_derivative():
    # this test module is user code: the stand-ins for np.asarray, float() apply
    f = lambda z: np.sum(np.asarray(z, dtype=float) ** 2) + float(z[0])  # noqa: E731
    for method in ("forward", "reverse"):
        np.testing.assert_allclose(adcheck.grad(f, np.array([1.0, 2.0]), method=method), [3.0, 4.0])


def test_conversions_that_drop_the_derivative_are_loud():
    from adcheck.errors import MethodError

    for bad in (lambda x: x.astype(int), lambda x: np.fromiter(iter(x), dtype=float, count=x.size)):
        for method in ("forward", "reverse"):
            with pytest.raises((UnsupportedOpError, MethodError)):
                adcheck.grad(lambda z: np.sum(bad(z)), np.ones(2), method=method)


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_inplace_assignment_is_a_functional_update(method):
    def f(x):
        x = x * 1.0
        x[0] = 2.0            # overwritten: no derivative flows to the old x[0]
        h = np.outer(x, x) - 0.5
        h[h < 0] = 0          # the ReLU-by-mask idiom
        return np.sum(h) + x[1]

    x0 = np.array([0.3, 0.9, -0.4])
    def by_hand(x):
        x = np.array([2.0, x[1], x[2]])
        h = np.outer(x, x) - 0.5
        return np.sum(np.where(h < 0, 0.0, h)) + x[1]
    expected = adcheck.grad(by_hand, x0, method="fd-richardson")
    np.testing.assert_allclose(adcheck.grad(f, x0, method=method), expected, rtol=1e-9)
    assert adcheck.grad(f, x0, method=method)[0] == 0.0


def test_assignment_through_a_view_is_refused_with_a_message():
    def f(x):
        h = x * 2
        row = h[0:2]
        row[0] = 1.0
        return np.sum(h)
    with pytest.raises(UnsupportedOpError, match="view"):
        adcheck.grad(f, np.ones(3))


def test_python_branch_follows_the_point():
    f = lambda x: x[0] ** 2 if x[0] > 0 else -x[0]
    assert adcheck.grad(f, np.array([2.0]))[0] == 4.0
    assert adcheck.grad(f, np.array([-2.0]), method="forward")[0] == -1.0


# ----- generated programs: forward, reverse and central FD agree ------------------

# each maps bounded inputs to moderately bounded outputs, so deep compositions stay finite
UNARY = [np.sin, np.cos, np.tanh, lambda a: np.exp(np.sin(a)), lambda a: np.log1p(a * a),
         lambda a: np.sqrt(1 + a * a), np.arctan, lambda a: a ** 3 / (1 + a * a), lambda a: 1 / (1 + a * a)]
REDUCE = [lambda a: np.sum(a, axis=0), lambda a: np.mean(a, axis=-1, keepdims=True), lambda a: a.T,
          lambda a: a[::-1], lambda a: np.cumsum(a, axis=0), lambda a: a * a[:1]]


@st.composite
def programs(draw):
    ops = draw(st.lists(st.tuples(st.sampled_from(range(len(UNARY))), st.sampled_from(range(len(REDUCE))),
                                  st.booleans()), min_size=1, max_size=5))
    shape = draw(st.sampled_from([(3,), (2, 3), (3, 2)]))
    seed = draw(st.integers(0, 10_000))
    return ops, shape, seed


def _build(ops, W):
    def f(x):
        h = x
        for u, r, mix in ops:
            h = UNARY[u](h)
            h = REDUCE[r](h) if np.ndim(h) >= 1 else h
            if mix:
                h = h * 0.5 + np.sum(h) * 0.1
        return np.sum(h * W[: np.size(h)].reshape(np.shape(h))) if np.size(h) <= W.size else np.sum(h)
    return f


@given(programs())
def test_generated_programs_forward_reverse_fd_agree(prog):
    ops, shape, seed = prog
    rng = np.random.default_rng(seed)
    W = rng.standard_normal(64)
    f = _build(ops, W)
    x = rng.uniform(-1, 1, shape)
    gf = adcheck.grad(f, x, method="forward")
    gr = adcheck.grad(f, x, method="reverse")
    scale = max(1.0, float(np.max(np.abs(gr))))
    np.testing.assert_allclose(gf, gr, rtol=1e-12, atol=1e-13 * scale)
    gc = adcheck.grad(f, x, method="fd-central")
    np.testing.assert_allclose(gc, gr, rtol=1e-6, atol=1e-7 * scale)


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_public_api_nests_maml_through_adcheck_grad(method):
    # the inner adcheck.grad runs inside the outer differentiation and must stay traced
    rng = np.random.default_rng(3)
    A, b, alpha = rng.standard_normal((5, 3)), rng.standard_normal(5), 0.05
    loss = lambda w: 0.5 * np.sum((A @ w - b) ** 2)  # noqa: E731
    meta = lambda w: loss(w - alpha * adcheck.grad(loss, w))  # noqa: E731
    w = rng.standard_normal(3)
    G = A.T @ A
    closed = (np.eye(3) - alpha * G) @ (A.T @ (A @ (w - alpha * (A.T @ (A @ w - b))) - b))
    np.testing.assert_allclose(adcheck.grad(meta, w, method=method), closed, rtol=1e-12)
    # and the nested-perturbation identity through the public API: d/dx [x · d/dy (x·y)] = 2x
    assert float(adcheck.grad(lambda x: x * adcheck.grad(lambda y: x * y, np.array(3.0)), np.array(2.0))) == 4.0
