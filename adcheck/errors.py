"""Typed errors raised by the core; the CLI maps ``exit_code`` to the process status.

Exit codes (DESIGN.md): 0 pass, 1 mismatch, 2 bad input or usage,
3 inconclusive (cannot evaluate, not differentiable, FD did not converge),
4 internal error.  The core never prints: it raises one of these.
"""

from __future__ import annotations


class AdcheckError(Exception):
    """Base of every error adcheck raises on purpose."""

    exit_code = 4

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    @property
    def type_name(self) -> str:
        return type(self).__name__


# ---- bad input: exit 2 -------------------------------------------------------

class BadInputError(AdcheckError):
    """The user gave something adcheck cannot use (exit 2)."""

    exit_code = 2


class ExpressionSyntaxError(BadInputError):
    """An expression that does not parse, or uses a construct outside the whitelist.

    ``column`` is 0-based into ``text`` so the CLI can draw a caret under it.
    """

    def __init__(self, message: str, text: str = "", column: int | None = None):
        super().__init__(message)
        self.text = text
        self.column = column

    def caret(self) -> str | None:
        if self.column is None or not self.text or "\n" in self.text:
            return None
        return f"  {self.text}\n  {' ' * self.column}^"


class UnknownNameError(ExpressionSyntaxError):
    """A name or function that the expression language does not know."""


class PointError(BadInputError):
    """A malformed ``--at`` / ``--v`` point: missing, extra or non-numeric values."""


class TargetNotFoundError(BadInputError):
    """A missing file, or a function name the file does not define."""


class UsageError(BadInputError):
    """Options that contradict each other or an unknown method name."""


# ---- inconclusive: exit 3 ----------------------------------------------------

class InconclusiveError(AdcheckError):
    """The question has no answer at this point (exit 3)."""

    exit_code = 3


class DomainError(InconclusiveError):
    """f (or its derivative) is not defined / not finite at the point."""


class NotDifferentiableError(InconclusiveError):
    """One-sided derivatives disagree: a kink.  Carries both one-sided values."""

    def __init__(self, message: str, left=None, right=None, *, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.left = left
        self.right = right


class UserCodeError(InconclusiveError):
    """The user's function raised; ``user_traceback`` holds their frames only."""

    def __init__(self, message: str, user_traceback: str = ""):
        super().__init__(message)
        self.user_traceback = user_traceback


class UserTimeoutError(InconclusiveError):
    """The user's function did not return within the time limit."""


# ---- a method could not run (reported per method, not fatal) ------------------

class MethodError(AdcheckError):
    """One method cannot handle this target; the other methods still run."""

    exit_code = 3


class UnsupportedOpError(MethodError):
    """An operation with no derivative rule (or no tracer support) was reached."""

    def __init__(self, op: str, method: str = "", detail: str = ""):
        where = f" in {method} mode" if method else ""
        msg = f"cannot differentiate through {op}{where}"
        if detail:
            msg += f": {detail}"
        super().__init__(msg)
        self.op = op
        self.method = method


class NotApplicableError(MethodError):
    """The method does not apply to this function (e.g. complex-step on abs)."""


class InternalError(AdcheckError):
    """A bug in adcheck (exit 4)."""

    exit_code = 4
