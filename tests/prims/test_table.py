"""Table-driven checks of every primitive's rules.

* elementwise: the JVP against sympy's derivative of the sympy twin (sympy checks
  the table instead of copying it), at points inside each primitive's domain;
* every primitive: the VJP against the JVP through the adjoint identity
  ⟨u, J v⟩ = ⟨Jᵀu, v⟩, on scalar, vector, matrix and broadcast shapes.
"""

import numpy as np
import pytest

from adcheck.methods import forward, reverse
from adcheck.prims import all_primitives, get

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
    _adjoint_check(lambda *a: prim(*a), args, rng)


def _adjoint_check(fn, args, rng):
    """For each argument i: ⟨u, J_i v⟩ (forward) equals ⟨J_iᵀ u, v⟩ (reverse)."""
    y = np.asarray(fn(*args))
    u = rng.standard_normal(y.shape)
    for i, a in enumerate(args):
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
               lambda x: x @ A[0], lambda x: A[:, 0] @ x, lambda x: np.dot(x, A.T), lambda x: np.outer(x[0], x[1])],
    "cumsum": [lambda x: np.cumsum(x, axis=1), lambda x: np.cumsum(x)],
    "broadcast_to": [lambda x: np.broadcast_to(x[0], (2, 4)), lambda x: x + A[0]],
    "where": [lambda x: np.where(x > 0, x, 2 * x), lambda x: np.where(x > 0.1, x * x, 0.0)],
    "clip": [lambda x: np.clip(x, -0.2, 0.3)],
    "prod": [lambda x: np.prod(x, axis=0), lambda x: np.prod(x[0])],
    "linalg": [lambda x: np.linalg.inv(x[:, :3] + 3 * np.eye(3)), lambda x: np.linalg.det(x[:, :3] + 2 * np.eye(3)),
               lambda x: np.linalg.solve(x[:, :3] + 3 * np.eye(3), x[:, 3]),
               lambda x: np.linalg.solve(x[:, :3] + 3 * np.eye(3), x[:, 2:]), lambda x: np.linalg.norm(x),
               lambda x: np.linalg.norm(x, axis=0)],
    "composite": [lambda x: np.var(x, axis=0), lambda x: np.std(x), lambda x: np.diff(x, axis=1),
                  lambda x: np.flip(x, 0), lambda x: np.trace(x[:, :3]), lambda x: np.diag(x[0]),
                  lambda x: np.expand_dims(x, 0), lambda x: np.squeeze(x[None]),
                  lambda x: np.column_stack([x[0], x[1]]), lambda x: np.moveaxis(x[None], 0, 2)],
}


@pytest.mark.parametrize("case", [(k, i) for k, v in STRUCTURAL_CASES.items() for i in range(len(v))], ids=str)
def test_structural_adjoint_and_fd(case, rng):
    fn = STRUCTURAL_CASES[case[0]][case[1]]
    x = rng.uniform(-1, 1, size=(3, 4))
    _adjoint_check(fn, [x], rng)
    # and forward mode against central differences along a random direction
    v = rng.standard_normal(x.shape)
    h = 1e-6
    fd = (np.asarray(fn(x + h * v)) - np.asarray(fn(x - h * v))) / (2 * h)
    _, t = forward.jvp_batch(fn, x, v[None])
    np.testing.assert_allclose(np.asarray(t)[0], fd, rtol=1e-6, atol=1e-7)


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
