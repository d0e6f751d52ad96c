"""Verdicts on user-supplied derivatives: compared with adcheck's AD and with FD.

Three opinions on each Jacobian entry: the user's value U, reverse-mode AD of
f (A), and Richardson-extrapolated finite differences with their own error
estimate (F ± E).  A and F are computed in float64 even when the user's code
is float32, so the reference never carries the user's precision.

Reference
    A when AD runs and agrees with FD (|A - F| ≤ 2E + round-off), else F.
    Up to 200 inputs central differences validate A entry by entry (4 evaluations
    per input); Richardson (~26) runs when they disagree, so F is then precise.
    For large inputs FD validates A on a few random and one-hot directions
    (directional differences cost O(1) evaluations of f each) and U is then
    compared with A entry by entry: no entry goes unchecked at any size.
    Without AD, U is compared with FD by random projections (see projections.py).

Allowed error per entry (no magic numbers; a table per dtype)
    allowed_ij = ULPS[dtype] · eps(dtype) · (max(M_ij, |R_ij|) + 1e-3 · max_j M_ij) + B_ij
    M_ij   the sum of |terms| the chain rule adds into entry (i, j) (a reverse
           pass in absolute values): round-off of any float evaluation of that
           entry scales with it, also where the terms cancel;
    ULPS   how many units of the user's precision a correct but differently
           written derivative may be off: 2⁸ for float32 (pairwise float32 sums
           and a different formula lose a few bits; a 1e-4 relative error is
           still ~3× outside), 2¹⁶ for float64 (any real bug is orders larger);
    B_ij   the reference's own error: AD round-off, or 2E for FD.
    ``rtol``/``atol`` replace the model: allowed = atol + rtol·|R_ij|.

Kinks
    A failing entry (i, j) is re-examined with one-sided derivatives along x_j;
    if they differ, the verdict is inconclusive (exit 3), never a mismatch,
    and the report says whether U lies between the two sides.  A kink that every
    method sees alike (|x| at 0: AD, central and Richardson all give 0) fails no
    entry; AD's rules note when |a|, max/min or a comparison is evaluated exactly
    at its switching point (prims.table.TIES), and then, up to 200 inputs, the
    one-sided derivatives along every input decide.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from adcheck.analysis.results import _num
from adcheck.errors import AdcheckError

EPS64 = float(np.finfo(np.float64).eps)
ULPS = {np.dtype(np.float64): 2.0 ** 16, np.dtype(np.float32): 2.0 ** 8, np.dtype(np.float16): 2.0 ** 4}
ROW_FLOOR = 1e-3
FULL_FD_INPUTS = 200     # up to this many inputs FD runs entrywise (about 26 evaluations of f each)
AD_VALIDATION_DIRECTIONS = 1  # + one one-hot probe: AD rule bugs are systematic, not entry-local
WORST_K = 5
# Without AD there are no term sizes M: the user's own rounding is measured instead, by evaluating
# their derivative at DITHER points a few ulps away (x·(1 ± k·eps), k ≤ 2).  Each entry is then also
# allowed NOISE_K × the largest change seen: rounding noise, not a formula error, moves that much.
DITHER = 3
NOISE_K = 4.0


@dataclass(frozen=True)
class EntryError:
    """One Jacobian entry: the user's value next to AD, FD ± error and the allowed error."""

    output: int
    input: int
    user: float
    ad: Optional[float]
    fd: Optional[float]
    fd_err: Optional[float]
    allowed: float

    def to_dict(self) -> dict:
        return {k: (_num(v) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one user-supplied derivative.  ``exit_code``: 0 pass, 1 mismatch, 3 inconclusive."""

    name: str
    kind: str                      # grad | jacobian | hvp
    passed: bool
    exit_code: int
    verdict: str
    shape: tuple                   # (m, n)
    dtype: str
    max_abs_error: Optional[float] = None
    max_rel_error: Optional[float] = None
    worst: Optional[EntryError] = None
    worst_entries: tuple = ()
    tolerance: str = ""
    reference: str = ""            # "reverse AD (validated by FD)", "FD", ...
    mode: str = "entrywise"        # entrywise | projections
    taylor_slope: Optional[float] = None
    kinks: tuple = ()
    points: int = 1
    seed: Optional[int] = None
    seconds: float = 0.0
    notes: tuple = ()
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in ("name", "kind", "passed", "exit_code", "verdict", "dtype",
                                            "tolerance", "reference", "mode", "points", "seed", "seconds")}
        d["shape"] = list(self.shape)
        d["max_abs_error"] = _num(self.max_abs_error)
        d["max_rel_error"] = _num(self.max_rel_error)
        d["worst"] = self.worst.to_dict() if self.worst else None
        d["worst_entries"] = [e.to_dict() for e in self.worst_entries]
        d["taylor_slope"] = _num(self.taylor_slope)
        d["kinks"] = [dict(k) for k in self.kinks]
        d["notes"] = list(self.notes)
        d.update(self.extra)
        return d


# ----- references ---------------------------------------------------------------

def _flat64(f, shape):
    """f of a flat float64 vector; a float32 output stays float32, so FD sizes its steps and error
    estimates for the precision f really computes in."""
    def g(z):
        y = np.asarray(f(np.asarray(z, dtype=np.float64).reshape(shape)))
        return (y if np.issubdtype(y.dtype, np.floating) else y.astype(np.float64)).reshape(-1)
    return g


def _ad_reference(f, x64, m):
    """(A, M): the AD Jacobian and its term magnitudes, or (None, None, why)."""
    from adcheck.frontends.coerce import wrap
    from adcheck.methods import forward, reverse

    fr = wrap(f)  # the stand-ins for np.asarray, math.*, float() ... apply to the user's module
    try:
        with np.errstate(all="ignore"):
            if m <= x64.size or m == 1:
                _, A = reverse.jacobian(fr, x64)
            else:
                _, A = forward.jacobian(fr, x64)
            M = reverse.magnitudes(fr, x64) if m <= 64 else np.abs(A)
        return A.reshape(m, -1), M.reshape(m, -1), None
    except AdcheckError as exc:
        return None, None, str(exc)


def _allowed(R, M, dtype, B, rtol, atol, noise=None):
    if rtol is not None or atol is not None:
        return (atol or 0.0) + (rtol or 0.0) * np.abs(R) + B, f"rtol={rtol or 0:g}, atol={atol or 0:g} (given)"
    ulps = ULPS.get(np.dtype(dtype), 2.0 ** 16)
    eps = float(np.finfo(dtype).eps) if np.issubdtype(dtype, np.floating) else EPS64
    row = np.max(M, axis=1, keepdims=True) if M.size else M
    allowed = ulps * eps * (np.maximum(M, np.abs(R)) + ROW_FLOOR * row) + B
    text = f"{int(ulps)} ulps of {np.dtype(dtype).name} × term size, + reference error"
    if noise is not None:
        allowed = allowed + NOISE_K * noise
        text += f", + {NOISE_K:g} × your derivative's own rounding noise"
    return allowed, text


def near(x, rng) -> np.ndarray:
    """x moved by one or two ulps of its dtype in each entry, the direction drawn from rng."""
    step = (x * np.finfo(x.dtype).eps * rng.choice([-2.0, -1.0, 1.0, 2.0], size=x.shape)).astype(x.dtype)
    return x + step


def dither_noise(jac_f, x, U, seed) -> np.ndarray:
    """The largest change of the user's derivative over DITHER points a few ulps from x (m, n)."""
    rng = np.random.default_rng(seed + 15485863)
    out = np.zeros(U.shape)
    for _ in range(DITHER):
        Uk = np.asarray(jac_f(near(x, rng)), dtype=np.float64).reshape(U.shape)
        out = np.maximum(out, np.where(np.isfinite(Uk), np.abs(Uk - U), 0.0))
    return out


# ----- the check ----------------------------------------------------------------

def check_jacobian(f, jac_f, x, *, rtol=None, atol=None, seed=None, full=False, name="f",
                   kind="jacobian", user=None, ad_f=None, no_ad=None, notes=()) -> CheckResult:
    """Compare the user's Jacobian ``jac_f(x)`` (m, n) of f at x with AD and FD.  Never raises on a mismatch.

    ``ad_f``: the function adcheck's AD differentiates (default f: give a NumPy twin when f is
    framework code); ``no_ad``: a reason not to try AD at all (FD is then the reference).
    ``notes`` are carried into the result.  ``user``: the user's values, instead of calling jac_f.
    """
    t0 = time.perf_counter()
    seed = 0 if seed is None else int(seed)
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    x64 = x.astype(np.float64)
    y = np.asarray(f(x))
    m, n = int(y.size), int(x.size)
    U = np.asarray(jac_f(x) if user is None else user)
    dtype = np.result_type(U.dtype, x.dtype) if np.issubdtype(U.dtype, np.floating) else x.dtype
    expected = (n,) if kind == "grad" else (m, n)
    if kind == "grad" and U.shape not in (x.shape, (n,), (1, n)):
        return _shape_failure(name, kind, U.shape, x.shape, m, n, dtype, t0)
    if kind != "grad" and U.size != m * n:
        return _shape_failure(name, kind, U.shape, (m, n), m, n, dtype, t0)
    U = U.astype(np.float64).reshape(m, n)
    del expected

    from adcheck.prims import table as _prims

    _prims.TIES.clear()
    A, M, ad_why = (None, None, no_ad) if no_ad else _ad_reference(f if ad_f is None else ad_f, x64, m)
    ties = sorted(_prims.TIES) if A is not None else []
    flat = _flat64(f, x.shape)
    notes = list(notes)
    if A is None:
        notes.append(f"adcheck's AD could not trace f ({ad_why}); FD is the reference" if not no_ad else
                     f"{no_ad}: FD is the reference")
    noise = dither_noise(jac_f, x, U, seed) if A is None and jac_f is not None and user is None else None
    if A is None and n > FULL_FD_INPUTS and not full:
        from adcheck.analysis.projections import check_by_projections
        return check_by_projections(flat, x64, U, name=name, kind=kind, dtype=dtype, seed=seed,
                                    rtol=rtol, atol=atol, t0=t0, notes=notes, noise=noise)
    from adcheck.methods import fd

    with np.errstate(all="ignore"):
        if full or n <= FULL_FD_INPUTS:
            # With AD at hand, central differences (2 evaluations per input) are enough to
            # validate it entry by entry; Richardson (~26 per input) runs only when they do
            # not agree, or when FD is the reference.
            est = fd.jacobian(flat, x64.reshape(-1), "fd-central" if A is not None and not full else "fd-richardson")
            F, E = est.jacobian, est.err_est
            mode = "entrywise"
        else:
            F = E = None
            mode = "entrywise vs AD (FD-validated)"
    if A is not None:
        ad_tol = 1024 * EPS64 * np.maximum(M, np.abs(A)) + 1e-300
        if F is not None:
            ad_ok = np.abs(A - F) <= 2 * E + ad_tol
            if est.method != "fd-richardson" and not np.all(ad_ok):
                with np.errstate(all="ignore"):
                    est = fd.jacobian(flat, x64.reshape(-1), "fd-richardson")
                F, E = est.jacobian, est.err_est
                ad_ok = np.abs(A - F) <= 2 * E + ad_tol
        else:
            ad_ok = _validate_ad_directionally(flat, x64, A, seed)
        if np.all(ad_ok):
            R, B, reference = A, ad_tol, "reverse AD (agrees with FD)"
        else:
            R, B, reference = (F, 2 * E, "FD (AD disagrees with FD; see notes)") if F is not None else (
                A, ad_tol, "reverse AD (FD disagreed on a direction; see notes)")
            notes.append("adcheck's AD and FD disagree at this point: a kink nearby, "
                         "or f is not differentiable by tracing")
    else:
        R, B, reference, M = F, 2 * E, "FD (Richardson)", np.abs(F)
    allowed, tol_text = _allowed(R, M, dtype, B, rtol, atol, noise)
    diff = np.abs(U - R)
    bad = ~(diff <= allowed)  # NaN in U counts as bad
    result = dict(name=name, kind=kind, shape=(m, n), dtype=np.dtype(dtype).name, tolerance=tol_text,
                  reference=reference, mode=mode, seed=seed)
    scale = float(np.max(np.abs(R))) if R.size else 0.0
    max_abs = float(np.nanmax(diff)) if diff.size else 0.0
    result.update(max_abs_error=max_abs, max_rel_error=max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else float("inf")))
    entries = _worst(U, A, F, E, R, diff, allowed, bad)
    slope = _taylor(flat, x64, U, kind, m, seed)
    if not bad.any():
        # Every entry agrees -- but at a switching point of |a|, max, a comparison... f may
        # still have a kink there that every method sees the same way (|x| at 0 gives 0 from
        # AD, central and Richardson differences alike): one-sided derivatives decide.
        kinks = []
        if ties and n <= FULL_FD_INPUTS:
            kinks, searched = _kinks_along(flat, x64, U, range(n), dtype=np.asarray(y).dtype)
            if not kinks and searched == n:
                notes.append(f"f is evaluated exactly at a switching point ({', '.join(ties)}); its one-sided "
                             "derivatives agree there, so f is differentiable at this point")
            elif not kinks:
                notes.append(f"f is evaluated exactly at a switching point ({', '.join(ties)}); one-sided "
                             f"derivatives agree along the {searched} of {n} inputs searched in "
                             f"{KINK_SEARCH_SECONDS:g} s")
        elif ties:
            notes.append(f"f is evaluated exactly at a switching point ({', '.join(ties)}); above "
                         f"{FULL_FD_INPUTS} inputs adcheck does not look for a kink that every method sees alike")
        if not kinks:
            return CheckResult(passed=True, exit_code=0, verdict=_pass_text(kind, reference, result),
                               worst=entries[0] if entries else None, taylor_slope=slope,
                               seconds=time.perf_counter() - t0, notes=tuple(notes), **result)
    else:
        kinks = _kinks_at(flat, x64, U, bad, dtype=np.asarray(y).dtype)
    if kinks:
        k = kinks[0]
        verdict = (f"inconclusive: f has a kink along x[{k['input']}] (left derivative {k['left']:.6g}, right "
                   f"{k['right']:.6g}); your value {k['user']:.6g} is {'between' if k['between'] else 'outside'} them")
        return CheckResult(passed=False, exit_code=3, verdict=verdict, worst=entries[0] if entries else None,
                           worst_entries=tuple(entries), kinks=tuple(kinks), taylor_slope=slope,
                           seconds=time.perf_counter() - t0,
                           notes=tuple(notes), **result)
    w = entries[0]
    where = f"entry {w.input}" if kind == "grad" else f"entry (output {w.output}, input {w.input})"
    who = "AD and FD agree" if reference.startswith("reverse AD (agrees") else f"reference: {reference}"
    verdict = (f"your {'gradient' if kind == 'grad' else kind} differs at {where}: {w.user:.10g} vs "
               f"{(w.ad if w.ad is not None else w.fd):.10g} (allowed {w.allowed:.2g}); {who}; "
               f"{int(bad.sum())} of {bad.size} entries off")
    return CheckResult(passed=False, exit_code=1, verdict=verdict, worst=w, worst_entries=tuple(entries),
                       taylor_slope=slope, seconds=time.perf_counter() - t0, notes=tuple(notes), **result)


def check_grad(f, grad_f, x, *, rtol=None, atol=None, seed=None, full=False, name="f", ad_f=None,
               no_ad=None) -> CheckResult:
    """Compare the user's gradient ``grad_f(x)`` of scalar f with AD and FD (see module docstring)."""
    return check_jacobian(f, grad_f, x, rtol=rtol, atol=atol, seed=seed, full=full, name=name, kind="grad",
                          ad_f=ad_f, no_ad=no_ad)


def check_hvp(f, hvp_f, x, v, *, rtol=None, atol=None, seed=None, name="f", grad=None,
              no_ad=None) -> CheckResult:
    """Compare ``hvp_f(x, v)`` with H·v: the directional derivative of ∇f along v (AD and FD).

    ``grad``: the gradient whose directional derivative is the reference (default adcheck's
    reverse AD of f); ``no_ad``: why AD is not tried on it (FD alone is then the reference).
    """
    from adcheck.derivatives import _grad_fn

    x = np.asarray(x)
    v64 = np.asarray(v, dtype=np.float64).reshape(x.shape)
    user = np.asarray(hvp_f(x, v))
    g = _grad_fn(f) if grad is None else grad

    def directional_grad(t):
        return g(x.astype(np.float64) + t[0] * v64)

    res = check_jacobian(directional_grad, None, np.zeros(1, dtype=x.dtype), rtol=rtol, atol=atol,
                         seed=seed, name=name, kind="hvp", user=user.reshape(-1, 1), no_ad=no_ad)
    return res


# ----- pieces -------------------------------------------------------------------

def _shape_failure(name, kind, got, want, m, n, dtype, t0):
    return CheckResult(name=name, kind=kind, passed=False, exit_code=1, shape=(m, n), dtype=np.dtype(dtype).name,
                       verdict=f"your {kind} has shape {tuple(got)}, expected {tuple(want)}",
                       seconds=time.perf_counter() - t0)


def _validate_ad_directionally(flat, x64, A, seed):
    from adcheck.methods import fd

    rng = np.random.default_rng(seed + 7919)
    n = x64.size
    dirs = [rng.choice([-1.0, 1.0], size=n) for _ in range(AD_VALIDATION_DIRECTIONS)]
    dirs += [np.eye(1, n, int(j)).reshape(-1) for j in rng.choice(n, size=min(1, n), replace=False)]
    f0 = flat(x64)
    for v in dirs:
        val, err, _ = fd.directional(flat, x64.reshape(-1), v, "fd-central", f0=f0)
        jv = A @ v
        tol = 2 * err + 1024 * EPS64 * (np.abs(A) @ np.abs(v))
        if np.any(np.abs(val - jv) > tol):
            return np.zeros(A.shape, dtype=bool)
    return np.ones(A.shape, dtype=bool)


def _worst(U, A, F, E, R, diff, allowed, bad):
    ratio = np.where(np.isfinite(diff), diff / np.maximum(allowed, 1e-300), np.inf)
    order = np.argsort(-ratio, axis=None)[:WORST_K]
    out = []
    for flat in order:
        i, j = np.unravel_index(int(flat), U.shape)
        out.append(EntryError(int(i), int(j), float(U[i, j]), None if A is None else float(A[i, j]),
                              None if F is None else float(F[i, j]), None if E is None else float(E[i, j]),
                              float(allowed[i, j])))
    return [e for k, e in enumerate(out) if k == 0 or bad[e.output, e.input]]


def _kinks_at(flat, x64, U, bad, limit=2, dtype=np.float64):
    """Kinks at up to ``limit`` failing entries (i, j): one-sided derivatives along x_j differ."""
    from adcheck.analysis.kinks import one_sided

    found = []
    for i, j in list(zip(*np.nonzero(bad)))[:limit]:
        with np.errstate(all="ignore"):
            s = one_sided(flat, x64.reshape(-1), int(j))
        k = _kink(s, int(i), int(j), U, dtype)
        if k is not None:
            found.append(k)
    return found


KINK_SEARCH_SECONDS = 5.0  # the search along every input stops here (slow f), with a note


def _kinks_along(flat, x64, U, inputs, dtype=np.float64):
    """(the first kink along the given inputs for any output, the number of inputs searched):
    one one-sided pass per input, until a kink or KINK_SEARCH_SECONDS."""
    from adcheck.analysis.kinks import one_sided

    start, searched = time.perf_counter(), 0
    for j in inputs:
        with np.errstate(all="ignore"):
            s = one_sided(flat, x64.reshape(-1), int(j))
        searched += 1
        for i in range(U.shape[0]):
            k = _kink(s, i, int(j), U, dtype)
            if k is not None:
                return [k], searched
        if time.perf_counter() - start > KINK_SEARCH_SECONDS:
            break
    return [], searched


def _kink(s, i, j, U, dtype):
    """The kink of output i along x_j if its one-sided derivatives ``s`` differ beyond their errors."""
    from adcheck.analysis.kinks import relative_slack

    lo, ro, le, re = s.left[i], s.right[i], s.left_err[i], s.right_err[i]
    if not (np.isfinite(le) and np.isfinite(re) and abs(lo - ro) > le + re + relative_slack(dtype) * max(abs(lo),
                                                                                                   abs(ro))):
        return None
    u = U[i, j]
    return {"output": i, "input": j, "left": float(lo), "right": float(ro), "user": float(u),
            "between": bool(min(lo, ro) - le <= u <= max(lo, ro) + re)}


def _taylor(flat, x64, U, kind, m, seed):
    from adcheck.analysis.taylor import taylor_test

    if kind == "hvp":
        return None
    rng = np.random.default_rng(seed + 104729)
    u = rng.standard_normal(m)
    try:
        with np.errstate(all="ignore"):
            return taylor_test(lambda z: u @ flat(z), x64.reshape(-1), u @ U, seed=seed, steps=8).slope
    except (AdcheckError, ArithmeticError, ValueError):
        return None


def _pass_text(kind, reference, result):
    what = "gradient" if kind == "grad" else kind
    return (f"your {what} matches ({result['mode']}): max error {result['max_abs_error']:.2g} "
            f"({result['max_rel_error']:.2g} relative) against {reference}")
