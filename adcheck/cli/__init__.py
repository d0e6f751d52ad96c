"""The ``adcheck`` command line: options -> core -> renderer -> exit code.

This package is the only code that imports typer or chooses the process's exit
status.  Each command parses its options, calls the core (which returns a
Report or raises a typed :class:`~adcheck.errors.AdcheckError`), hands the
result to a renderer and exits with the report's code.  NumPy, SymPy and the
core are imported inside the commands so that ``adcheck --help`` stays fast.

Exit codes (DESIGN.md): 0 pass, 1 mismatch, 2 bad input or usage,
3 inconclusive, 4 internal error.
"""

from adcheck.cli import derivatives, tools  # noqa: F401  (registers the commands on the app)
from adcheck.cli.common import METHOD_NAMES, SECOND_METHOD_NAMES, app, main, parse_methods

__all__ = ["METHOD_NAMES", "SECOND_METHOD_NAMES", "app", "main", "parse_methods"]

if __name__ == "__main__":  # pragma: no cover
    main()
