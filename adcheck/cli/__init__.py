"""The ``adcheck`` command line: options -> core -> renderer -> exit code.

This package is the only code that imports typer or chooses the process's exit
status.  Each command parses its options, calls the core (which returns a
Report or raises a typed :class:`~adcheck.errors.AdcheckError`), hands the
result to a renderer and exits with the report's code.  NumPy, SymPy and the
core are imported inside the commands so that ``adcheck --help`` stays fast.

``adcheck --help`` and ``adcheck --version`` are answered here without
importing typer at all (typer and its help formatting cost more than the rest
of the start-up); every other invocation, including each command's ``--help``
and shell completion, goes through the typer app.  The app and its commands
are loaded on first use (``from adcheck.cli import app`` works as before);
``adcheck COMMAND ...`` imports only the module that defines COMMAND and builds
an app with only that command (``COMMAND_MODULES``, ``common.main``).

Exit codes (DESIGN.md): 0 pass, 1 mismatch, 2 bad input or usage,
3 inconclusive, 4 internal error.
"""

import os
import sys

__all__ = ["METHOD_NAMES", "SECOND_METHOD_NAMES", "app", "main", "parse_methods"]

# The root help, as plain text.  tests/test_speed_cli.py checks that it names every
# command of the app with the first line of its help, and the root options.
ROOT_COMMANDS = (
    ("grad", "Check the gradient of a function at a point, every way adcheck knows."),
    ("jacobian", "Check the Jacobian (m outputs × n inputs) of a vector-valued function at a point."),
    ("hvp", "Check a Hessian-vector product H·v of a scalar function at a point."),
    ("hessian", "Check the full n×n Hessian of a scalar function at a point."),
    ("modes", "Forward or reverse mode for this Jacobian?  Passes, measured costs and the "
              "recommendation."),
    ("check", "Verify hand-written gradients, Jacobians, HVPs and custom rules against AD and FD."),
    ("graph", "The computational graph as reverse mode records it: each node's operation, value "
              "and adjoint."),
)

# The module that defines (registers on the app) each command; tests/cli/test_lazy_commands.py
# checks it against the app.
COMMAND_MODULES = {"grad": "derivatives", "jacobian": "derivatives", "hvp": "derivatives",
                   "hessian": "derivatives", "modes": "tools", "check": "tools", "graph": "tools"}

ROOT_OPTIONS = (
    ("--version", "Show the version and exit."),
    ("--install-completion", "Install completion for the current shell."),
    ("--show-completion", "Show completion for the current shell, to copy it or customize the "
                          "installation."),
    ("-h, --help", "Show this message and exit."),
)

ROOT_EXAMPLES = (
    'adcheck grad "x**2*sin(x)" --at 1.5',
    'adcheck grad "(x1+x2)*sin(x1)" --at x1=1,x2=2 --format json',
    'adcheck jacobian "[x0**2, x1*x2, exp(x0+x1)]" --at 1,2,0.5',
    'adcheck hvp "100*(x1-x0**2)**2+(1-x0)**2" --at -1.2,1 --v 1,0',
    "adcheck grad examples/expressions/rosenbrock.txt",
    "adcheck check examples/",
)


def _wrap(text: str, width: int, indent: int) -> list:
    """Greedy word wrap (textwrap's result for plain words, without importing it)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width - indent:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return lines


def root_help(prog: str = "adcheck", width: int = 80) -> str:
    """The text of ``adcheck --help``."""
    width = max(60, min(width, 120))
    out = [f"Usage: {prog} [OPTIONS] COMMAND [ARGS]...", ""]
    for para in ("Differentiate a function several independent ways and show how far each is "
                 "from the truth.",
                 "Exit codes: 0 pass, 1 mismatch, 2 bad input or usage, 3 inconclusive, "
                 "4 internal error."):
        out += ["  " + line for line in _wrap(para, width, 2)] + [""]
    out += ["  Examples", ""] + ["    " + e for e in ROOT_EXAMPLES] + [""]
    for title, rows in (("Options", ROOT_OPTIONS), ("Commands", ROOT_COMMANDS)):
        out.append(f"{title}:")
        col = max(len(name) for name, _ in rows) + 4
        for name, text in rows:
            body = _wrap(text, width, col)
            out.append(f"  {name.ljust(col - 2)}{body[0]}")
            out += [" " * col + line for line in body[1:]]
        out.append("")
    out.append(f'Run "{prog} COMMAND --help" for a command\'s options and worked examples.')
    return "\n".join(out) + "\n"


def _prog() -> str:
    """The program name as click shows it (``python -m adcheck`` when run as a module)."""
    argv0 = sys.argv[0] if sys.argv else "adcheck"
    if os.path.basename(argv0) == "__main__.py":
        return f"{os.path.basename(sys.executable) or 'python'} -m adcheck"
    return os.path.basename(argv0) or "adcheck"


def _answered_here(argv) -> bool:
    """Handle ``--help`` / ``-h`` / ``--version`` of the root command without typer."""
    if _completing():  # shell completion: the app's job
        return False
    if argv in (["--help"], ["-h"]):
        try:
            columns = int(os.environ.get("COLUMNS", "") or os.get_terminal_size(sys.stdout.fileno()).columns)
        except (OSError, ValueError, AttributeError):
            columns = 80
        sys.stdout.write(root_help(_prog(), columns))
        return True
    if argv == ["--version"]:
        from adcheck import __version__

        sys.stdout.write(f"adcheck {__version__}\n")
        return True
    return False


def main() -> None:
    """Console-script entry point (``adcheck`` and ``python -m adcheck``)."""
    argv = sys.argv[1:]
    if _answered_here(argv):
        return
    from adcheck.cli import common

    try:
        if argv and argv[0] in COMMAND_MODULES and not _completing():
            # ``adcheck COMMAND ...``: only COMMAND's module is imported and only COMMAND is built
            import importlib

            importlib.import_module(f"adcheck.cli.{COMMAND_MODULES[argv[0]]}")
            common.main(argv[0])
        else:
            _load_commands()
            common.main()
    finally:
        _before_exit()


def _before_exit() -> None:
    """The process ends next: skip the interpreter's last garbage collection.

    At exit CPython collects every object it tracks -- sympy alone leaves ~10⁵ --
    which takes ~0.3 s of an ``adcheck grad`` run; frozen objects are left to the
    end of the process instead.  Output is flushed first; atexit handlers and
    module teardown still run as usual.
    """
    import gc

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    gc.freeze()


def _completing() -> bool:
    return any(k.endswith("_COMPLETE") for k in os.environ)


def _load_commands():
    from adcheck.cli import derivatives, tools  # noqa: F401  (registers the commands on the app)


def __getattr__(name):
    if name in ("METHOD_NAMES", "SECOND_METHOD_NAMES", "app", "parse_methods"):
        from adcheck.cli import common

        _load_commands()
        value = getattr(common, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'adcheck.cli' has no attribute {name!r}")


if __name__ == "__main__":  # pragma: no cover
    main()
