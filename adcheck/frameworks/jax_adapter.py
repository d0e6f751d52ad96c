"""A JAX function seen as NumPy in, NumPy out, with jax's own derivatives as the user's.

jax computes in float32 unless 64-bit mode is on.  A float64 point (the FD
reference, a float64 check) is evaluated inside ``jax.enable_x64(True)``, so
it really runs in float64; a float32 point runs as the user's code runs by
default.  Nothing changes jax's global configuration.

Derivatives: ``jacobian`` is ``jax.jacrev`` (``jax.grad`` for a scalar), ``jvp``
is ``jax.jvp``, ``hessian`` is ``jax.jacrev`` of ``jax.grad`` and ``hvp`` the
gradient of ⟨∇f, v⟩ (grad of grad).  :class:`JaxRule` exposes a
``jax.custom_vjp`` / ``jax.custom_jvp`` function to check_rule: the user's
``fwd``/``bwd`` or ``jvp`` rule is called directly, so its raw results are
what is judged.
"""

from __future__ import annotations

import contextlib

import numpy as np

from adcheck.frameworks import require

jax = require("jax")
jnp = jax.numpy

__all__ = ["JaxFunction", "JaxRule", "precision"]


def precision(xs):
    """64-bit mode while a float64 input is evaluated; the user's defaults otherwise."""
    wide = any(np.asarray(a).dtype == np.float64 for a in xs)
    return jax.enable_x64(True) if wide else contextlib.nullcontext()


def _np(value) -> np.ndarray:
    return np.asarray(value)


def _inputs(xs):
    return [jnp.asarray(np.asarray(a)) for a in xs]


def _check_output(y):
    if isinstance(y, (tuple, list, dict)):
        raise TypeError("f returned a container; adcheck checks functions that return one array")
    return jnp.asarray(y)


class JaxFunction:
    """f(*arrays) -> array, evaluated on NumPy arrays."""

    framework = "jax"

    def __init__(self, f):
        self.f = f
        self._compiled = jax.jit(f)
        self._jit_ok = True

    def _scalar(self, *a):
        return _check_output(self.f(*a)).reshape(())

    def value(self, xs) -> np.ndarray:
        """f at xs; compiled with jax.jit (FD calls f hundreds of times), eagerly when f cannot be
        traced (Python control flow on values)."""
        with precision(xs):
            if self._jit_ok:
                try:
                    return _np(_check_output(self._compiled(*[np.asarray(a) for a in xs])))
                except jax.errors.JAXTypeError:
                    self._jit_ok = False
            return _np(_check_output(self.f(*_inputs(xs))))

    def raw(self, xs):
        """What f returns on jax arrays (unconverted)."""
        with precision(xs):
            return self.f(*_inputs(xs))

    def call(self, xs):
        """f on arrays made from ``xs``, whatever it returns (arrays, tuples of them) as NumPy."""
        with precision(xs):
            out = self.f(*_inputs(xs))
        return tuple(_np(o) for o in out) if isinstance(out, (tuple, list)) else _np(out)

    def jacobian(self, xs) -> np.ndarray:
        argnums = tuple(range(len(xs)))
        with precision(xs):
            ins = _inputs(xs)
            y = _check_output(self.f(*ins))
            if y.size == 1:
                parts = jax.grad(self._scalar, argnums=argnums)(*ins)
                return np.concatenate([_np(p).reshape(-1) for p in parts])[None, :]
            parts = jax.jacrev(lambda *a: _check_output(self.f(*a)), argnums=argnums)(*ins)
            m = int(y.size)
            return np.concatenate([_np(p).reshape(m, -1) for p in parts], axis=1)

    def jvp(self, xs, vs) -> np.ndarray:
        with precision(xs):
            ins = _inputs(xs)
            ts = [jnp.asarray(np.asarray(v, dtype=np.asarray(a).dtype)) for a, v in zip(xs, vs)]
            _, t = jax.jvp(lambda *a: _check_output(self.f(*a)), tuple(ins), tuple(ts))
            return _np(t).reshape(-1)

    def gradient(self, xs) -> np.ndarray:
        with precision(xs):
            parts = jax.grad(self._scalar, argnums=tuple(range(len(xs))))(*_inputs(xs))
            return np.concatenate([_np(p).reshape(-1) for p in parts])

    def hessian(self, xs) -> np.ndarray:
        argnums = tuple(range(len(xs)))
        n = sum(np.asarray(a).size for a in xs)

        def flat_grad(*a):
            parts = jax.grad(self._scalar, argnums=argnums)(*a)
            return jnp.concatenate([p.reshape(-1) for p in parts])
        with precision(xs):
            blocks = jax.jacrev(flat_grad, argnums=argnums)(*_inputs(xs))
            return np.concatenate([_np(b).reshape(n, -1) for b in blocks], axis=1)

    def hvp(self, xs, vs) -> np.ndarray:
        argnums = tuple(range(len(xs)))
        with precision(xs):
            vts = [jnp.asarray(np.asarray(v, dtype=np.asarray(a).dtype)) for a, v in zip(xs, vs)]

            def inner(*a):
                gs = jax.grad(self._scalar, argnums=argnums)(*a)
                return sum(jnp.vdot(g, v) for g, v in zip(gs, vts))
            parts = jax.grad(inner, argnums=argnums)(*_inputs(xs))
            return np.concatenate([_np(p).reshape(-1) for p in parts])


class JaxRule:
    """A jax.custom_vjp / custom_jvp function in the shape check_rule expects (see rules.py)."""

    framework = "jax"

    def __init__(self, fn, twin=None):
        self.fn, self.twin = fn, twin
        self.__name__ = getattr(fn, "__name__", None) or getattr(fn.fun, "__name__", "f")
        self.is_vjp = isinstance(fn, jax.custom_vjp)
        self.jvp_rule = self._jvp if (not self.is_vjp and getattr(fn, "jvp", None) is not None) else None
        self.vjp_rule = self._vjp if (self.is_vjp and getattr(fn, "bwd", None) is not None) else None

    def fun(self, *xs):
        """The undecorated primal (what FD differentiates)."""
        with precision(xs):
            return _np(self.fn.fun(*_inputs(xs)))

    def output_views(self, xs) -> list:
        def decorated():
            with precision(xs):
                return _np(self.fn(*_inputs(xs)))
        views = [("second plain call", lambda: self.fun(*xs)), ("through the custom rule", decorated)]
        if self.is_vjp and getattr(self.fn, "fwd", None) is not None:
            def fwd():
                with precision(xs):
                    out = self.fn.fwd(*_inputs(xs))
                if not isinstance(out, tuple) or len(out) != 2:
                    raise TypeError("fwd must return (output, residuals)")
                return _np(out[0])
            views.append(("fwd's output", fwd))
        if self.twin is not None:
            views.append(("the NumPy twin", lambda: np.asarray(self.twin(*xs))))
        return views

    def modes(self) -> dict:
        if self.is_vjp:
            return {"reverse": "bwd (user rule)", "forward": "none: jax refuses forward mode on custom_vjp"}
        return {"forward": "jvp (user rule)", "reverse": "the jvp rule, transposed by jax"}

    def _vjp(self, g, ans, *xs):
        with precision(xs):
            ins = _inputs(xs)
            _, res = self.fn.fwd(*ins)
            out = self.fn.bwd(res, jnp.asarray(g))
        if not isinstance(out, tuple):
            raise TypeError(f"bwd must return a tuple (one cotangent per input), got {type(out).__name__}")
        out = tuple(None if o is None else _np(o) for o in out)
        if len(out) != len(xs):
            raise ValueError(f"bwd returned {len(out)} cotangents for {len(xs)} inputs")
        return out[0] if len(xs) == 1 else out

    def _jvp(self, t, ans, *xs):
        ts = t if isinstance(t, tuple) else (t,)
        with precision(xs):
            ins = _inputs(xs)
            tans = [jnp.asarray(np.asarray(v, dtype=np.asarray(a).dtype)) for a, v in zip(xs, ts)]
            out = self.fn.jvp(tuple(ins), tuple(tans))
        if not isinstance(out, tuple) or len(out) != 2:
            raise TypeError("the jvp rule must return (primal_out, tangent_out)")
        return _np(out[1])
