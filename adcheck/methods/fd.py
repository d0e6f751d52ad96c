"""Finite differences and the complex step, each with an honest error estimate.

eps = 2.2e-16, s_j = max(|x_j|, 1) the scale of variable j, D(h) the estimate
of the derivative along one direction with step h:

    forward   (f(x+h) - f(x)) / h        truncation  h f''/2 + O(h^2)
    backward  (f(x) - f(x-h)) / h        truncation -h f''/2 + O(h^2)
    central   (f(x+h) - f(x-h)) / (2h)   truncation  h^2 f'''/6 + O(h^4)
    complex   Im f(x + ih) / h           truncation -h^2 f'''/6; no subtraction

Round-off: f is taken to be computed to C ulps (C = NOISE_ULPS) of its size,
max(|f|, s_j·|D|) (the second term stands for terms of f that cancel, as in
log(x^2 + e^x) near 0), so a quotient carries C·eps·size/h (one-sided) or
C·eps·size/(2h) (central).  Truncation + round-off is smallest near
h = sqrt(eps)·s_j for forward (error ~1e-8) and h = cbrt(eps)·s_j for
central (error ~1e-10): the default steps.  They assume f varies on the
length scale s_j; where it varies faster (sin(100x)) or x_j is near a pole
or a domain edge (1/x at 1e-3), truncation dominates, and fd-forward and
fd-central shrink the default step once to balance the two
(:mod:`adcheck.methods.fd_steps` gives the rule).  Steps are made exact,
h <- (x_j + h) - x_j, so the quotient divides by the step actually taken.

err_est = truncation + round-off + eps·|D|.  Truncation is measured: the same
formula at 2h gives D(2h) - D(h) ~ (2^p - 1)·(error of D(h)), p = 1 forward
(we take 2|D(2h) - D(h)|), p = 2 central (|D(2h) - D(h)|, a 3x margin).
Round-off is the larger of the model and an empirical sample, the 3rd
(forward) or 4th (central) difference of f on the same points, where h^3 f'''
and h^4 f'''' lie far below round-off.

Richardson: central quotients at h_k = h_0·2^-k (h_0 = s_j/4) form the table
    R[k,0] = D(h_k),   R[k,i] = R[k,i-1] + (R[k,i-1] - R[k-1,i-1]) / (2^p_i - 1),
removing the h^2, h^4, ... terms in turn (p_i = 2, 4, ...; one-sided
quotients, used by analysis/kinks.py, have p_i = 1, 2, 3, ...).  Round-off
bounds pass through the same recursion in absolute value.  The truncation of
R[k,i] is max(|R[k,i] - R[k-1,i]|, |R[k-1,i] - R[k-2,i]| / 2^q), q the first
power not yet removed: about 2^q - 1 times the true error once the series
converges; the second term guards against two neighbours agreeing by chance.
Entries whose differences grow towards smaller h (above round-off) are not
converging (a pole or kink within the step) and are discarded.  Each sliding
window of the ladder is in effect a different base step; per output the
entry with the smallest estimate wins, and the ladder grows to smaller steps
while that entry uses its smallest step.

Complex step: no cancellation, so h = 1e-20·s_j, and the error is f's own
rounding: err_est = C·eps·(|D| + |f|/s_j) + 4|D(h) - D(3h)| + tiny/h, with an
empirical sample (the two differ only by rounding) and underflow of h·f'.  A derivative that is
the small difference of much larger terms can exceed this by a few times.

Domain: where f is not finite at a perturbed point, forward and central
shrink h by 16 (up to 4 times) and raise DomainError if that fails;
Richardson drops those steps and extends its ladder; complex-step raises.
"""

from __future__ import annotations

import time
import warnings
from typing import Callable

import numpy as np

from ..errors import DomainError, NotApplicableError, UsageError
from .base import Estimate

EPS = float(np.finfo(np.float64).eps)
_TINY = float(np.finfo(np.float64).tiny)  # Im f(x+ih) below this loses digits
NOISE_ULPS = 4.0
SCHEMES = ("fd-forward", "fd-central", "fd-richardson", "complex-step")
CENTRAL_POWERS = (2, 4, 6, 8, 10)
ONE_SIDED_POWERS = (1, 2, 3, 4, 5, 6)
_ComplexWarning = getattr(np, "exceptions", np).ComplexWarning


# ---- difference formulas: derivative along the unit vector h/|h| ----------------

def _length(h) -> float:
    h = np.atleast_1d(h)
    nz = h[h != 0]
    return float(abs(nz[0])) if nz.size == 1 else float(np.sqrt(np.sum(np.abs(h) ** 2)))


def forward(f, f_x, x, h):
    """(f(x+h) - f(x)) / |h|."""
    return (f(x + h) - f_x) / _length(h)


def backward(f, f_x, x, h):
    """(f(x) - f(x-h)) / |h|."""
    return (f_x - f(x - h)) / _length(h)


def central(f, f_x, x, h):
    """(f(x+h) - f(x-h)) / (2|h|); f_x is unused."""
    return (f(x + h) - f(x - h)) / (2.0 * _length(h))


def complex_step(f, f_x, x, h):
    """Im f(x + ih) / |h|; f_x is unused."""
    return np.imag(f(x + 1j * h)) / _length(h)


# ---- steps and bookkeeping --------------------------------------------------------

def exact_step(x_j: float, h: float) -> float:
    """The step actually taken from x_j: (x_j + h) - x_j."""
    return float((x_j + h) - x_j)


def _eps_of(y) -> float:
    """The unit round-off of f's own output dtype (float32 code is noisier than float64)."""
    dt = np.asarray(y).dtype
    return max(EPS, float(np.finfo(dt).eps)) if np.issubdtype(dt, np.floating) else EPS


class Counted:
    """f made flat: counts real calls, remembers points, tracks peak |f| since reset.

    ``eps`` is the round-off unit of the precision f computes in (float32 code
    returns float32): the round-off model scales with it.
    """

    def __init__(self, f: Callable):
        self.f, self.calls, self.peak, self._memo, self.eps = f, 0, None, {}, EPS

    def __call__(self, x):
        x = np.asarray(x)
        key = (x.dtype.str, x.tobytes())
        y = self._memo.get(key)
        if y is None:
            self.calls += 1
            y = self._memo[key] = np.asarray(self.f(x.copy())).reshape(-1)
            self.eps = max(self.eps, _eps_of(y))
        self.peak = np.abs(y) if self.peak is None else np.maximum(self.peak, np.abs(y))
        return y


def prepare(f, x, f0=None):
    """(Counted f, flat float64 copy of x, f(x)); DomainError if f(x) is not finite."""
    fc, x = Counted(f), np.array(x, dtype=np.float64).reshape(-1)
    if f0 is not None:
        fc.eps = _eps_of(f0)
    f0 = fc(x) if f0 is None else np.asarray(f0, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(f0)):
        raise DomainError("f is not finite at the point itself")
    return fc, x, f0


def quotient(fc, f0, x, d, t, formula, s):
    """formula along d with step t: (value (m,), round-off bound (m,))."""
    fc.peak = None
    with np.errstate(all="ignore"):
        value = formula(fc, f0, x, t * d) * _length(d)
        size = np.maximum(np.maximum(fc.peak, np.abs(f0)), s * np.abs(value))
    span = 2.0 if formula is central else 1.0
    return value, NOISE_ULPS * fc.eps * size / (span * abs(t))


def point_text(axis, t) -> str:
    """Where a step lands, for messages: x[j] + t, or x + t·v along a direction."""
    return f"x[{axis}] + {t:.3g}" if axis is not None else f"x + {t:.3g}·v"


# ---- Richardson -------------------------------------------------------------------

def richardson(values, noise, powers, ratio: float = 2.0):
    """Extrapolate rows of values (K, m) taken at steps h_0 > h_0/ratio > ...

    noise: (K, m) round-off bounds.  Returns (best, err, index), each (m,):
    index is the row of the finest step the chosen entry uses; err = inf
    where no entry is finite and converging.
    """
    R, N = np.asarray(values, dtype=float), np.asarray(noise, dtype=float)
    cols = np.arange(R.shape[1])
    best, err = np.full(len(cols), np.nan), np.full(len(cols), np.inf)
    idx = np.zeros(len(cols), dtype=int)
    with np.errstate(all="ignore"):
        for level, q in enumerate(powers):
            if level:
                c = ratio ** powers[level - 1] - 1.0
                R, N = R[1:] + (R[1:] - R[:-1]) / c, N[1:] + (N[1:] + N[:-1]) / c
            if len(R) < 3:
                break
            d = np.abs(np.diff(R, axis=0))
            e = np.maximum(d[1:], d[:-1] / ratio ** q) + N[2:] + EPS * np.abs(R[2:])
            diverging = (d[1:] > d[:-1]) & (d[1:] > 3 * N[2:])
            e = np.where(np.isfinite(e) & ~diverging, e, np.inf)
            k = np.argmin(e, axis=0)
            better = e[k, cols] < err
            best = np.where(better, R[2:][k, cols], best)
            err = np.where(better, e[k, cols], err)
            idx = np.where(better, k + 2 + level, idx)
    return best, err, idx


def extrapolate(fc, f0, x, d, s, formula, powers, *, axis=None, h0=None, kmax=42):
    """Richardson on `formula` along d at steps h0·2^-k (h0 = s/4 by default).

    Starts with k = 0..12 and adds 8 smaller steps at a time (up to kmax)
    while an output has no estimate or its best uses the smallest step so far
    (the answer may lie further down: near a domain edge, a pole or a nearby
    kink).  Returns (value, err, step), each (m,); err = inf: no estimate.
    """
    h0 = s / 4.0 if h0 is None else h0
    side = -1.0 if formula is backward else 1.0
    vals, noise, steps, lo, hi = [], [], [], 0, 13
    while True:
        for k in range(lo, hi):
            t = h0 * 2.0 ** -k if axis is None else side * exact_step(x[axis], side * h0 * 2.0 ** -k)
            v, nz = quotient(fc, f0, x, d, t, formula, s)
            vals.append(v), noise.append(nz), steps.append(t)
        best, err, idx = richardson(vals, noise, powers)
        if hi >= kmax or not np.any(~np.isfinite(err) | (idx == len(vals) - 1)):
            return best, err, np.asarray(steps)[idx]
        lo, hi = hi, min(hi + 8, kmax)


# ---- one direction ----------------------------------------------------------------

def _complex(fc, f0, x, d, s, axis, h):
    xc = x.astype(np.complex128)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", _ComplexWarning)
            y0 = fc(xc)
            v1, v3 = (complex_step(fc, f0, xc, t * d) * _length(d) for t in (h, 3 * h))
    except (TypeError, ValueError, _ComplexWarning) as exc:
        raise NotApplicableError(f"f does not accept complex input ({type(exc).__name__}: {exc})")
    if not np.iscomplexobj(y0):
        raise NotApplicableError("f returns a real array for complex input: it drops the "
                                 "imaginary part, which the complex step needs")
    scale = np.maximum(np.abs(f0), 1.0)
    if np.any(np.abs(y0.imag) > 1e-12 * scale) or np.any(np.abs(y0.real - f0) > 1e-8 * scale):
        raise NotApplicableError("f(x + 0i) differs from f(x): f is not a real-analytic "
                                 "function of x, so the complex step does not apply")
    if not (np.all(np.isfinite(v1)) and np.all(np.isfinite(v3))):
        raise DomainError(f"f is not finite at {point_text(axis, h)}·i")
    err = NOISE_ULPS * EPS * (np.abs(v1) + np.abs(f0) / s) + 4 * np.abs(v3 - v1) + _TINY / h
    return v1, err, h


def _line(fc, f0, x, d, s, scheme, axis, h=None):
    """(derivative along d, err_est, step) with the named scheme; h: first step."""
    if scheme == "complex-step":
        return _complex(fc, f0, x, d, s, axis, 1e-20 * s if h is None else h)
    if scheme == "fd-richardson":
        value, err, steps = extrapolate(fc, f0, x, d, s, central, CENTRAL_POWERS, axis=axis, h0=h)
        if not np.all(np.isfinite(err)):
            first = s / 4.0 if h is None else h
            raise DomainError(f"f is not finite, or its difference quotients do not converge, "
                              f"at every step from {point_text(axis, first)} down to "
                              f"{point_text(axis, first * 2.0 ** -41)}")
        return value, err, float(steps[np.argmax(np.abs(value))])
    from .fd_steps import fixed_step  # it builds on this module: import at call time

    return fixed_step(fc, f0, x, d, s, scheme, axis, h)


def _check_scheme(scheme: str) -> None:
    if scheme not in SCHEMES:
        raise UsageError(f"unknown finite-difference scheme {scheme!r}; "
                         f"expected one of {', '.join(SCHEMES)}")


def jacobian(f, x, scheme: str, *, h=None, f0=None) -> Estimate:
    """The (m, n) Jacobian of flat f at flat x; column j perturbs x_j.

    h: None for the default steps, else the step (fd-forward, fd-central,
    complex-step) or the largest step of the ladder (fd-richardson), scalar
    or (n,).  f0: f(x) if already known (saves one evaluation).
    """
    _check_scheme(scheme)
    start = time.perf_counter()
    fc, x, f0 = prepare(f, x, f0)
    n, m = x.size, f0.size
    hs = [None] * n if h is None else [float(v) for v in np.broadcast_to(np.abs(h), (n,))]
    J, E, steps = np.zeros((m, n)), np.zeros((m, n)), np.zeros(n)
    for j in range(n):
        d = np.zeros(n)
        d[j] = 1.0
        J[:, j], E[:, j], steps[j] = _line(fc, f0, x, d, max(abs(x[j]), 1.0), scheme, j, hs[j])
    return Estimate(method=scheme, jacobian=J, err_est=E, evaluations=fc.calls,
                    seconds=time.perf_counter() - start, step=steps)


def directional(f, x, v, scheme: str = "fd-richardson", *, f0=None):
    """J·v, the derivative along v: (value (m,), err_est (m,), evaluations).

    Steps are scaled so that the largest component of h·v is the usual
    step for max(|x|); x + h·v is rounded, which the round-off model covers.
    """
    _check_scheme(scheme)
    fc, x, f0 = prepare(f, x, f0)
    v = np.array(v, dtype=np.float64).reshape(-1)
    vmax = float(np.max(np.abs(v))) if v.size else 0.0
    if vmax == 0.0:
        return np.zeros_like(f0), np.zeros_like(f0), fc.calls
    s = max(float(np.max(np.abs(x))), 1.0) / vmax
    value, err, _ = _line(fc, f0, x, v, s, scheme, None)
    return value, err, fc.calls


