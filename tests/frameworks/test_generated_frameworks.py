"""Generated functions written three times — NumPy, torch, jax — from one expression tree.

torch's gradient, jax's gradient and adcheck's reverse AD of the NumPy twin must
agree to round-off, and adcheck's check of each framework's gradient (FD in
float64, the twin's AD) must pass: three independent differentiations and
finite differences on the same function.
"""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")
jnp = jax.numpy

import adcheck                                              # noqa: E402
from adcheck.frameworks.checks import check_autograd        # noqa: E402

# each op: (name, arity, builder(namespace, *args)); namespaces give sin/cos/... per library
UNARY = {
    "sin": lambda m, a: m.sin(a), "cos": lambda m, a: m.cos(a), "tanh": lambda m, a: m.tanh(a),
    "exp_sin": lambda m, a: m.exp(m.sin(a)), "log": lambda m, a: m.log(2 + m.sin(a)),
    "sqrt": lambda m, a: m.sqrt(1 + a * a), "atan": lambda m, a: m.arctan(a),
    "square": lambda m, a: a * a, "neg": lambda m, a: -a,
}
BINARY = {
    "add": lambda m, a, b: a + b, "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / (2 + m.cos(b)), "pow": lambda m, a, b: (2 + m.sin(a)) ** m.cos(b),
}


class _Torch:
    sin, cos, tanh, exp, log, sqrt = torch.sin, torch.cos, torch.tanh, torch.exp, torch.log, torch.sqrt
    arctan = torch.atan


def tree(depth):
    leaf = st.sampled_from([("x", 0), ("x", 1), ("x", 2), ("c", 0.5)])
    if depth == 0:
        return leaf
    sub = tree(depth - 1)
    return st.one_of(st.tuples(st.just("u"), st.sampled_from(sorted(UNARY)), sub),
                     st.tuples(st.just("b"), st.sampled_from(sorted(BINARY)), sub, tree(depth - 2 if depth > 1 else 0)))


def build(node, m):
    kind = node[0]
    if kind == "x":
        return lambda x: x[node[1]]
    if kind == "c":
        return lambda x: node[1] + 0 * x[0]         # an array of the library, not a float
    if kind == "u":
        op, inner = UNARY[node[1]], build(node[2], m)
        return lambda x: op(m, inner(x))
    op, left, right = BINARY[node[1]], build(node[2], m), build(node[3], m)
    return lambda x: op(m, left(x), right(x))


def functions(node):
    body = {name: build(node, m) for name, m in (("numpy", np), ("torch", _Torch), ("jax", jnp))}

    def f_numpy(x):
        return x[0] * x[1] * x[2] + body["numpy"](x)

    def f_torch(x):
        return x[0] * x[1] * x[2] + body["torch"](x) + 0 * torch.sum(x)

    def f_jax(x):
        return x[0] * x[1] * x[2] + body["jax"](x) + 0 * jnp.sum(x)
    return f_numpy, f_torch, f_jax


@settings(max_examples=12, deadline=None)
@given(tree(4), st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3))
def test_torch_jax_and_adcheck_agree_and_both_framework_gradients_pass(node, point):
    f_numpy, f_torch, f_jax = functions(node)
    x = np.array(point)
    with np.errstate(all="ignore"):
        ref = adcheck.grad(f_numpy, x)
    t = torch.tensor(x, requires_grad=True)
    (g_torch,) = torch.autograd.grad(f_torch(t), t)
    with jax.enable_x64(True):
        g_jax = np.asarray(jax.grad(f_jax)(jnp.asarray(x)))
    scale = max(1.0, float(np.max(np.abs(ref))))
    assert np.allclose(g_torch.numpy(), ref, rtol=0, atol=1e-12 * scale), (node, g_torch, ref)
    assert np.allclose(g_jax, ref, rtol=0, atol=1e-12 * scale), (node, g_jax, ref)
    for f, fw in ((f_torch, "torch"), (f_jax, "jax")):
        res = check_autograd(f, (x,), framework=fw, twin=f_numpy)
        assert res.exit_code == 0, (fw, node, res.verdict)
