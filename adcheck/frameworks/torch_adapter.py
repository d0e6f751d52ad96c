"""A PyTorch function seen as NumPy in, NumPy out, with torch's own derivatives as the user's.

Inputs are NumPy arrays (one per positional argument of f); each becomes a
CPU tensor of the same dtype, so a float32 point runs the user's float32
code and a float64 point runs it in float64 (the FD reference).  Outputs
come back as NumPy arrays of torch's dtype.

Derivatives are what the user's torch code gives:
``jacobian``   reverse mode: ``torch.autograd.grad`` of each output entry (one
               backward pass for a scalar f; rows through one retained graph);
``jvp``        forward mode: ``torch.autograd.forward_ad`` dual tensors (custom
               Functions need a ``jvp`` staticmethod for it);
``hessian`` / ``hvp``  double backward: the gradient with ``create_graph=True``,
               then backward through it (what MAML's meta-gradient relies on).
:class:`TorchRule` exposes a ``torch.autograd.Function`` subclass to
:func:`adcheck.analysis.rules.check_rule`: its ``backward`` and ``jvp`` are
called directly with the real ``ctx`` torch built for the forward, so what
they return (shape, dtype, ``None``) is seen unchanged, before torch's own
validation would reshape or cast it.
"""

from __future__ import annotations

import numpy as np

from adcheck.frameworks import require

torch = require("torch")

__all__ = ["TorchFunction", "TorchRule", "to_numpy"]


def to_numpy(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().resolve_conj().resolve_neg().numpy()
    return np.asarray(value)


def _tensor(a, grad=False):
    t = torch.from_numpy(np.array(a, copy=True))
    return t.requires_grad_(True) if grad else t


def _output(y):
    if isinstance(y, (tuple, list)):
        raise TypeError("f returned a tuple; adcheck checks functions that return one tensor")
    if not isinstance(y, torch.Tensor):
        y = torch.as_tensor(y)
    return y


class TorchFunction:
    """f(*tensors) -> tensor, evaluated on NumPy arrays."""

    framework = "torch"

    def __init__(self, f):
        self.f = f
        self.needs_graph = False

    def raw(self, xs):
        """What f returns on tensors (unconverted): without recording a graph, unless f takes
        gradients inside (MAML) — then, from that call on, on tensors that require grad."""
        if not self.needs_graph:
            try:
                with torch.no_grad():
                    return self.f(*[_tensor(a) for a in xs])
            except RuntimeError as exc:
                if "does not require grad" not in str(exc):
                    raise
                self.needs_graph = True
        return self.f(*[_tensor(a, grad=True) for a in xs])

    def value(self, xs) -> np.ndarray:
        """f at xs as a NumPy array (one tensor or number out)."""
        return to_numpy(_output(self.raw(xs)))

    def call(self, xs):
        """f on tensors made from ``xs``, whatever it returns (tensors, tuples of them) as NumPy."""
        with torch.no_grad():
            out = self.f(*[_tensor(a) for a in xs])
        return tuple(to_numpy(o) for o in out) if isinstance(out, (tuple, list)) else to_numpy(out)

    def jacobian(self, xs) -> np.ndarray:
        """(m, n): torch's reverse mode, inputs concatenated in order."""
        ts = [_tensor(a, grad=True) for a in xs]
        y = _output(self.f(*ts)).reshape(-1)
        rows = []
        for i in range(y.numel()):
            if not y.requires_grad:
                gs = [None] * len(ts)
            else:
                gs = torch.autograd.grad(y[i], ts, retain_graph=i + 1 < y.numel(), allow_unused=True)
            rows.append(np.concatenate([_flat(g, t) for g, t in zip(gs, ts)]))
        return np.stack(rows) if rows else np.zeros((0, sum(a.size for a in xs)))

    def jvp(self, xs, vs) -> np.ndarray:
        """J·v by forward-mode AD (flat); NotImplementedError when an operation has no forward rule."""
        import torch.autograd.forward_ad as fwad

        with fwad.dual_level():
            duals = [fwad.make_dual(_tensor(a, grad=True), _tensor(np.asarray(v, dtype=np.asarray(a).dtype)))
                     for a, v in zip(xs, vs)]
            y = _output(self.f(*duals))
            tangent = fwad.unpack_dual(y).tangent
        if tangent is None:
            return np.zeros(int(np.prod(y.shape)), dtype=to_numpy(y).dtype)
        return to_numpy(tangent).reshape(-1)

    def _gradient(self, xs):
        ts = [_tensor(a, grad=True) for a in xs]
        y = _output(self.f(*ts))
        if y.numel() != 1:
            raise ValueError(f"second order needs a scalar f; f returned shape {tuple(y.shape)}")
        gs = torch.autograd.grad(y.reshape(()), ts, create_graph=True, allow_unused=True)
        return ts, gs

    def gradient(self, xs) -> np.ndarray:
        ts, gs = self._gradient(xs)
        return np.concatenate([_flat(g, t) for g, t in zip(gs, ts)])

    def hessian(self, xs) -> np.ndarray:
        """(n, n) by double backward: one backward pass through the gradient per row."""
        ts, gs = self._gradient(xs)
        g = torch.cat([(g if g is not None else torch.zeros_like(t)).reshape(-1) for g, t in zip(gs, ts)])
        rows = []
        for i in range(g.numel()):
            if not g.requires_grad:
                rows.append(np.zeros(g.numel(), dtype=to_numpy(g).dtype))
                continue
            hs = torch.autograd.grad(g[i], ts, retain_graph=True, allow_unused=True)
            rows.append(np.concatenate([_flat(h, t) for h, t in zip(hs, ts)]))
        return np.stack(rows)

    def hvp(self, xs, vs) -> np.ndarray:
        """H·v by double backward (reverse over reverse)."""
        ts, gs = self._gradient(xs)
        vts = [_tensor(np.asarray(v, dtype=np.asarray(a).dtype)) for a, v in zip(xs, vs)]
        dot = sum((g * v).sum() for g, v in zip(gs, vts) if g is not None)
        if not isinstance(dot, torch.Tensor) or not dot.requires_grad:
            return np.zeros(sum(a.size for a in xs), dtype=np.result_type(*xs))
        hs = torch.autograd.grad(dot, ts, allow_unused=True)
        return np.concatenate([_flat(h, t) for h, t in zip(hs, ts)])


def _flat(g, t) -> np.ndarray:
    if g is None:   # the output does not depend on this input
        return np.zeros(t.numel(), dtype=to_numpy(t).dtype)
    return to_numpy(g).reshape(-1)


class TorchRule:
    """A ``torch.autograd.Function`` subclass in the shape check_rule expects (see rules.py)."""

    framework = "torch"

    def __init__(self, cls, twin=None):
        self.cls, self.twin = cls, twin
        self.__name__ = cls.__name__
        self.has_jvp = getattr(cls, "jvp", None) is not None and \
            getattr(cls.jvp, "__func__", cls.jvp) is not getattr(torch.autograd.Function.jvp, "__func__",
                                                                  torch.autograd.Function.jvp)
        self.jvp_rule = self._jvp if self.has_jvp else None
        self.vjp_rule = self._vjp

    # the primal: forward through apply, on plain tensors
    def fun(self, *xs):
        with torch.no_grad():
            return to_numpy(_output(self.cls.apply(*[_tensor(a) for a in xs])))

    def output_views(self, xs) -> list:
        """(what, thunk) pairs that must all equal the plain call: the output every mode sees."""
        def with_grad():
            return to_numpy(_output(self.cls.apply(*[_tensor(a, grad=True) for a in xs])))
        views = [("second plain call", lambda: self.fun(*xs)), ("apply with requires_grad", with_grad)]
        if self.twin is not None:
            views.append(("the NumPy twin", lambda: np.asarray(self.twin(*xs))))
        return views

    def modes(self) -> dict:
        return {"reverse": "backward (user rule)",
                "forward": "jvp (user rule)" if self.has_jvp else "no forward rule (torch raises)"}

    def _vjp(self, g, ans, *xs):
        ts = [_tensor(a, grad=True) for a in xs]
        y = self.cls.apply(*ts)
        ctx = y.grad_fn
        out = self.cls.backward(ctx, _tensor(g))
        out = out if isinstance(out, tuple) else (out,)
        out = tuple(None if o is None else to_numpy(o) for o in out)
        if len(out) != len(xs):
            raise ValueError(f"backward returned {len(out)} gradients for {len(xs)} inputs")
        return out[0] if len(xs) == 1 else out

    def _jvp(self, t, ans, *xs):
        import torch.autograd.forward_ad as fwad

        ts_in = t if isinstance(t, tuple) else (t,)
        with fwad.dual_level():
            duals = [fwad.make_dual(_tensor(a), _tensor(np.asarray(v, dtype=np.asarray(a).dtype)))
                     for a, v in zip(xs, ts_in)]
            y = self.cls.apply(*duals)
            tangent = fwad.unpack_dual(y).tangent
        return None if tangent is None else to_numpy(tangent)
