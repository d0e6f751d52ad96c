"""Softplus with a hand-written backward rule: the stable formula and its sigmoid derivative.

softplus(x) = log(1 + eˣ).  Written that way it overflows: eˣ is inf for
x > 709, so the naive form returns inf where the answer is ≈ x, and its
automatic derivative eˣ / (1 + eˣ) becomes inf/inf = nan.  ``np.logaddexp(0, x)``
computes the same function as max(x, 0) + log(1 + e^-|x|), which never
overflows.  Its derivative is the logistic sigmoid

    d/dx softplus(x) = eˣ / (1 + eˣ) = σ(x) = (1 + tanh(x/2)) / 2,

written here with tanh, which saturates at ±1 instead of overflowing.  The
backward rule states the chain rule for it: given g, the cotangent of the
output, the cotangent of x is g·σ(x).  It is registered with
``adcheck.custom_vjp``; reverse mode uses it, forward mode differentiates
the primal (see ``softplus.modes()``).

``softplus_ignores_g`` is WRONG ON PURPOSE.  Its backward returns σ(x) and
forgets the incoming cotangent g.  Under ``np.sum(softplus(z))`` g is all
ones, so that gradient comes out right -- which is how such bugs survive --
but anywhere else (a mean, a weighted sum, the logistic loss below) the
chain rule breaks.  ``adcheck.check_rule`` catches it: the backward is not
linear in g (it returns σ(x) for g = 0) and disagrees with finite
differences.

``ADCHECK_EXPECT`` maps function names to the verdict a check of this file
must reach: ``"fail"`` marks a rule that is wrong on purpose, so the checker
itself is tested; a name not listed is expected to pass.  ``ADCHECK_POINTS``
gives default points (see ``adcheck.frontends.pyfile``).

Try::

    adcheck grad examples/softplus_rule.py::loss
    python -c "import numpy as np, adcheck, runpy;
    m = runpy.run_path('examples/softplus_rule.py');
    print(adcheck.check_rule(m['softplus'], np.array([-3.0, 0.5, 800.0])).passed)"
"""

import numpy as np

import adcheck


def sigmoid(x):
    """σ(x) = 1 / (1 + e^-x), as (1 + tanh(x/2)) / 2: no overflow for any x."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


# ---- correct --------------------------------------------------------------------

@adcheck.custom_vjp
def softplus(x):
    """log(1 + eˣ) without overflow."""
    return np.logaddexp(0.0, x)


@softplus.defvjp
def softplus_vjp(g, ans, x):
    """x̄ = g · σ(x)."""
    return g * sigmoid(x)


# ---- wrong on purpose: the backward forgets g -----------------------------------

@adcheck.custom_vjp
def softplus_ignores_g(x):
    """The same primal as softplus; only its backward rule is wrong."""
    return np.logaddexp(0.0, x)


@softplus_ignores_g.defvjp
def softplus_ignores_g_vjp(g, ans, x):
    """WRONG ON PURPOSE: should be g * sigmoid(x)."""
    return sigmoid(x)


# ---- a model that uses the rule: logistic regression loss -------------------------

_rng = np.random.default_rng(7)
FEATURES = _rng.standard_normal((8, 3))
LABELS = np.where(_rng.standard_normal(8) > 0, 1.0, -1.0)


def loss(w):
    """Mean logistic loss: mean_i log(1 + exp(-y_i · x_iᵀw)) = mean softplus(-y ⊙ Xw)."""
    return np.mean(softplus(-LABELS * (FEATURES @ w)))


ADCHECK_POINTS = {"loss": [0.5, -1.0, 2.0], "softplus": [-3.0, 0.5, 40.0],
                  "softplus_ignores_g": [-3.0, 0.5, 40.0]}
ADCHECK_EXPECT = {"softplus_ignores_g": "fail"}
