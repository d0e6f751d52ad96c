"""Error messages for people, written to stderr by the CLI.  Text only; nothing prints here.

One ``error: <message>`` line, then what helps fix it: the caret under the
offending column of an expression, the user's own traceback when their code
raised, and a ``hint:`` line when the error carries one.
"""

from __future__ import annotations

from rich.text import Text

from adcheck.render.console import Look


def error_text(exc: BaseException, look: Look) -> Text:
    """The stderr display of an AdcheckError (or anything with ``.message``)."""
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    out = Text()
    out.append("error: ", style=look.style("bold red"))
    out.append(message)
    caret = getattr(exc, "caret", None)
    shown = caret() if callable(caret) else None
    if shown:
        out.append("\n" + shown)
    user_tb = getattr(exc, "user_traceback", "")
    if user_tb:
        out.append("\n" + user_tb.rstrip("\n"), style=look.style("dim"))
    hint = getattr(exc, "hint", None)
    if hint:
        out.append("\nhint: ", style=look.style("bold"))
        out.append(hint)
    return out


def internal_error_text(exc: BaseException, look: Look) -> Text:
    """One line for an unexpected exception (a bug in adcheck)."""
    out = Text()
    out.append("internal error: ", style=look.style("bold red"))
    detail = str(exc).splitlines()[0] if str(exc) else ""
    out.append(f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__)
    out.append(" (run again with --debug for the traceback)", style=look.style("dim"))
    return out
