"""JAX on the CPU, float64, everything under jax.jit (compile time is the warm-up, not the median).

The data arrays are passed to the jitted functions as arguments (not baked
into the program as constants); integers (layer widths) stay static.
"""

from __future__ import annotations

import os

import numpy as np

import bench_problems as bp

NAME = "jax"


def load():
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax

    jax.config.update("jax_enable_x64", True)
    return jax.__version__


def _parts(p):
    import jax.numpy as jnp

    arrays = {k: jnp.asarray(v) for k, v in p.data.items() if isinstance(v, np.ndarray)}
    static = {k: v for k, v in p.data.items() if not isinstance(v, np.ndarray)}
    ns, math = bp.namespace_from(jnp), bp.MATH[p.name]

    def f(x, arr):
        return math(ns, x, {**arr, **static})

    return f, jnp.asarray(p.x), jnp.asarray(p.v), arrays


def _ready(fn):
    import jax

    return lambda: jax.block_until_ready(fn())


def grad_cases(p):
    import jax

    f, x, _, d = _parts(p)
    fj, gj = jax.jit(f), jax.jit(jax.grad(f))
    return {"f": _ready(lambda: fj(x, d)), "grad": _ready(lambda: gj(x, d))}


def jvp_cases(p):
    import jax

    f, x, v, d = _parts(p)
    fj = jax.jit(f)
    jv = jax.jit(lambda x, v, d: jax.jvp(lambda z: f(z, d), (x,), (v,))[1])
    return {"f": _ready(lambda: fj(x, d)), "jvp": _ready(lambda: jv(x, v, d))}


def hvp_cases(p):
    import jax

    f, x, v, d = _parts(p)
    g = jax.grad(f)
    gj = jax.jit(g)
    fwd = jax.jit(lambda x, v, d: jax.jvp(lambda z: g(z, d), (x,), (v,))[1])
    rev = jax.jit(jax.grad(lambda x, v, d: jax.numpy.vdot(g(x, d), v)))
    return {"grad": _ready(lambda: gj(x, d)),
            "hvp fwd-over-rev": _ready(lambda: fwd(x, v, d)),
            "hvp rev-over-rev": _ready(lambda: rev(x, v, d))}


def jacobian_cases(p):
    import jax

    f, x, _, d = _parts(p)
    fj = jax.jit(f)
    jf, jr = jax.jit(jax.jacfwd(f)), jax.jit(jax.jacrev(f))
    return {"f": _ready(lambda: fj(x, d)), "jac fwd": _ready(lambda: jf(x, d)),
            "jac rev": _ready(lambda: jr(x, d))}


def to_numpy(out):
    return np.asarray(out, dtype=np.float64)
