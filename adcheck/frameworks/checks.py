"""Verdicts on torch / jax derivatives, through the machinery of :mod:`adcheck.analysis.checks`.

A framework function f(*arrays) is checked on the flat vector z of its
concatenated inputs (the layout of ``adcheck grad file.py::f``):

first order  (:func:`check_autograd`) the framework's Jacobian (reverse mode;
             ``grad`` for a scalar f) is the user's derivative, judged by
             :func:`adcheck.analysis.checks.check_jacobian`: FD of f in float64
             (Richardson with its error estimate) and, when the file declares
             a NumPy twin, adcheck's reverse AD of the twin; dtype-aware
             tolerances, the user's rounding noise measured by dithering,
             kinks → inconclusive, projections with localisation for large
             inputs, the Taylor test.  Then the framework's forward mode:
             J·v along JVP_DIRECTIONS seeded directions must equal the
             verified rows (⟨u, J v⟩ = ⟨Jᵀu, v⟩, to the dtype's round-off):
             a wrong forward rule of a custom Function fails here.
second order (:func:`check_second`) for a scalar f, the Hessian by double
             backward (torch) / grad of grad (jax) against FD of the
             framework's own first gradient in float64 (n ≤ FULL_HESSIAN),
             or H·v along a seeded direction against the directional FD of
             that gradient (larger n).
Precision of the reference
    f is evaluated in float64 for FD when it can be.  Code that keeps float32
    tensors of its own (``W = torch.randn(3, dtype=torch.float32)``) may refuse
    a float64 input, or compute something else in float64 (data drawn per
    dtype): when the float64 call raises, or its value differs from the
    user-precision value by more than F64_AGREEMENT·√eps relative, FD runs in
    the user's precision (fd.py sizes steps and error estimates for it) and
    a note says so.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from adcheck.analysis.checks import NOISE_K, ULPS, check_jacobian, near
from adcheck.errors import UsageError
from adcheck.frameworks import framework_of, is_framework_rule

__all__ = ["adapter", "rule_adapter", "numpy_side", "check_autograd", "check_second", "JVP_DIRECTIONS", "FULL_HESSIAN"]

JVP_DIRECTIONS = 2
FULL_HESSIAN = 200
F64_AGREEMENT = 4.0


def adapter(f, framework=None):
    """The TorchFunction / JaxFunction for f (its framework detected unless given)."""
    framework = framework or framework_of(f)
    if framework == "torch":
        from adcheck.frameworks.torch_adapter import TorchFunction
        return TorchFunction(f)
    if framework == "jax":
        from adcheck.frameworks.jax_adapter import JaxFunction
        return JaxFunction(f)
    raise ValueError(f"{getattr(f, '__name__', f)!r} is not torch or jax code")


def rule_adapter(obj, twin=None):
    """The TorchRule / JaxRule for a torch.autograd.Function subclass or a jax custom function."""
    kind = is_framework_rule(obj)
    if kind == "torch":
        from adcheck.frameworks.torch_adapter import TorchRule
        return TorchRule(obj, twin)
    if kind == "jax":
        from adcheck.frameworks.jax_adapter import JaxRule
        return JaxRule(obj, twin)
    raise ValueError(f"{obj!r} is not a torch.autograd.Function or a jax custom_vjp/custom_jvp")


def numpy_side(call, orig):
    """``call`` (an adapter's value or call, on a list of arrays) as a function of NumPy arrays, named
    and placed like ``orig``, the user's function it stands for."""
    def numpy_side(*xs):
        return call(xs)
    numpy_side.__name__ = getattr(orig, "__name__", "f")
    numpy_side.__module__ = getattr(orig, "__module__", __name__)
    return numpy_side


class _Flat:
    """f(*arrays) of an adapter as a function of one flat vector, in a chosen precision.

    ``at``: the point of the check.  The framework Jacobian there is computed once per dtype: the
    check, its float32 stage and the forward-mode comparison all ask for it."""

    def __init__(self, ad, shapes, dtype, at=None):
        self.ad, self.shapes, self.dtype = ad, [tuple(s) for s in shapes], np.dtype(dtype)
        sizes = [int(np.prod(s)) for s in self.shapes]
        self.cuts = np.cumsum([0] + sizes)
        self.at, self._at_point = at, {}

    def split(self, z, dtype=None):
        """The inputs from the flat vector (z may be one of adcheck's tracers when dtype is None)."""
        if dtype is not None:
            z = np.asarray(z).astype(dtype)
        return [z[a:b].reshape(s) for a, b, s in zip(self.cuts[:-1], self.cuts[1:], self.shapes)]

    def user_precision_value(self, z):
        return self.ad.value(self.split(z, self.dtype))

    def jacobian(self, w, dtype):
        """The framework's Jacobian at w, the inputs cast to dtype."""
        at_point = self.at is not None and np.array_equal(w, self.at)
        key = np.dtype(dtype).str
        if at_point and key in self._at_point:
            return self._at_point[key]
        J = self.ad.jacobian(self.split(w, dtype))
        if at_point:
            self._at_point[key] = J
        return J


def _prepare(f, xs, framework):
    """(adapter, inputs as arrays, the flat view at the point, the point z in the user's dtype)."""
    ad = adapter(f, framework)
    xs = [np.asarray(a) for a in xs]
    dtype = np.result_type(*[a.dtype for a in xs])
    dtype = dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)
    z = np.concatenate([a.reshape(-1) for a in xs]).astype(dtype)
    return ad, xs, _Flat(ad, [a.shape for a in xs], dtype, at=z), z


def _reference_precision(flat: _Flat, z) -> tuple:
    """(f for FD, note, f(z) in the user's precision): f in float64 when that is the same function,
    else in the user's dtype."""
    y_user = np.asarray(flat.user_precision_value(z), dtype=np.float64)
    if flat.dtype == np.float64:
        return (lambda w: flat.ad.value(flat.split(w, np.float64))), None, y_user
    try:
        y64 = np.asarray(flat.ad.value(flat.split(z, np.float64)), dtype=np.float64)
        scale = float(np.max(np.abs(y_user), initial=0.0)) or 1.0
        if y64.shape != y_user.shape:
            raise ValueError(f"shape {y64.shape} in float64, {y_user.shape} in {flat.dtype}")
        gap = float(np.max(np.abs(y64 - y_user), initial=0.0))
        if not gap <= F64_AGREEMENT * np.sqrt(np.finfo(flat.dtype).eps) * scale:
            raise ValueError(f"f(x) is {y64.reshape(-1)[:1]} in float64 but {y_user.reshape(-1)[:1]} in "
                             f"{flat.dtype}")
    except Exception as exc:   # the user's code refused float64, or is another function there
        why = str(exc).splitlines()[0][:120]
        return (lambda w: flat.user_precision_value(w)), (
            f"f cannot be evaluated in float64 ({why}): FD runs in {flat.dtype}, with error estimates "
            f"for {flat.dtype}"), y_user
    return (lambda w: flat.ad.value(flat.split(w, np.float64))), None, y_user


def check_autograd(f, xs, *, framework=None, twin=None, rtol=None, atol=None, seed=None, full=False,
                   name="f", guessed=False):
    """Check the framework's own first derivative of f at the point ``xs`` (a tuple of arrays).

    ``guessed``: the framework is only presumed (rule 4 of :mod:`adcheck.frameworks`): f failing on
    the framework's arrays is then a usage error, not a failure of the user's code."""
    seed = 0 if seed is None else int(seed)
    ad, xs, flat, z = _prepare(f, xs, framework)
    dtype = flat.dtype
    _returns_framework_arrays(ad, xs, name, guessed)
    f_ref, note, y = _reference_precision(flat, z)
    kind = "grad" if y.size == 1 else "jacobian"
    notes = [note] if note else []
    ad_f = None
    if twin is not None:
        tw = _Flat(None, flat.shapes, np.float64)

        def ad_f(w):
            return twin(*tw.split(w))
        ad_f.__module__ = getattr(twin, "__module__", __name__)
    label = "torch autograd" if ad.framework == "torch" else "jax"

    def jac(w):
        return flat.jacobian(w, dtype)
    no_ad = None if twin is not None else "f is framework code with no NumPy twin"
    two_stage = dtype != np.float64 and note is None
    if two_stage:   # the formula in float64 first, then the user's precision against it entrywise
        def jac64(w):
            return flat.jacobian(w, np.float64)
        res = check_jacobian(f_ref, jac64, z.astype(np.float64), rtol=rtol, atol=atol, seed=seed, full=full,
                             name=name, kind=kind, ad_f=ad_f, no_ad=no_ad, notes=notes)
        if res.exit_code == 0:
            res = _precision_stage(res, jac, z, jac64(z.astype(np.float64)), dtype, rtol, atol, seed, label)
        else:
            res = replace(res, dtype=np.dtype(dtype).name, notes=res.notes + (
                f"found with f and {label} run in float64: the formula itself is wrong, not just {dtype}",))
    else:
        res = check_jacobian(f_ref, jac, z, rtol=rtol, atol=atol, seed=seed, full=full, name=name, kind=kind,
                             ad_f=ad_f, no_ad=no_ad, notes=notes)
    res = replace(res, extra={**res.extra, "framework": ad.framework, "derivative": f"{label} (reverse mode)"},
                  verdict=_whose(res.verdict, ad.framework))
    return _with_jvp(res, ad, flat, z, seed)


def _precision_stage(res64, jac, z, J64, dtype, rtol, atol, seed, label):
    """The user-precision Jacobian entry by entry against the float64 one res64 has just verified.

    A float32 run of the same code may differ from the float64 run only by rounding: per entry the
    dtype's ulps × the entry (+ 1e-3 of its row) plus NOISE_K × the change seen a few ulps away
    (checks.dither_noise).  Overflow, cancellation and float32-only code paths fail here."""
    from adcheck.analysis.checks import _allowed, _worst, dither_noise

    U = np.asarray(jac(z), dtype=np.float64).reshape(J64.shape)
    R = np.asarray(J64, dtype=np.float64)
    noise = dither_noise(jac, z, U, seed)
    M = np.abs(R)
    allowed, tol_text = _allowed(R, M, dtype, 1e-300 + 0 * R, rtol, atol, noise)
    diff = np.abs(U - R)
    bad = ~(diff <= allowed)
    scale = float(np.max(np.abs(R), initial=0.0))
    max_abs = float(np.nanmax(diff)) if diff.size else 0.0
    entries = _worst(U, R, None, None, R, diff, allowed, bad)
    reference = f"{label} in float64 (itself {res64.reference.split(' (')[0]}-checked: {res64.mode})"
    common = dict(dtype=np.dtype(dtype).name, max_abs_error=max_abs, tolerance=tol_text, reference=reference,
                  mode=f"{res64.mode} in float64, entrywise in {np.dtype(dtype).name}", worst=entries[0] if entries else None,
                  max_rel_error=max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else float("inf")),
                  notes=res64.notes + (f"float64 stage: {res64.verdict}",))
    if not bad.any():
        what = "gradient" if res64.kind == "grad" else res64.kind
        verdict = (f"your {what} matches in float64 ({res64.mode}) and in {np.dtype(dtype).name} entrywise: "
                   f"max error {max_abs:.2g} against the float64 {what}")
        return replace(res64, verdict=verdict, **common)
    w = entries[0]
    where = f"entry {w.input}" if res64.kind == "grad" else f"entry (output {w.output}, input {w.input})"
    verdict = (f"your {np.dtype(dtype).name} {'gradient' if res64.kind == 'grad' else res64.kind} differs from "
               f"the same code in float64 at {where}: {w.user:.8g} vs {w.ad:.10g} (allowed {w.allowed:.2g}); "
               f"{int(bad.sum())} of {bad.size} entries off (a precision problem: overflow, cancellation, "
               f"a float32-only path)")
    return replace(res64, passed=False, exit_code=1, verdict=verdict, worst_entries=tuple(entries), **common)


def _whose(verdict: str, framework: str) -> str:
    """check_jacobian speaks of "your gradient": here the derivative is the framework's."""
    return verdict.replace("your ", f"{framework}'s ", 1)


def _returns_framework_arrays(ad, xs, name, guessed=False):
    """f must return the framework's arrays when called on them, or its derivative is not the
    framework's (a NumPy function in a torch file): a clear error, not a false verdict."""
    from adcheck.frameworks import returned_framework

    try:
        got = returned_framework(ad.raw(xs))
    except Exception as exc:
        if not guessed:
            raise
        got = f"an error ({type(exc).__name__}: {str(exc).splitlines()[0][:80]})"
    if got != ad.framework:
        raise UsageError(f"{name} does not return a {ad.framework} array when called on {ad.framework} "
                         f"inputs" + (f" (it gives {got})" if got and got not in ("torch", "jax") else "")
                         + f", so {ad.framework} cannot differentiate it",
                         hint=f"give it a hand-written derivative ({name}_grad) or ADCHECK_FRAMEWORK = 'numpy'")


def _with_jvp(res, ad, flat, z, seed):
    """The framework's forward mode against its verified reverse mode: J·v vs the rows along v.

    Allowed: the per-dtype ulps × the terms |J|·|v|, plus NOISE_K × how much both sides move when
    the point moves a few ulps (their rounding noise, measured as in checks.dither_noise).  At a
    kink (exit 3) the two modes may take different one-sided conventions: a disagreement is noted.
    """
    if res.exit_code == 2:
        return res
    rng = np.random.default_rng(seed + 2_147_483_647)
    eps = float(np.finfo(flat.dtype).eps)
    z_near = near(z, rng)
    try:
        J = flat.jacobian(z, flat.dtype).astype(np.float64)
        J_near = flat.jacobian(z_near, flat.dtype).astype(np.float64)
        worst, allowed_at = 0.0, 0.0
        for _ in range(JVP_DIRECTIONS):
            v = rng.standard_normal(z.size).astype(flat.dtype)
            jv = np.asarray(ad.jvp(flat.split(z, flat.dtype), flat.split(v, flat.dtype)), dtype=np.float64)
            jv_near = np.asarray(ad.jvp(flat.split(z_near, flat.dtype), flat.split(v, flat.dtype)),
                                 dtype=np.float64)
            v64 = v.astype(np.float64)
            ref = J @ v64
            terms = np.abs(J) @ np.abs(v64)
            noise = np.abs(J_near - J) @ np.abs(v64) + np.abs(jv_near - jv).reshape(ref.shape)
            allowed = ULPS.get(flat.dtype, 2.0 ** 16) * eps * (terms + 1e-3 * np.max(terms, initial=0.0)) \
                + NOISE_K * np.where(np.isfinite(noise), noise, 0.0) + 1e-300
            err = np.abs(jv.reshape(ref.shape) - ref)
            ratio = float(np.max(np.where(np.isfinite(err), err / allowed, np.inf)))
            if ratio > worst:
                worst, allowed_at = ratio, float(np.max(allowed))
    except Exception as exc:
        if not _unsupported(exc):
            msg = f"forward mode raised {type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
            return replace(res, extra={**res.extra, "jvp": msg}, notes=res.notes + (msg,))
        return replace(res, extra={**res.extra, "jvp": f"not available: {str(exc).splitlines()[0][:100]}"})
    ok = worst <= 1.0
    text = (f"forward mode (J·v on {JVP_DIRECTIONS} directions) agrees with reverse mode" if ok else
            f"forward mode disagrees with reverse mode: J·v off by {worst:.3g}× the allowed "
            f"{allowed_at:.2g}")
    res = replace(res, extra={**res.extra, "jvp": text})
    if ok or res.exit_code in (1, 3):
        return res if ok else replace(res, notes=res.notes + (text,))
    return replace(res, passed=False, exit_code=1, verdict=f"{text} (reverse mode: {res.verdict})")


def _unsupported(exc) -> bool:
    """The framework has no forward mode for this code (not a wrong rule): torch's
    NotImplementedError, jax refusing forward mode on a custom_vjp function."""
    text = str(exc)
    return isinstance(exc, NotImplementedError) or "custom_vjp" in text or "forward-mode" in text \
        or "forward AD" in text


def check_second(f, xs, *, framework=None, rtol=None, atol=None, seed=None, name="f", v=None):
    """Check the framework's second derivative (double backward / grad of grad) of scalar f."""
    seed = 0 if seed is None else int(seed)
    ad, xs, flat, z = _prepare(f, xs, framework)
    dtype = flat.dtype
    _, note, y = _reference_precision(flat, z)
    if y.size != 1:
        raise UsageError(f"--order 2 checks scalar functions; {name} returns shape {y.shape}")
    ref_dtype = dtype if note else np.float64

    def grad_ref(w):
        return ad.gradient(flat.split(w, ref_dtype))
    label = "double backward" if ad.framework == "torch" else "jax grad of grad"
    notes = [note] if note else []
    extra = {"framework": ad.framework, "derivative": f"{label}", "reference": "FD of the framework's gradient"}
    why = f"{label} is checked against FD of the framework's own first gradient"
    if z.size <= FULL_HESSIAN:
        def hess(w):
            return ad.hessian(flat.split(w, dtype))
        res = check_jacobian(grad_ref, hess, z, rtol=rtol, atol=atol, seed=seed, name=name, kind="hessian",
                             no_ad=why, notes=notes)
        return replace(res, extra={**res.extra, **extra}, verdict=_whose(res.verdict, ad.framework))
    rng = np.random.default_rng([seed, 2])
    v = rng.standard_normal(z.size) if v is None else np.asarray(v, dtype=np.float64).reshape(-1)
    v = v.astype(dtype)
    user = np.asarray(ad.hvp(flat.split(z, dtype), flat.split(v, dtype)))
    z64 = z.astype(np.float64)
    v64 = v.astype(np.float64)

    def directional(t):
        return grad_ref(z64 + np.asarray(t, dtype=np.float64)[0] * v64)
    res = check_jacobian(directional, None, np.zeros(1, dtype=dtype), rtol=rtol, atol=atol, seed=seed,
                         name=name, kind="hvp", user=user.reshape(-1, 1), no_ad=why, notes=notes)
    return replace(res, extra={**res.extra, **extra, "v_seed": seed}, verdict=_whose(res.verdict, ad.framework))
