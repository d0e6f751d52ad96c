"""Checking a large Jacobian without building it: random projections, then localisation.

Used when adcheck's AD cannot trace f and the Jacobian is too large for
entrywise finite differences.  For a Rademacher direction v (entries ±1) and
output weights u, the user's ⟨u, U v⟩ is compared with the directional finite
difference ⟨u, F(v)⟩ ± its error estimate.

Miss bound.  Let D = U - J be the error and j* an entry with |D_j*| larger
than twice the allowed error.  Flipping the sign of v_j* changes ⟨u, D v⟩ by
2 u·D_j*, so at most one of the two sign choices can hide the error: each
projection misses it with probability at most 1/2, and k independent ones
with probability at most 2^-k.  k = ceil(log2(1/P_MISS)) projections give a
miss probability below P_MISS (1e-6: 20 projections), whatever n is.
One-hot probes at a few random coordinates are added (structured probes).

Allowed error of a projection.  The user's entries are each allowed an error
a_ij = ULPS·eps·|U_ij| (checks.py); their rounding errors enter ⟨u, U v⟩ with
the random signs of v, so by Hoeffding's inequality the sum exceeds
t = HOEFFDING·sqrt(Σ (u_i a_ij v_j)²) with probability at most
2·exp(-HOEFFDING²/2) ≈ 1e-8: a false alarm per projection is that unlikely.
Plus twice the directional FD error estimate.  The price of projections:
one wrong entry is seen only when its error exceeds about HOEFFDING·sqrt(n)
per-entry allowances (for float64 that is still ~1e-8 relative at n = 10⁴;
for float32 ~1e-2).  With AD available -- the usual case -- every entry is
compared with AD against its own allowance instead.

Localisation.  A failing projection is narrowed down by halving: the
direction restricted to each half of the index set is tested again and only
halves that still fail are split further — about 2·log2(n) directional
differences per wrong entry, never the full Jacobian.  When neither half of a
failing set fails (the FD error estimate of a half can be larger, e.g. where
the step crosses kinks of f in other coordinates), the mismatch is followed
into the half that carries the larger part of it — the mismatch of a wrong
derivative is additive over the halves — and the entry reached is judged by
its own one-hot difference.  A found entry with different one-sided
derivatives is a kink: inconclusive, never a mismatch.
"""

from __future__ import annotations

import math
import time

import numpy as np

P_MISS = 1e-6
HOEFFDING = math.sqrt(2 * math.log(2 / 1e-8))  # false-alarm probability 1e-8 per projection
PROBES = 5
MAX_LOCALISED = 16
EPS64 = float(np.finfo(np.float64).eps)


def projections_needed(p_miss: float = P_MISS) -> int:
    return int(math.ceil(math.log2(1.0 / p_miss)))


def check_by_projections(flat, x64, U, *, name, kind, dtype, seed, rtol, atol, t0, notes, noise=None):
    from adcheck.analysis.checks import NOISE_K, ULPS, CheckResult, EntryError
    from adcheck.methods import fd

    x = x64.reshape(-1)
    m, n = U.shape
    rng = np.random.default_rng(seed)
    ulps = ULPS.get(np.dtype(dtype), 2.0 ** 16)
    eps = float(np.finfo(dtype).eps)
    evals = [0]
    entry_allowed = ulps * eps * np.abs(U) + (0.0 if noise is None else NOISE_K * noise)

    def probe(v, u):
        val, err, k = fd.directional(flat, x, v, "fd-central")
        evals[0] += k
        user = u @ (U @ v)
        ref = u @ val
        if rtol is not None or atol is not None:
            allowed = (atol or 0.0) + (rtol or 0.0) * abs(ref) + 2 * (np.abs(u) @ err)
        else:
            per_entry = np.abs(u)[:, None] * entry_allowed * np.abs(v)[None, :]
            allowed = HOEFFDING * float(np.sqrt(np.sum(per_entry ** 2))) + 2 * (np.abs(u) @ err)
        return abs(user - ref) <= allowed, user, ref, allowed

    k = projections_needed()
    directions = [rng.choice([-1.0, 1.0], size=n) for _ in range(k)]
    directions += [np.eye(1, n, int(j)).reshape(-1) for j in rng.choice(n, size=min(PROBES, n), replace=False)]
    failing = None
    for v in directions:
        u = rng.standard_normal(m) if m > 1 else np.ones(1)
        ok, *_ = probe(v, u)
        if not ok:
            failing = (v, u)
            break
    common = dict(name=name, kind=kind, shape=(m, n), dtype=np.dtype(dtype).name, mode="projections",
                  reference="FD (directional)", seed=seed,
                  tolerance=f"Hoeffding bound on {int(ulps)} ulps of {np.dtype(dtype).name} per entry + 2×FD error",
                  notes=tuple(notes) + (f"{k} random projections + {min(PROBES, n)} one-hot probes: "
                                        f"a wrong entry is missed with probability < {P_MISS:g}",))
    if failing is None:
        return CheckResult(passed=True, exit_code=0, verdict=f"your {kind} matches on {len(directions)} "
                           f"projections (miss probability < {P_MISS:g})", seconds=time.perf_counter() - t0,
                           extra={"evaluations": evals[0]}, **common)
    v, u = failing
    found = _localise(probe, v, u, n, m, EntryError)
    worst = found[0] if found else None
    kinks = _kinks(flat, x64, U, found, dtype)
    rough = [e for e in found if not abs(e.user - e.fd) > e.allowed]
    if not kinks and found and len(rough) == len(found):
        e = found[0]
        kinks = [{"output": -1, "input": e.input, "user": e.user, "fd": e.fd, "rough": True, "between": False}]
    if kinks:
        k = kinks[0]
        verdict = (f"inconclusive: the mismatch comes from x[{k['input']}], where finite differences are as "
                   f"rough as it ({k['user']:.6g} vs FD {k['fd']:.6g}, within FD's own error there)"
                   if k.get("rough") else
                   f"inconclusive: f has a kink along x[{k['input']}] (left derivative {k['left']:.6g}, right "
                   f"{k['right']:.6g}); your value {k['user']:.6g} is {'between' if k['between'] else 'outside'} them")
        return CheckResult(passed=False, exit_code=3, verdict=verdict, worst=worst, worst_entries=tuple(found[:5]),
                           kinks=tuple(kinks), seconds=time.perf_counter() - t0,
                           extra={"evaluations": evals[0]}, **common)
    where = f"entry {worst.input}" if worst else "a combination of entries (not narrowed to one)"
    verdict = f"your {kind} differs from FD at {where}"
    if worst is not None:
        verdict += f": {worst.user:.10g} vs {worst.fd:.10g} (allowed {worst.allowed:.2g})"
    return CheckResult(passed=False, exit_code=1, verdict=verdict, worst=worst, worst_entries=tuple(found[:5]),
                       seconds=time.perf_counter() - t0, extra={"evaluations": evals[0]}, **common)


def _kinks(flat, x64, U, found, dtype):
    """One-sided derivatives along each localised input (as checks.py does for entrywise checks)."""
    from adcheck.analysis.checks import _kinks_at

    if not found:
        return []
    bad = np.zeros(U.shape, dtype=bool)
    for e in found[:2]:
        bad[:, e.input] = True
    return _kinks_at(flat, x64, U, bad, dtype=dtype)


def _localise(probe, v, u, n, m, EntryError):
    """The entries a failing projection (v, u) is due to (see the module docstring)."""
    found, stack = [], [(np.arange(n), False)]
    while stack and len(found) < MAX_LOCALISED:
        idx, followed = stack.pop()
        if idx.size == 1:
            w = np.zeros(n)
            w[idx] = v[idx]
            ok, user, ref, allowed = probe(w, u)
            if not ok or followed:   # a followed entry carries the mismatch even when its FD is too rough
                found.append(EntryError(-1 if m > 1 else 0, int(idx[0]), float(user * v[idx[0]]),
                                        None, float(ref * v[idx[0]]), None, float(allowed)))
            continue
        half = idx.size // 2
        children = []
        for part in (idx[:half], idx[half:]):
            w = np.zeros(n)
            w[part] = v[part]
            ok, user, ref, _ = probe(w, u)
            children.append((part, ok, abs(user - ref)))
        failing = [(c, False) for c, ok, _ in children if not ok]
        if failing:
            stack += failing[::-1]
        elif not followed or len(found) == 0:
            stack.append((max(children, key=lambda c: c[2])[0], True))
    return found
