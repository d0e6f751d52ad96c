"""jax.custom_vjp: log(1 + e^x) with a hand-written backward, inside a logistic-regression loss.

    log1pexp(x) = log(1 + e^x),   d/dx = sigmoid(x)

``adcheck check examples/frameworks/jax_custom_vjp.py`` checks the rule
(``fwd``'s output against the primal, ``bwd`` against float64 finite
differences, linearity in the cotangent, shapes and dtypes) and the gradient
jax computes for ``nll`` through it (and, with ``--order 2``, its Hessian by
grad of grad).  ``clipped_norm`` is a jax.custom_jvp whose tangent rule is
checked the same way (forward mode, and the adjoint identity with the
reverse mode jax derives from it).
"""

import jax
import jax.numpy as jnp
import numpy as np


@jax.custom_vjp
def log1pexp(x):
    return jnp.logaddexp(0.0, x)


def _log1pexp_fwd(x):
    return log1pexp(x), x


def _log1pexp_bwd(x, g):
    return (g * jax.nn.sigmoid(x),)


log1pexp.defvjp(_log1pexp_fwd, _log1pexp_bwd)


@jax.custom_jvp
def clipped_norm(x):
    return jnp.sqrt(jnp.sum(x * x) + 1e-12)


@clipped_norm.defjvp
def _clipped_norm_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    n = clipped_norm(x)
    return n, jnp.dot(x, t) / n


_rng = np.random.default_rng(1)
A = _rng.standard_normal((30, 4))
LABELS = (_rng.uniform(size=30) < 0.5).astype(float)


def nll(w):
    """Logistic negative log-likelihood: sum(log(1 + e^z) - y z), z = A w, plus a norm penalty."""
    z = jnp.asarray(A, dtype=w.dtype) @ w
    return jnp.sum(log1pexp(z) - jnp.asarray(LABELS, dtype=w.dtype) * z) + 0.1 * clipped_norm(w)


ADCHECK_POINTS = {
    "nll": np.array([0.2, -0.4, 0.1, 0.3]),
    "log1pexp": np.array([-20.0, -1.0, 0.0, 0.5, 25.0]),
    "clipped_norm": np.array([0.5, -1.0, 2.0]),
}
