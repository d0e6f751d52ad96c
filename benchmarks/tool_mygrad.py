"""mygrad: f on mygrad Tensors; reverse mode only (no forward mode, no higher order)."""

from __future__ import annotations

import numpy as np

import bench_problems as bp

NAME = "mygrad"


def load():
    import mygrad

    return mygrad.__version__


def _f(p):
    import mygrad as mg

    ns, math, d = bp.namespace_from(mg), bp.MATH[p.name], p.data
    return lambda x: math(ns, x, d)


def grad_cases(p):
    import mygrad as mg

    f, x = _f(p), p.x

    def grad():
        t = mg.Tensor(x)
        f(t).backward()
        return t.grad

    def value():
        return f(mg.Tensor(x, constant=True))

    return {"f": value, "grad": grad}


def to_numpy(out):
    import mygrad as mg

    return np.asarray(out.data if isinstance(out, mg.Tensor) else out, dtype=np.float64)
