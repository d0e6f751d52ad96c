"""A custom function's rules at one point, as flat vectors, and the tolerance check_rule applies.

:class:`Probe` evaluates the primal, and the JVP and VJP each mode uses (the
user's rule when given, else forward / reverse mode through the primal), on
flat float64 vectors; it records what a user rule returns that is shaped or
typed wrong.  :class:`Worst` compares results under the tolerance model of
:mod:`adcheck.analysis.rules` and keeps the worst entry for the message.
"""

from __future__ import annotations

import numpy as np

from adcheck.methods import forward, reverse

# err_FD is an estimate, not a bound: once converged fd.py's truncation term is
# ~3x the true error, but two neighbouring ladder entries can agree by chance and
# make it optimistic by a few times.  10 covers that with margin and still flags
# rule errors above ~1e-10 relative (Richardson errors are ~1e-13 relative).
K_FD = 10.0
# Round-off of a rule: a handful (≲ 16) of floating-point operations per entry,
# then sums of length ≤ n + m (inner products, matmuls), each adding at most one
# eps of the sizes involved (the γ_k bound of recursive summation).
ROUND_OPS = 16


class RuleFailed(Exception):
    """A rule could not be evaluated or compared (raised, or returned an unusable size)."""


class Probe:
    """fn at x as flat float64 vectors: the primal, and the JVP / VJP each mode uses."""

    def __init__(self, fn, xs, y, rtol, atol):
        self.fn, self.xs, self.y, self.rtol, self.atol = fn, xs, y, rtol, atol
        self.n, self.m = sum(a.size for a in xs), self.y.size
        self.x = np.concatenate([a.reshape(-1) for a in xs]).astype(np.float64)
        self.eps = max(float(np.finfo(d).eps) for d in [a.dtype for a in xs] + [_float(self.y.dtype)])
        self.problems = {"shapes": [], "dtypes": []}

    def split(self, z):
        out, start = [], 0
        for a in self.xs:
            out.append(np.reshape(z[start:start + a.size], a.shape))
            start += a.size
        return out

    def primal_flat(self, z):
        return np.asarray(self.fn.fun(*self.split(z)), dtype=np.float64).reshape(-1)

    def traced(self, z):
        return self.fn(*self.split(z))

    def jvp(self, v):
        rule = self.fn.jvp_rule
        if rule is None and getattr(self.fn, "framework", None):
            raise RuleFailed("there is no JVP rule to evaluate")
        if rule is None:
            return np.asarray(forward.jvp_batch(self.traced, self.x, v[None])[1]).reshape(-1)
        ts = [t.astype(a.dtype) for t, a in zip(self.split(v), self.xs)]
        r = _call(rule, "JVP", ts[0] if len(ts) == 1 else tuple(ts), self.y, *self.xs)
        return self._flat([r], [self.y], "JVP", "the output")

    def vjp(self, u):
        rule = self.fn.vjp_rule
        if rule is None and getattr(self.fn, "framework", None):
            raise RuleFailed("there is no VJP rule to evaluate")
        if rule is None:
            return np.asarray(reverse.vjp(self.traced, self.x)[1](u.reshape(self.y.shape))).reshape(-1)
        r = _call(rule, "VJP", u.reshape(self.y.shape).astype(self.y.dtype), self.y, *self.xs)
        cts = [r] if len(self.xs) == 1 else r
        if type(cts) not in (list, tuple) or len(cts) != len(self.xs):
            raise RuleFailed(f"the VJP rule must return a tuple of {len(self.xs)} cotangents")
        names = ["x"] if len(self.xs) == 1 else [f"argument {j}" for j in range(len(self.xs))]
        return self._flat(cts, self.xs, "VJP", *names)

    def _flat(self, results, likes, kind, *names):
        parts = []
        for r, like, name in zip(results, likes, names):
            r = np.zeros_like(like, dtype=_float(like.dtype)) if r is None else np.asarray(r)
            if r.shape != like.shape:
                self.problems["shapes"].append(f"{kind} rule returned shape {r.shape} for {name}, "
                                               f"which has shape {like.shape}")
            if r.dtype != _float(like.dtype):
                self.problems["dtypes"].append(f"{kind} rule returned {r.dtype} for {name}, "
                                               f"which is {_float(like.dtype)}")
            if np.issubdtype(r.dtype, np.floating):  # a less precise result rounds more
                self.eps = max(self.eps, float(np.finfo(r.dtype).eps))
            if r.size != like.size:
                raise RuleFailed(f"the {kind} rule returned {r.size} numbers for {name}, "
                                  f"which has {like.size}: not compared")
            parts.append(r.reshape(-1).astype(np.float64))
        return np.concatenate(parts)


def _float(dtype):
    return np.dtype(dtype) if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def _call(rule, kind, *args):
    try:
        return rule(*args)
    except Exception as exc:  # the user's rule: its failure is the finding, not a crash
        raise RuleFailed(f"the {kind} rule raised {type(exc).__name__}: {exc}") from None


class Worst:
    """The worst error/allowed ratio over several comparisons, for one SubCheck."""

    def __init__(self, name, probe):
        self.name, self.probe = name, probe
        self.ratio, self.err, self.allowed, self.text = -1.0, 0.0, 0.0, ""

    def add(self, got, ref, what, *, fd_err=0.0, scale=None):
        got, ref = np.atleast_1d(np.asarray(got, float)), np.atleast_1d(np.asarray(ref, float))
        if scale is None:
            scale = max(float(np.max(np.abs(ref), initial=0.0)), float(np.max(np.abs(got), initial=0.0)))
        p = self.probe
        if p.rtol is not None or p.atol is not None:
            allowed = (p.atol or 0.0) + (p.rtol or 0.0) * scale
        else:
            roundoff = (ROUND_OPS + p.n + p.m) * p.eps * scale
            allowed = np.maximum(K_FD * np.asarray(fd_err, float), roundoff)
        allowed = np.maximum(np.broadcast_to(allowed, got.shape), np.finfo(float).tiny)
        err = np.abs(got - ref)
        err = np.where(np.isnan(err), np.inf, err)
        i = int(np.argmax(err / allowed))
        if err[i] / allowed[i] > self.ratio:
            self.ratio, self.err, self.allowed = float(err[i] / allowed[i]), float(err[i]), float(allowed[i])
            at = f"[{i}]" if got.size > 1 else ""
            self.text = f"{what}{at}: {got[i]:.10g} vs {ref[i]:.10g}"

    def result(self, label) -> tuple:
        """(passed, max_error, allowed, message): the fields of a SubCheck after its name."""
        ok = self.ratio <= 1.0
        verdict = "within" if ok else "exceeds"
        msg = f"{label} — {self.text} (error {self.err:.2g} {verdict} allowed {self.allowed:.2g})"
        return ok, self.err, self.allowed, msg
