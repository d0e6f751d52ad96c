"""Table-driven checks of every primitive's rules.

* elementwise: the JVP against sympy's derivative of the sympy twin (sympy checks
  the table instead of copying it), at points inside each primitive's domain;
* every primitive: the VJP against the JVP through the adjoint identity
  ⟨u, J v⟩ = ⟨Jᵀu, v⟩, on scalar, vector, matrix and broadcast shapes.
"""

import numpy as np
import pytest

from adcheck.methods import forward, reverse
from adcheck.methods.dispatch import concrete
from adcheck.prims import all_primitives, get

try:  # scipy.special's ufuncs are primitives too, registered when scipy is there (prims.special)
    import adcheck.prims.special  # noqa: F401
except ImportError:
    pass

ELEMENTWISE = [p for p in all_primitives() if p.elementwise and p.name != "where"]


def _points(prim, rng, shape=()):
    args = []
    for lo, hi in prim.domain:
        args.append(rng.uniform(lo, hi, size=shape))
    return args


@pytest.mark.parametrize("prim", [p for p in ELEMENTWISE if p.sympy is not None], ids=lambda p: p.name)
def test_jvp_matches_sympy_derivative(prim, rng):
    import sympy

    symbols = sympy.symbols(f"a0:{prim.nargs}", real=True)
    expr = prim.sympy(*symbols)
    for _ in range(5):
        args = [float(a) for a in _points(prim, rng)]
        subs = {s: sympy.Float(a, 40) for s, a in zip(symbols, args)}
        for i in range(prim.nargs):
            if i in prim.nondiff:
                continue
            exact = float(sympy.diff(expr, symbols[i]).evalf(30, subs=subs))
            def f(x, i=i):
                vals = list(args)
                vals[i] = x
                return prim(*vals)
            _, t = forward.jvp_batch(f, np.float64(args[i]), np.ones((1,)))
            got = float(np.asarray(t)[0])
            assert got == pytest.approx(exact, rel=1e-13, abs=1e-14), (prim.name, i, args)


SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (2, 3)), ((2, 3), (3,)), ((4, 1), (1, 3)), ((), (2, 2))]


@pytest.mark.parametrize("prim", ELEMENTWISE, ids=lambda p: p.name)
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_vjp_is_adjoint_of_jvp_elementwise(prim, shapes, rng):
    shapes = shapes[: prim.nargs] if prim.nargs <= 2 else shapes
    if prim.nargs == 1:
        shapes = shapes[:1]
    args = [rng.uniform(lo, hi, size=s) for (lo, hi), s in zip(prim.domain, shapes)]
    _adjoint_check(lambda *a: prim(*a), args, rng, skip=prim.nondiff)


def _adjoint_check(fn, args, rng, skip=()):
    """For each argument i (but ``skip``): ⟨u, J_i v⟩ (forward) equals ⟨J_iᵀ u, v⟩ (reverse)."""
    y = np.asarray(fn(*args))
    u = rng.standard_normal(y.shape)
    for i, a in enumerate(args):
        if i in skip:
            continue
        v = rng.standard_normal(np.shape(a))

        def f_i(x, i=i):
            vals = list(args)
            vals[i] = x
            return fn(*vals)

        _, t = forward.jvp_batch(f_i, np.asarray(a, dtype=float), v[None])
        _, pull = reverse.vjp(f_i, np.asarray(a, dtype=float))
        lhs = float(np.sum(u * np.asarray(t)[0]))
        rhs = float(np.sum(np.asarray(pull(u)) * v))
        assert lhs == pytest.approx(rhs, rel=1e-12, abs=1e-12), i


A = np.arange(12.0).reshape(3, 4) / 7.0 - 0.5
TALL = np.array([[2.0, 0.0, 0.5], [0.0, 2.0, 0.0], [0.5, 0.0, 2.0], [1.0, 1.0, 1.0]])  # full column rank
STACK = np.stack([A.T, A.T[::-1]])  # (2, 4, 3): stacked matrices for matmul's broadcasting rules

STRUCTURAL_CASES = {
    "sum": [lambda x: np.sum(x), lambda x: np.sum(x, axis=0), lambda x: np.sum(x, axis=-1, keepdims=True),
            lambda x: x.sum(axis=(0, 1))],
    "mean": [lambda x: np.mean(x, axis=1), lambda x: x.mean()],
    "amax": [lambda x: np.max(x, axis=0), lambda x: np.max(x), lambda x: np.amin(x, axis=1, keepdims=True)],
    "reshape": [lambda x: x.reshape(4, 3), lambda x: np.reshape(x, (-1,)), lambda x: x.ravel()],
    "transpose": [lambda x: x.T, lambda x: np.transpose(x), lambda x: np.swapaxes(x, 0, 1)],
    "getitem": [lambda x: x[1], lambda x: x[:, 1:3], lambda x: x[::-1, 0], lambda x: x[[0, 0, 2]],
                lambda x: x[x > 0], lambda x: x[..., None], lambda x: x[1, [0, 3]]],
    "concatenate": [lambda x: np.concatenate([x, 2 * x], axis=1), lambda x: np.concatenate([x, A]),
                    lambda x: np.stack([x, x * x]), lambda x: np.hstack([x, x]), lambda x: np.vstack([x, A])],
    "matmul": [lambda x: x @ A.T, lambda x: A.T @ x, lambda x: x @ x.T, lambda x: x[0] @ x[1],
               lambda x: x @ A[0], lambda x: A[:, 0] @ x, lambda x: np.dot(x, A.T), lambda x: np.outer(x[0], x[1]),
               lambda x: x[0] @ STACK, lambda x: np.swapaxes(STACK, 1, 2) @ x[1], lambda x: x[:2, None, :] @ STACK],
    "cumsum": [lambda x: np.cumsum(x, axis=1), lambda x: np.cumsum(x)],
    "broadcast_to": [lambda x: np.broadcast_to(x[0], (2, 4)), lambda x: x + A[0]],
    "where": [lambda x: np.where(x > 0, x, 2 * x), lambda x: np.where(x > 0.1, x * x, 0.0)],
    "clip": [lambda x: np.clip(x, -0.2, 0.3)],
    "prod": [lambda x: np.prod(x, axis=0), lambda x: np.prod(x[0])],
    "linalg": [lambda x: np.linalg.inv(x[:, :3] + 3 * np.eye(3)), lambda x: np.linalg.det(x[:, :3] + 2 * np.eye(3)),
               lambda x: np.linalg.solve(x[:, :3] + 3 * np.eye(3), x[:, 3]),
               lambda x: np.linalg.solve(x[:, :3] + 3 * np.eye(3), x[:, 2:]), lambda x: np.linalg.norm(x),
               lambda x: np.linalg.norm(x, axis=0),
               lambda x: np.linalg.lstsq(x.T + TALL, x[0], rcond=None)[0],
               lambda x: np.linalg.lstsq(x[:, :2] + TALL[:3, :2], x[:, 2:], rcond=None)[0],
               lambda x: np.linalg.pinv(x), lambda x: np.linalg.pinv(x.T + TALL),
               lambda x: np.linalg.svd(x, compute_uv=False), lambda x: np.linalg.norm(x, 2),
               lambda x: np.linalg.norm(x, "nuc"), lambda x: np.linalg.norm(x.T + TALL, -2)],
    "composite": [lambda x: np.var(x, axis=0), lambda x: np.std(x), lambda x: np.diff(x, axis=1),
                  lambda x: np.flip(x, 0), lambda x: np.trace(x[:, :3]), lambda x: np.diag(x[0]),
                  lambda x: np.expand_dims(x, 0), lambda x: np.squeeze(x[None]),
                  lambda x: np.column_stack([x[0], x[1]]), lambda x: np.moveaxis(x[None], 0, 2)],
}


def _shifted_square(x):
    y = np.zeros_like(x)
    y[1:] = x[:-1] ** 2
    return y + np.ones_like(x) * np.full_like(x, 0.5) + np.full_like(x, x[0, 0])


def _filled_diagonal(x):
    M = x[:, :3] * 1.0
    np.fill_diagonal(M, x[0, 3])
    return M


def _sorted_in_place(x):
    y = x.copy()
    y.sort(axis=0)
    return y * x.std() + x.var(ddof=1) + y.repeat(2, axis=1)[:, ::2]


ROW1_ZERO = np.array([[1.0], [0.0], [1.0]])
XP, FP = np.array([-0.8, -0.1, 0.3, 0.9]), np.array([1.0, 0.0, 2.0, -1.0])

STRUCTURAL_CASES.update({
    "einsum": [lambda x: np.einsum("ij,jk->ik", x, A.T), lambda x: np.einsum("ij->j", x),
               lambda x: np.einsum("ii", x[:, :3]), lambda x: np.einsum("ii->i", x[:, :3]),
               lambda x: np.einsum("ij,ij", x, x), lambda x: np.einsum("...j,j->...", x, A[0]),
               lambda x: np.einsum("ij", x), lambda x: np.einsum("ij,kj->ikj", x, x),
               lambda x: np.einsum(x, [0, 1], A, [2, 1], [0, 2]),
               lambda x: np.tensordot(x, A, axes=([1], [1])), lambda x: np.tensordot(x, x, axes=2)],
    "slogdet": [lambda x: np.linalg.slogdet(x[:, :3] + 3 * np.eye(3))[1],
                lambda x: np.linalg.slogdet(np.stack([x[:, :3], x[:, 1:]]) - 3 * np.eye(3)).logabsdet],
    "norm": [lambda x: np.linalg.norm(x, axis=1), lambda x: np.linalg.norm(x, axis=(0, 1), keepdims=True),
                    lambda x: np.linalg.norm(x * ROW1_ZERO, axis=1),  # a zero row: finite, 0
                    lambda x: np.linalg.norm(x[0], ord=2)],
    "cholesky": [lambda x: np.linalg.cholesky(x[:, :3] @ x[:, :3].T + 3 * np.eye(3)),
                 lambda x: np.linalg.cholesky(x[:, 1:] + 4 * np.eye(3)),  # reads the lower triangle
                 lambda x: np.linalg.cholesky(x[:, :3] + 4 * np.eye(3), upper=True)],
    "sort": [lambda x: np.sort(x), lambda x: np.sort(x, axis=0), lambda x: np.sort(x, axis=None),
             lambda x: np.median(x, axis=0), lambda x: np.median(x[:, :3], axis=1, keepdims=True),
             lambda x: np.percentile(x, [10, 50, 90], axis=1), lambda x: np.quantile(x, 0.3),
             _sorted_in_place],
    "take": [lambda x: np.take(x, [0, 2, 2], axis=1), lambda x: x.take([1, 5]),
             lambda x: np.take_along_axis(x, np.argsort(x, axis=0), axis=0)],
    "tile_repeat": [lambda x: np.tile(x, 2), lambda x: np.tile(x[0], (2, 2)), lambda x: np.repeat(x, 2, axis=1),
                    lambda x: np.repeat(x, [1, 0, 2], axis=0), lambda x: np.repeat(x, 2)],
    "roll": [lambda x: np.roll(x, 1), lambda x: np.roll(x, -1, axis=1), lambda x: np.roll(x, (1, 2), axis=(0, 1))],
    "pad": [lambda x: np.pad(x, 1), lambda x: np.pad(x, ((0, 1), (2, 0)), constant_values=((1.0, 2.0), (3.0, 4.0))),
            lambda x: np.pad(x, 2, mode="edge"), lambda x: np.pad(x, 1, mode="reflect"),
            lambda x: np.pad(x, (1, 2), mode="symmetric"), lambda x: np.pad(x, 1, mode="wrap")],
    "tri": [lambda x: np.tril(x), lambda x: np.triu(x, 1), lambda x: np.tril(x, -1)],
    "kron": [lambda x: np.kron(x[0], x[1]), lambda x: np.kron(x[:2, :2], A[:2, :3]),
             lambda x: np.kron(x[:, :2], x[:2, 0])],
    "polyval": [lambda x: np.polyval(x[0], x[1]), lambda x: np.polyval([1.0, -2.0, 0.5], x)],
    "interp": [lambda x: np.interp(x, XP, FP), lambda x: np.interp(A[0], XP, x[0]),
               lambda x: np.interp(x[1], XP, FP, left=x[0, 0], right=-x[0, 1])],
    "cross": [lambda x: np.cross(x[0, :3], x[1, :3]), lambda x: np.cross(x[:, :3], A[:, :3]),
              lambda x: np.cross(x[:, :2], x[:, 2:])],
    "average": [lambda x: np.average(x, axis=0, weights=[1.0, 2.0, 3.0]), lambda x: np.average(A, weights=x * x + 1)],
    "numeric": [lambda x: np.sinc(x), lambda x: np.gradient(x[0]), lambda x: np.stack(np.gradient(x, 0.5)),
                lambda x: np.trapezoid(x, axis=1), lambda x: np.trapezoid(A[0], x=np.cumsum(x[0] ** 2)),
                lambda x: np.linalg.matrix_power(x[:, :3], 5),
                lambda x: np.linalg.matrix_power(x[:, :3] + 3 * np.eye(3), -2),
                lambda x: np.cumprod(x, axis=1), lambda x: np.cumprod(x)],
    "split_append": [lambda x: np.concatenate(np.split(x, 2, axis=1)[::-1]),
                     lambda x: np.concatenate(np.array_split(x, 3, axis=1)[::-1], axis=1),
                     lambda x: np.append(x, x[0]), lambda x: np.append(x, x[:1], axis=0),
                     lambda x: np.hstack(np.hsplit(x, [1, 3])[::-1])],
    "like": [_shifted_square, _filled_diagonal],
    "reductions": [lambda x: np.sum(x ** 2, where=x > 0), lambda x: np.mean(x, axis=1, where=x < 0.5),
                   lambda x: np.max(x, axis=0, initial=0.2, where=x < 0.9), lambda x: np.sum(x, initial=1.5),
                   lambda x: np.prod(x, axis=1, where=x > -0.5), lambda x: np.var(x, axis=0, where=x > -0.8, ddof=1),
                   lambda x: np.std(x, correction=1), lambda x: np.ptp(x, axis=1),
                   lambda x: np.nansum(np.where(x > 0.6, np.nan, x), axis=0),
                   lambda x: np.nanmean(np.where(x > 0.6, np.nan, x)),
                   lambda x: np.nanmax(np.where(x > 0.6, np.nan, x), axis=1),
                   lambda x: np.nanstd(np.where(x < -0.6, np.nan, x)),
                   lambda x: np.logaddexp.reduce(x, axis=1), lambda x: np.multiply.accumulate(x, axis=0),
                   lambda x: np.maximum.accumulate(x, axis=1), lambda x: np.hypot.reduce(x, axis=0)],
    "shape_order": [lambda x: np.diff(x, prepend=0.0), lambda x: np.diff(x, axis=0, append=x[:1]),
                    lambda x: x.reshape(2, 6, order="F"), lambda x: x.ravel("F"), lambda x: x.flatten(order="F")],
    "eigh": [lambda x: np.linalg.eigvalsh(x[:, :3] + x[:, :3].T), lambda x: np.linalg.eigh(x[:, 1:])[0],
             lambda x: np.linalg.eigh(x[:, :3] @ x[:, :3].T).eigenvectors,
             lambda x: np.linalg.eigh(x[:, 1:], UPLO="U")[1], lambda x: np.linalg.eigvalsh(x[:, 1:], UPLO="U")],
    "signal": [lambda x: np.convolve(x[0], x[1, :2]), lambda x: np.convolve(x[0], A[0, :3], mode="same"),
               lambda x: np.convolve(x[2], x[1], mode="valid"), lambda x: np.correlate(x[0], x[1, :2]),
               lambda x: np.unique(x)[:3] * np.unique(x, return_counts=True)[1][:3]],
    "assemble": [lambda x: np.dstack([x, x ** 2]), lambda x: np.atleast_3d(x[0]),
                 lambda x: np.block([[x, x[:, :1]], [x[:1], x[:1, :1]]]), lambda x: np.block([x[0], 2 * x[1]]),
                 lambda x: np.stack(np.meshgrid(x[0], x[1, :3])), lambda x: np.meshgrid(x[0], x[1], indexing="ij")[1],
                 lambda x: np.select([x < -0.3, x > 0.4], [x ** 2, np.sin(x)], default=0.5),
                 lambda x: np.piecewise(x, [x < 0, x >= 0], [lambda v: v ** 2, lambda v: np.sin(v)]),
                 lambda x: np.piecewise(x[0], [x[0] < 0], [lambda v: 2 * v, lambda v: v ** 3]),
                 lambda x: np.apply_along_axis(lambda r: np.sum(r ** 2), 1, x),
                 lambda x: np.apply_along_axis(lambda c: np.sort(c)[::-1] * c, 0, x),
                 lambda x: x.sum(where=x > 0) + x.max(axis=0, initial=0.0) + x.mean(where=x < 0.5)],
})


@pytest.mark.parametrize("case", [(k, i) for k, v in STRUCTURAL_CASES.items() for i in range(len(v))], ids=str)
def test_structural_adjoint_and_fd(case, rng):
    fn = STRUCTURAL_CASES[case[0]][case[1]]
    x = rng.uniform(-1, 1, size=(3, 4))
    _adjoint_check(fn, [x], rng)
    # and forward mode against central differences along a random direction
    v = rng.standard_normal(x.shape)
    h = 1e-6
    fd = (np.asarray(fn(x + h * v)) - np.asarray(fn(x - h * v))) / (2 * h)
    y, t = forward.jvp_batch(fn, x, v[None])
    np.testing.assert_allclose(np.asarray(t)[0], fd, rtol=1e-6, atol=1e-7)
    # and tracing changes no value: the primal is NumPy's own, bit for bit
    np.testing.assert_array_equal(np.asarray(concrete(y)), np.asarray(fn(x)))


NEW_RULES = [lambda x: np.einsum("ij,ij->", np.einsum("ij,kj->ik", x, x), np.cos(x[:, :3])),
             lambda x: np.linalg.slogdet(x[:, :3] @ x[:, :3].T + np.eye(3))[1],
             lambda x: np.sum(np.linalg.norm(x, axis=0) ** 3),
             lambda x: np.sum(np.linalg.cholesky(x[:, :3] @ x[:, :3].T + np.eye(3)) ** 3),
             lambda x: np.sum(np.sort(x, axis=1)[:, 1:] ** 3 * A[:, 1:]),
             lambda x: np.sum(np.sin(x[0] @ STACK) * (x[1] @ x[2])),
             lambda x: np.sum(np.linalg.lstsq(x.T + TALL, x[1], rcond=None)[0] ** 2)
             + np.linalg.lstsq(x.T + TALL, x[2], rcond=None)[1][0]]


@pytest.mark.parametrize("i", range(len(NEW_RULES)))
def test_new_rules_differentiate_again(i, rng):
    """Second order: forward-over-reverse, reverse-over-reverse and FD of the gradient agree."""
    import adcheck

    x, v = rng.uniform(-1, 1, size=(3, 4)), rng.standard_normal((3, 4))
    ref = adcheck.hvp(NEW_RULES[i], x, v, method="forward-over-reverse")
    for method in ("reverse-over-reverse", "forward-over-forward"):
        np.testing.assert_allclose(adcheck.hvp(NEW_RULES[i], x, v, method=method), ref,
                                   rtol=1e-11, atol=1e-11, err_msg=method)
    np.testing.assert_allclose(adcheck.hvp(NEW_RULES[i], x, v, method="fd"), ref, rtol=1e-6, atol=1e-6)


def test_registry_refuses_half_specified():
    from adcheck.prims.table import Primitive, register

    with pytest.raises(ValueError):
        register(Primitive(name="half", impl=np.sin, jvp=None, vjp=(None,), doc="x", nargs=1))
    with pytest.raises(ValueError):
        register(Primitive(name="nodoc", impl=np.sin, jvp=lambda *a: None, vjp=(lambda *a: None,), nargs=1))


def test_every_primitive_has_doc_and_rules():
    for p in all_primitives():
        assert p.doc and p.jvp is not None and p.vjp is not None, p.name
    assert get("sin").sympy is not None


def test_lstsq_outputs_match_numpy_and_a_rank_deficient_system_is_refused():
    import adcheck
    from adcheck.errors import UnsupportedOpError
    from adcheck.frontends.coerce import wrap

    x = np.linspace(-1.0, 1.0, 12).reshape(3, 4)

    def parts(z):
        sol, res, rank, sv = np.linalg.lstsq(z.T + TALL, z[0], rcond=None)
        return np.concatenate([sol, res, [rank], sv])

    np.testing.assert_allclose(np.asarray(concrete(reverse.vjp(wrap(parts), x)[0])), parts(x), rtol=1e-13)
    with pytest.raises(UnsupportedOpError, match="full column rank"):
        adcheck.grad(lambda z: np.sum(np.linalg.lstsq(np.ones((4, 2)) * z[0], z, rcond=None)[0]),
                     np.array([1.0, 2.0, 3.0, 4.0]))


def test_nan_to_num_keeps_the_derivative_of_finite_entries():
    import adcheck

    x = np.array([0.0, 0.5, 2.0])
    f = lambda z: np.sum(np.nan_to_num(np.log(z), neginf=-7.0) ** 2)  # noqa: E731
    with np.errstate(divide="ignore"):
        g = adcheck.grad(f, x)
    np.testing.assert_allclose(g[1:], [2 * np.log(0.5) / 0.5, 2 * np.log(2.0) / 2.0], rtol=1e-14)
    assert np.isnan(g[0])  # log has no derivative at 0: said as NaN, not hidden as 0


def test_singular_value_rules_are_first_order_and_say_so():
    import adcheck
    from adcheck.errors import UnsupportedOpError

    with pytest.raises(UnsupportedOpError, match="second derivatives of singular values"):
        adcheck.hessian(lambda z: np.linalg.norm(TALL * z[:3], "nuc"), np.ones(3))
    with pytest.raises(UnsupportedOpError, match="compute_uv=False"):
        adcheck.grad(lambda z: np.sum(np.linalg.svd(TALL * z[:3])[0]), np.ones(3))
