"""pytest plugin (entry point ``pytest11: adcheck``): the ``adcheck`` fixture.

    def test_model(adcheck):
        adcheck.grad(loss, loss_grad, w0)          # adcheck.testing.assert_grad
        adcheck.jacobian(predict, predict_jac, w0)
        adcheck.hvp(loss, loss_hvp, w0, v)
        adcheck.rule(softplus, x)                  # custom_vjp / custom_jvp rules

Each method is the :mod:`adcheck.testing` assertion of the same name: it
returns the result on a pass and raises AssertionError (``Inconclusive``
when the check cannot decide) whose message is the table of the worst
entries, which pytest shows as the failure.  Options (``rtol``, ``atol``,
``seed``) pass through.  Importing this module loads no NumPy.
"""

from __future__ import annotations

import pytest


class AdcheckFixture:
    """What the ``adcheck`` fixture gives a test: the assertions of adcheck.testing as methods."""

    def __repr__(self):
        return "<adcheck fixture: .grad .jacobian .hvp .rule>"

    def grad(self, f, grad_f, x, **options):
        __tracebackhide__ = True
        from adcheck.testing import assert_grad
        return assert_grad(f, grad_f, x, **options)

    def jacobian(self, f, jac_f, x, **options):
        __tracebackhide__ = True
        from adcheck.testing import assert_jacobian
        return assert_jacobian(f, jac_f, x, **options)

    def hvp(self, f, hvp_f, x, v, **options):
        __tracebackhide__ = True
        from adcheck.testing import assert_hvp
        return assert_hvp(f, hvp_f, x, v, **options)

    def rule(self, fn, x, **options):
        __tracebackhide__ = True
        from adcheck.testing import assert_rule
        return assert_rule(fn, x, **options)


@pytest.fixture
def adcheck():
    """Check hand-written derivatives inside a test: ``adcheck.grad(f, grad_f, x)`` and friends."""
    return AdcheckFixture()
