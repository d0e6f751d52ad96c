"""HIPS autograd: f in autograd.numpy on plain arrays; grad, make_jvp, hessian_vector_product, jacobian."""

from __future__ import annotations

import numpy as np

import bench_problems as bp

NAME = "autograd"


def load():
    import autograd

    from importlib.metadata import version

    del autograd
    return version("autograd")


def _f(p):
    import autograd.numpy as anp

    ns, math, d = bp.namespace_from(anp), bp.MATH[p.name], p.data
    return lambda x: math(ns, x, d)


def grad_cases(p):
    import autograd

    f, x = _f(p), p.x
    g = autograd.grad(f)
    return {"f": lambda: f(x), "grad": lambda: g(x)}


def jvp_cases(p):
    from autograd import make_jvp

    f, x, v = _f(p), p.x, p.v
    return {"f": lambda: f(x), "jvp": lambda: make_jvp(f)(x)(v)[1]}


def hvp_cases(p):
    import autograd
    from autograd import make_jvp

    f, x, v = _f(p), p.x, p.v
    g = autograd.grad(f)
    hvp = autograd.hessian_vector_product(f)
    return {"grad": lambda: g(x),
            "hvp fwd-over-rev": lambda: make_jvp(g)(x)(v)[1],
            "hvp rev-over-rev": lambda: hvp(x, v)}


def jacobian_cases(p):
    import autograd

    f, x = _f(p), p.x
    jac = autograd.jacobian(f)
    return {"f": lambda: f(x), "jac rev": lambda: jac(x)}


def to_numpy(out):
    return np.asarray(out, dtype=np.float64)
