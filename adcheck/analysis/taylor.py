"""The Taylor-remainder test: a step-free second opinion on a gradient.

For a direction d and a claimed gradient g, the remainder

    r(h) = | f(x + h d) - f(x) - h ⟨g, d⟩ |

is O(h²) when g is the true gradient (the first-order terms cancel) and only
O(h) when it is not (a leftover h ⟨∇f - g, d⟩).  The slope of log r against
log h over a range of h is therefore about 2 for a correct gradient and about
1 for a wrong one, whatever the step: no step size has to be chosen well,
only a range where r is above round-off.  Steps where r is below
ROUNDOFF_FACTOR·eps·|f| carry no information and are left out of the fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

EPS = float(np.finfo(np.float64).eps)
ROUNDOFF_FACTOR = 1e4


@dataclass(frozen=True)
class TaylorResult:
    slope: Optional[float]   # fitted d log r / d log h (None: no usable steps)
    steps: tuple             # the h used in the fit
    remainders: tuple        # r(h) at those steps
    verdict: str             # "second order" / "first order" / "undetermined"


def taylor_test(f, x, g, d=None, *, seed: int = 0, steps: int = 12) -> TaylorResult:
    """Fit the remainder slope of scalar f at flat x with claimed gradient g along d."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    g = np.asarray(g, dtype=np.float64).reshape(-1)
    if d is None:
        d = np.random.default_rng(seed).standard_normal(x.size)
    d = np.asarray(d, dtype=np.float64).reshape(-1)
    d = d / max(float(np.linalg.norm(d)), 1e-300) * max(float(np.linalg.norm(x)), 1.0) * 1e-1
    f0 = float(np.asarray(f(x)).reshape(-1)[0])
    slope_g = float(g @ d)
    hs, rs = [], []
    for k in range(steps):
        h = 2.0 ** -(k + 1)
        fh = float(np.asarray(f(x + h * d)).reshape(-1)[0])
        r = abs(fh - f0 - h * slope_g)
        if np.isfinite(r) and r > ROUNDOFF_FACTOR * EPS * max(abs(f0), 1e-300):
            hs.append(h)
            rs.append(r)
    if len(hs) < 3:
        return TaylorResult(None, tuple(hs), tuple(rs), "undetermined")
    slope = float(np.polyfit(np.log(hs), np.log(rs), 1)[0])
    verdict = "second order" if slope > 1.6 else ("first order" if slope < 1.4 else "undetermined")
    return TaylorResult(slope, tuple(hs), tuple(rs), verdict)
