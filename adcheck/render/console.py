"""Where output goes: a rich Console for stdout (results) and one for stderr (diagnostics).

On a terminal the console uses colour and Unicode boxes.  When the stream
is not a terminal (a pipe, a file, a test runner) or ``NO_COLOR`` is set to
a non-empty value, it is *plain*: no ANSI escape sequences at all, ASCII
table borders, and a wide fixed width so tables are never squeezed or
wrapped in the middle of a number.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Optional

from rich import box
from rich.console import Console

PLAIN_WIDTH = 160  # columns used when not writing to a terminal (unless COLUMNS says otherwise)


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or exotic streams
        return False


def wants_plain(stream) -> bool:
    """True when output to ``stream`` should carry no colour or styling."""
    if os.environ.get("NO_COLOR"):
        return True
    return not _isatty(stream)


def make_console(*, stderr: bool = False) -> Console:
    """A Console for stdout (or stderr), plain when piped or when NO_COLOR is set.

    The console follows ``sys.stdout`` / ``sys.stderr`` as they are when it
    prints, so test runners that swap the streams capture its output.
    """
    stream = sys.stderr if stderr else sys.stdout
    if not wants_plain(stream):
        return Console(stderr=stderr, force_terminal=True, highlight=False, emoji=False)
    width = PLAIN_WIDTH
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        width = int(columns)
    return Console(stderr=stderr, color_system=None, force_terminal=False, highlight=False,
                   emoji=False, width=width, legacy_windows=False)


@dataclass(frozen=True)
class Look:
    """How a renderer should draw: styled or plain, Unicode marks or ASCII ones.

    Renderers take a Look, never a Console, so they build the same
    renderables for a terminal, a pipe or a test.
    """

    plain: bool = True
    unicode: bool = True
    width: Optional[int] = None  # columns available; None = as wide as needed

    def style(self, name: str) -> str:
        """``name`` on a styled console, no style when plain."""
        return "" if self.plain else name

    @property
    def box(self) -> box.Box:
        """Table borders: light Unicode lines on a terminal, ASCII when plain."""
        return box.ASCII2 if self.plain or not self.unicode else box.SIMPLE_HEAD

    def mark(self, kind: str) -> str:
        """``ok`` ✓, ``bad`` ✗, ``ref`` —, ``unknown`` ?, ``best`` ◀ (ASCII fallbacks)."""
        marks = _UNICODE_MARKS if self.unicode else _ASCII_MARKS
        return marks[kind]


_UNICODE_MARKS = {"ok": "✓", "bad": "✗", "ref": "—", "unknown": "?", "best": "◀", "na": "n/a"}
_ASCII_MARKS = {"ok": "ok", "bad": "X", "ref": "-", "unknown": "?", "best": "<", "na": "n/a"}


def look_of(console: Console) -> Look:
    """The Look that suits ``console``."""
    return Look(plain=console.color_system is None, unicode=_unicode_ok(console), width=console.width)


def _unicode_ok(console: Console) -> bool:
    return (console.encoding or "").lower().replace("-", "").startswith("utf")
