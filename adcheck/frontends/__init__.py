"""Frontends: turn the user's TARGET text and ``--at`` point into a :class:`Target`.

:func:`load_target` decides what the text is:

* an existing file that is not a ``.py`` file (or ``DIR/NAME`` where
  ``DIR/NAME.txt`` exists, as in ``examples/expressions/rosenbrock``) is an
  expression file: one expression and its ``at:`` point; ``at`` given by
  the caller (``--at``) overrides the file's point;
* text ending in ``.py`` or containing ``.py::`` is a Python file, handled by
  :mod:`adcheck.frontends.pyfile`;
* anything else is an expression string.

``wrt`` (argument names to differentiate) and ``timeout`` (seconds per call)
apply to Python files only.  An expression's variables are always all
differentiated, so ``wrt`` with an expression is a usage error; ``timeout``
is ignored there (an expression never runs user code).
"""

from __future__ import annotations

import importlib
import os
from typing import Optional, Sequence

from adcheck.errors import UsageError
from adcheck.target import Target

__all__ = ["load_target"]


def load_target(text: str, at: Optional[str], *, wrt: Optional[Sequence[str]] = None,
                timeout: Optional[float] = None) -> Target:
    """The Target named by ``text`` (expression, expression file or Python file) at ``at``."""
    from adcheck.frontends.expression import expression_target, load_expression_file

    path = _expression_file(text)
    stripped = text.strip()
    is_file = stripped.endswith(".py") or ".py::" in stripped
    if wrt is not None and not is_file:
        raise UsageError("--wrt names arguments of a Python function; every variable of an "
                         "expression is differentiated",
                         hint="drop --wrt, or give a Python file (model.py::f)")
    if path is not None:
        expr, file_at = load_expression_file(path)
        target = expression_target(expr, at if at is not None else file_at, name=expr)
        target.text = text
        target.notes.append(f"expression from {path}")
        return target
    if is_file:
        try:
            pyfile = importlib.import_module("adcheck.frontends.pyfile")
        except ModuleNotFoundError as exc:
            if exc.name != "adcheck.frontends.pyfile":
                raise
            raise UsageError("Python files are not supported yet") from None
        return pyfile.load(text, at, wrt=wrt, timeout=timeout)
    return expression_target(text, at)


def _expression_file(text: str) -> Optional[str]:
    """The path of the expression file ``text`` names, or None."""
    candidate = text.strip()
    if not candidate or "\n" in candidate or candidate.endswith(".py") or ".py::" in candidate:
        return None
    if os.path.isfile(candidate):
        return candidate
    if os.sep in candidate or "/" in candidate:
        with_txt = candidate + ".txt"
        if os.path.isfile(with_txt):
            return with_txt
    return None
