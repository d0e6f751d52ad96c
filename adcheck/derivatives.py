"""The public derivative functions: grad, jacobian, jvp, vjp, hvp, hessian.

``f`` is plain NumPy code taking one array.  ``method`` picks how:
``"reverse"`` (tape + backward), ``"forward"`` (dual numbers), or one of the
finite-difference schemes (``"fd-central"``, ``"fd-richardson"``...).
"""

from __future__ import annotations

import math

import numpy as np

from adcheck.errors import UsageError
from adcheck.methods import forward, reverse
from adcheck.methods.dispatch import as_input, concrete, outer

_AD = ("forward", "reverse")


def _plain(x):
    """The result for the caller: an ndarray, or -- when this call runs inside an enclosing
    differentiation (MAML: the gradient of a loss after a gradient step) -- that level's
    tracer, so the enclosing derivative sees through this one."""
    return outer(x)


def _user(f):
    """The user's f with adcheck's stand-ins for coercing calls (see frontends.coerce)."""
    from adcheck.frontends.coerce import wrap

    return wrap(f)


def _fd_jacobian(f, x, method):
    from adcheck.methods import fd

    x = np.asarray(x, dtype=np.float64)
    est = fd.jacobian(lambda v: np.asarray(f(v.reshape(x.shape)), dtype=np.result_type(v, float)).reshape(-1),
                      x.reshape(-1), method)
    return est.jacobian


def jacobian(f, x, method="reverse"):
    """The Jacobian of f at x, shaped (m, n) with n = x.size, m = f(x).size."""
    f = _user(f)
    if method == "forward":
        return forward.jacobian(f, x)[1]
    if method == "reverse":
        return reverse.jacobian(f, x)[1]
    if method.startswith("fd-") or method == "complex-step":
        return _fd_jacobian(f, x, method)
    raise UsageError(f"unknown method {method!r}")


def grad(f, x, method="reverse"):
    """The gradient of a scalar f at x, shaped like x.

    May be called inside another differentiation (the gradient of a loss after
    a gradient step): x and the result are then that level's traced values.
    """
    x = as_input(x)
    f = _user(f)
    if method == "reverse":
        y, pull = reverse.vjp(f, x, lean=True, once=True)
        y = concrete(y)
        shape = y.shape if type(y) is np.ndarray or type(y) is np.float64 else np.shape(y)
        if shape and math.prod(shape) != 1:
            raise UsageError(f"grad needs a scalar function; f returns shape {shape}: use jacobian")
        g = pull(np.ones(shape))
        return (g if type(g) is np.ndarray else _plain(g)).reshape(x.shape)
    jac = jacobian(f, x, method)
    if jac.shape[0] != 1:
        raise UsageError(f"grad needs a scalar function; f has {jac.shape[0]} outputs: use jacobian")
    return jac.reshape(x.shape)


def jvp(f, x, v):
    """``(f(x), J v)`` by one forward pass."""
    x = as_input(x)
    v = np.reshape(as_input(v), (1,) + tuple(x.shape))
    y, t = forward.jvp_batch(_user(f), x, v)
    return _plain(y), _plain(t)[0]


def vjp(f, x, u):
    """``(f(x), uᵀ J)`` by one backward pass; the product is shaped like x."""
    y, pull = reverse.vjp(_user(f), as_input(x), lean=True, once=True)
    return _plain(y), _plain(pull(np.reshape(as_input(u), np.shape(concrete(y)))))


def _grad_fn(f):
    """x -> ∇f(x), itself traceable (reverse mode inside, so it nests)."""

    def g(x):
        y, pull = reverse.vjp(f, x, lean=True, once=True)
        return pull(np.ones(np.shape(concrete(y))))

    return g


def hvp(f, x, v, method="forward-over-reverse"):
    """H v for a scalar f, shaped like x.

    forward-over-reverse: one JVP of the reverse-mode gradient (cheapest);
    reverse-over-reverse: the gradient of ⟨∇f(x), v⟩;
    fd: central difference of the reverse gradient along v.
    """
    x = as_input(x)
    v = np.reshape(as_input(v), x.shape)
    f = _user(f)
    if method == "forward-over-reverse":
        return jvp(_grad_fn(f), x, v)[1]
    if method == "reverse-over-reverse":
        g = _grad_fn(f)
        return grad(lambda z: np.sum(g(z) * v), x, "reverse")
    if method == "forward-over-forward":
        seeds = np.eye(x.size).reshape((x.size,) + x.shape)
        return jvp(lambda z: np.reshape(forward.jvp_batch(f, z, seeds)[1], x.shape), x, v)[1]
    if method in ("fd", "fd-central"):
        from adcheck.methods import fd

        g = _grad_fn(f)
        val, _, _ = fd.directional(lambda z: _plain(g(z.reshape(x.shape))).reshape(-1), x.reshape(-1),
                                   v.reshape(-1), "fd-central")
        return np.asarray(val).reshape(x.shape)
    raise UsageError(f"unknown HVP method {method!r}")


def hessian(f, x, method="forward-over-reverse"):
    """The full Hessian (n, n) of a scalar f, by n Hessian-vector products."""
    x = as_input(x)
    n = x.size
    f = _user(f)
    if method == "forward-over-reverse":
        seeds = np.eye(n).reshape((n,) + x.shape)
        _, t = forward.jvp_batch(_grad_fn(f), x, seeds)
        return _plain(t).reshape(n, n)
    cols = [hvp(f, x, e.reshape(x.shape), method).reshape(-1) for e in np.eye(n)]
    return np.array(cols).T
