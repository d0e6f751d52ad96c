"""Assertions for test suites: a hand-written derivative either matches or the test fails with the table.

    from adcheck.testing import assert_grad
    def test_loss_gradient():
        assert_grad(loss, loss_grad, np.array([0.5, -1.0, 2.0]))

Each ``assert_*`` runs the check of :mod:`adcheck.analysis.checks` (or
``check_rule``) and

* returns the CheckResult (RuleReport) when it passes (exit 0);
* raises ``AssertionError`` on a mismatch (exit 1), its message a small
  fixed-width table of the worst entries (yours, AD, FD ± error, allowed),
  the verdict, the tolerance and the seed;
* raises :class:`Inconclusive` (a subclass of AssertionError, so the test
  fails too) when the check cannot decide — f has a kink at x, finite
  differences did not converge.  An undecided check never passes silently:
  move the point, or catch ``Inconclusive`` where a kink is expected.

PyTorch and JAX: ``f`` may be torch or jax code (:mod:`adcheck.frameworks`) and
``x`` a tensor or jax array.  ``assert_grad(f, None, x)`` checks the
framework's own gradient of f (and its forward mode); a hand-written
``grad_f`` in the same framework is checked against FD of f in float64.
``assert_rule`` takes a ``torch.autograd.Function`` subclass or a
``jax.custom_vjp`` / ``custom_jvp`` function as well.

``rtol``/``atol`` replace the per-dtype tolerance model (allowed = atol +
rtol·|reference|); ``seed`` fixes the random directions (default 0).  Errors
in the user's own code propagate unchanged.
"""

from __future__ import annotations

__all__ = ["assert_grad", "assert_jacobian", "assert_hvp", "assert_rule", "Inconclusive"]


class Inconclusive(AssertionError):
    """The check could not decide at this point (a kink, FD did not converge): not a pass."""


def _verdict(result):
    __tracebackhide__ = True
    if result.exit_code == 0:
        return result
    from adcheck.render.check import result_text

    text = result_text(result)
    if result.exit_code == 3:
        raise Inconclusive(text)
    raise AssertionError(text)


def _name(f) -> str:
    return getattr(f, "__name__", None) or "f"


def _framework(f):
    from adcheck.frameworks import framework_of, is_framework_rule

    return None if is_framework_rule(f) else framework_of(f)


def _framework_check(f, deriv, x, kind, **kw):
    """A check of torch / jax code: the framework's own derivative (deriv None) or a hand-written one."""
    from adcheck.analysis.checks import check_grad, check_jacobian
    from adcheck.analysis.discover import plain_value
    from adcheck.frameworks.checks import adapter, check_autograd, numpy_side

    x = plain_value(x)
    if deriv is None:
        return check_autograd(f, (x,), name=_name(f), **kw)
    ad, user = adapter(f), adapter(deriv, _framework(f))
    check = check_grad if kind == "grad" else check_jacobian
    return check(numpy_side(ad.value, f), numpy_side(user.call, deriv), x, name=_name(f),
                 no_ad=f"{_name(f)} is {ad.framework} code", **kw)


def assert_grad(f, grad_f, x, *, rtol=None, atol=None, seed=None):
    """``grad_f(x)`` is the gradient of scalar ``f`` at ``x``, or AssertionError with the table.

    For torch / jax ``f``, ``grad_f=None`` checks the framework's own gradient."""
    __tracebackhide__ = True
    from adcheck.analysis.checks import check_grad

    if _framework(f):
        return _verdict(_framework_check(f, grad_f, x, "grad", rtol=rtol, atol=atol, seed=seed))
    return _verdict(check_grad(f, grad_f, x, rtol=rtol, atol=atol, seed=seed, name=_name(f)))


def assert_jacobian(f, jac_f, x, *, rtol=None, atol=None, seed=None):
    """``jac_f(x)`` (m × n) is the Jacobian of ``f`` at ``x``, or AssertionError with the table."""
    __tracebackhide__ = True
    from adcheck.analysis.checks import check_jacobian

    if _framework(f):
        return _verdict(_framework_check(f, jac_f, x, "jacobian", rtol=rtol, atol=atol, seed=seed))
    return _verdict(check_jacobian(f, jac_f, x, rtol=rtol, atol=atol, seed=seed, name=_name(f)))


def assert_hvp(f, hvp_f, x, v, *, rtol=None, atol=None, seed=None):
    """``hvp_f(x, v)`` is H(x)·v for scalar ``f``, or AssertionError with the table."""
    __tracebackhide__ = True
    from adcheck.analysis.checks import check_hvp

    return _verdict(check_hvp(f, hvp_f, x, v, rtol=rtol, atol=atol, seed=seed, name=_name(f)))


def assert_rule(fn, x, *, rtol=None, atol=None, seed=None):
    """The custom_vjp / custom_jvp rules of ``fn`` hold at ``x`` (a tuple for several arguments);
    ``fn`` may also be a torch.autograd.Function subclass or a jax custom_vjp / custom_jvp."""
    __tracebackhide__ = True
    from adcheck.analysis.discover import plain_value
    from adcheck.analysis.rules import check_rule

    x = tuple(plain_value(list(x))) if isinstance(x, tuple) else plain_value(x)
    return _verdict(check_rule(fn, x, rtol=rtol, atol=atol, seed=seed))
