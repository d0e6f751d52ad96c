"""jax code under adcheck's verdicts: jax's own grad / jvp / grad-of-grad against FD in float64."""

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = jax.numpy

from adcheck.frameworks import framework_of                      # noqa: E402
from adcheck.frameworks.checks import check_autograd, check_second  # noqa: E402

from tests.analysis.test_checks import MUTATIONS, larger_error, small_error  # noqa: E402


def quartic(n, mutate=None):
    """sum(c x⁴ + x sin x) as a jax.custom_vjp with a hand-written (mutated if asked) backward."""
    c = np.linspace(0.5, 2.0, n)

    @jax.custom_vjp
    def f(x):
        return jnp.sum(jnp.asarray(c, x.dtype) * x ** 4) + jnp.sum(jnp.sin(x) * x)

    def fwd(x):
        return f(x), x

    def bwd(x, g):
        grad = 4 * jnp.asarray(c, x.dtype) * x ** 3 + jnp.cos(x) * x + jnp.sin(x)
        if mutate is not None:
            grad = jnp.asarray(mutate(np.asarray(grad, dtype=np.float64)), x.dtype)
        return (g * grad,)
    f.defvjp(fwd, bwd)
    return f


def point(n, dtype, seed):
    return np.random.default_rng(seed).uniform(-1.2, 1.2, n).astype(dtype)


def test_jax_functions_are_recognised():
    def loss(w):
        return jnp.sum(jnp.tanh(w))
    assert framework_of(loss) == "jax"
    assert framework_of(quartic(3)) == "jax"


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("n", [8, 1000], ids=["small", "large"])
def test_correct_custom_vjp_gradient_passes(n, dtype):
    res = check_autograd(quartic(n), (point(n, dtype, 3),))
    assert res.exit_code == 0, res.verdict
    assert res.dtype == np.dtype(dtype).name


def test_float64_reference_really_runs_in_float64():
    # without 64-bit mode jax would silently compute the FD reference in float32
    res = check_autograd(quartic(6), (point(6, np.float64, 1),))
    assert res.max_rel_error < 1e-12, res.verdict


CASES = [(m, np.float64, 8) for m in MUTATIONS] + [(m, np.float32, 8) for m in MUTATIONS] + \
    [(m, np.float64, 1000) for m in MUTATIONS] + [(larger_error, np.float32, 1000)]


@pytest.mark.parametrize("mutate,dtype,n", CASES,
                         ids=[f"{m.__name__}-{np.dtype(d).name}-{n}" for m, d, n in CASES])
def test_every_mutation_of_a_bwd_is_caught(mutate, dtype, n):
    res = check_autograd(quartic(n, mutate), (point(n, dtype, 3),))
    assert res.exit_code == 1, res.verdict


def test_small_error_caught_entrywise_in_float32():
    res = check_autograd(quartic(8, small_error), (point(8, np.float32, 3),))
    assert res.exit_code == 1


def test_abs_kink_is_inconclusive():
    res = check_autograd(lambda x: jnp.sum(jnp.abs(x)) + jnp.sum(x ** 2), (np.array([0.0, 0.5]),),
                         framework="jax")
    assert res.exit_code == 3, res.verdict


def test_wrong_custom_jvp_fails_forward_and_reverse():
    @jax.custom_jvp
    def f(x):
        return jnp.sin(x)

    @f.defjvp
    def f_jvp(p, t):
        return jnp.sin(p[0]), 1.01 * jnp.cos(p[0]) * t[0]
    res = check_autograd(lambda x: jnp.sum(f(x) ** 2), (np.array([0.3, 1.0]),), framework="jax")
    assert res.exit_code == 1


def test_grad_of_grad_is_checked():
    def good(x):
        return jnp.sum(jnp.sin(x) * x ** 2) + jnp.prod(jnp.cos(x))

    @jax.custom_vjp
    def cube(x):
        return x ** 3

    cube.defvjp(lambda x: (x ** 3, x), lambda x, g: (g * 3 * jax.lax.stop_gradient(x) ** 2,))

    def bad(x):
        return jnp.sum(cube(x)) + jnp.prod(jnp.cos(x))
    x = np.array([0.3, -0.9, 1.2])
    assert check_second(good, (x,)).exit_code == 0
    assert check_autograd(bad, (x,)).exit_code == 0
    assert check_second(bad, (x,)).exit_code == 1


def test_no_false_alarm_on_float32_jax_code_across_100_seeds():
    A = np.random.default_rng(0).standard_normal((20, 12))

    def loss(w):
        z = jnp.asarray(A, w.dtype) @ w
        return jnp.sum(jax.nn.softplus(z)) - jnp.sum(jnp.tanh(w) * z[:12])
    for seed in range(100):
        x = np.random.default_rng(seed).standard_normal(12).astype(np.float32)
        res = check_autograd(loss, (x,), seed=seed)
        assert res.exit_code == 0, (seed, res.verdict)
