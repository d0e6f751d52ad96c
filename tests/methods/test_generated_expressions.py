"""Generated expressions (depth ≥ 5, every whitelisted function): forward, reverse
and symbolic agree to 1e-10.

Each function is applied to an argument mapped into its domain (log(2 + sin e),
asin(0.9 tanh e), ...), so every generated expression is smooth and finite at
the points drawn, and the comparison tests the rules, not the domain.
"""

import numpy as np
from hypothesis import given, settings, strategies as st

from adcheck.analysis.compare import run_method
from adcheck.frontends.expression import expression_target

UNARY = [
    "sin({})", "cos({})", "tan(sin({}))", "asin(0.9*tanh({}))", "acos(0.9*sin({}))", "atan({})",
    "sinh(tanh({}))", "cosh(tanh({}))", "tanh({})", "asinh({})", "acosh(2+({})**2)",
    "atanh(0.8*sin({}))", "exp(sin({}))", "expm1(cos({}))", "log(2+sin({}))", "log(3+cos({}), 2)",
    "log1p(({})**2)", "log2(2+tanh({}))", "log10(3+sin({}))", "sqrt(1+({})**2)", "cbrt(2+sin({}))",
    "erf({})", "abs(1.5+sin({}))", "sign(2+cos({}))*({})", "-({})",
]
BINARY = [
    "({})+({})", "({})-({})", "({})*({})", "({})/(2+cos({}))", "(2+sin({}))^(cos({}))",
    "atan2({}, 2+cos({}))", "max({}, {})", "min({}, {})", "({})**2*({})",
]


def tree(depth):
    leaf = st.sampled_from(["x", "y", "z", "0.5", "2"])
    if depth == 0:
        return leaf
    sub = tree(depth - 1)
    unary = st.builds(lambda t, a: t.format(*([a] * t.count("{}"))), st.sampled_from(UNARY), sub)
    binary = st.builds(lambda t, a, b: t.format(a, *([b] * (t.count("{}") - 1))),
                       st.sampled_from(BINARY), sub, tree(0))
    return st.one_of(unary, binary)


@settings(max_examples=30, deadline=None)
@given(tree(5), st.tuples(*[st.floats(-1.5, 1.5)] * 3))
def test_forward_reverse_symbolic_agree_on_generated_expressions(text, point):
    text = f"x*y*z + {text}"  # every variable present
    target = expression_target(text, ",".join(f"{v}={p!r}" for v, p in zip("xyz", point)))
    with np.errstate(all="ignore"):
        exact = run_method(target, "symbolic").jacobian
        scale = max(1.0, float(np.max(np.abs(exact))))
        for method in ("forward", "reverse"):
            got = run_method(target, method).jacobian
            assert np.all(np.abs(got - exact) <= 1e-10 * scale), (method, text, got, exact)


def test_generators_cover_every_whitelisted_function():
    from adcheck.frontends.exprparse import FUNCTIONS

    text = " ".join(UNARY + BINARY)
    missing = [name for name in FUNCTIONS if f"{name}(" not in text]
    assert not missing, missing
