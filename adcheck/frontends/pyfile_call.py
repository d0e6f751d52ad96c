"""Calling the user's function safely, and showing only the user's own traceback.

Every call runs with the user's stdout sent to stderr (so ``--format json``
keeps stdout clean), inside ``adcheck.frontends.coerce.patched(module)`` when
that module is available, and under a per-call time limit: SIGALRM via
``setitimer``, in the main thread only, always restoring the previous
handler and timer.  A frame belongs to the user when its file lies under the
folder of the user's file and is neither adcheck's nor an installed package.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import threading
import time
import traceback
from contextlib import ExitStack, contextmanager, redirect_stdout

import numpy as np

from adcheck.errors import (AdcheckError, MethodError, NotApplicableError, UserCodeError,
                            UserTimeoutError)

__all__ = ["make_caller", "time_limit", "as_output", "is_user_path", "user_frames",
           "user_traceback", "describe", "DEFAULT_TIMEOUT"]

DEFAULT_TIMEOUT = 30.0
_ADCHECK_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_caller(fn, name: str, module, limit: float, folder: str):
    """``call(flat, args)``: ``fn(*args)`` run safely; ``flat`` tells plain from traced.

    Errors: AdcheckError (tracers, time limit) unchanged; sys.exit or an
    exception on plain input -> UserCodeError with the user's traceback; an
    exception on traced input -> MethodError, on complex input ->
    NotApplicableError, each naming the last line of user code reached.
    """
    coerce = _coerce()
    patched = getattr(coerce, "patched", None)
    to_output = getattr(coerce, "to_output", None)

    def call(flat, args):
        traced = getattr(flat, "_adcheck_tracer", False)
        complex_input = not traced and np.iscomplexobj(flat)
        with ExitStack() as stack:
            stack.enter_context(redirect_stdout(sys.stderr))
            if patched is not None:
                stack.enter_context(patched(module))
            stack.enter_context(time_limit(limit, name))
            try:
                y = fn(*args)
            except AdcheckError:
                raise
            except SystemExit as exc:
                code = "" if exc.code is None else repr(exc.code)
                raise UserCodeError(f"{name} called sys.exit({code})",
                                    user_traceback(exc, folder)) from exc
            except Exception as exc:
                frames = user_frames(exc.__traceback__, folder)
                where = f" ({os.path.basename(frames[-1].filename)}:{frames[-1].lineno})" \
                    if frames else ""
                if traced:
                    raise MethodError(f"could not trace {name}: {describe(exc)}{where}") from exc
                if complex_input:
                    raise NotApplicableError(f"{name} does not accept complex input: "
                                             f"{describe(exc)}{where}") from exc
                raise UserCodeError(f"{name} raised {describe(exc)}{where}",
                                    user_traceback(exc, folder)) from exc
            return as_output(y, name, to_output)
    return call


def _coerce():
    """adcheck.frontends.coerce (stand-ins for np.asarray, math...) when it is available."""
    try:
        return importlib.import_module("adcheck.frontends.coerce")
    except ImportError:
        return None


@contextmanager
def time_limit(seconds: float, name: str):
    """Raise UserTimeoutError in the main thread after ``seconds`` (0: no limit)."""
    if not seconds or not hasattr(signal, "setitimer") \
            or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise UserTimeoutError(f"{name} did not return within {seconds:g} s (use --timeout)")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    outer, interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer > 0:
            left = max(outer - (time.monotonic() - start), 1e-6)
            signal.setitimer(signal.ITIMER_REAL, left, interval)


def as_output(y, name: str, to_output=None):
    """What f returned as an ndarray or traced value; UserCodeError for non-numbers."""
    traced = getattr(y, "_adcheck_tracer", False)
    if not traced and (y is None or isinstance(y, (str, bytes, dict, set)) or not (
            isinstance(y, (int, float, complex, np.number, np.bool_, np.ndarray, list, tuple))
            or hasattr(y, "__array__"))):
        raise UserCodeError(f"{name} returned {type(y).__name__}, expected a number or array")
    if isinstance(y, np.ndarray) and to_output is None:
        return y
    try:
        if to_output is not None:
            return to_output(y)
        if traced:
            return y
        from adcheck.prims.composites import asarray
        return asarray(list(y) if isinstance(y, tuple) else y)
    except (ValueError, TypeError) as exc:
        raise UserCodeError(f"{name} returned a {type(y).__name__} that is not an array of "
                            f"numbers ({exc})") from None


def is_user_path(filename: str, folder: str) -> bool:
    """The file is the user's: under ``folder``, not adcheck's, not an installed package."""
    path, folder = os.path.abspath(filename), folder.rstrip(os.sep) + os.sep
    return (path.startswith(folder) and not path.startswith(_ADCHECK_DIR + os.sep)
            and not {"site-packages", "dist-packages"} & set(path.split(os.sep)))


def user_frames(tb, folder: str) -> list:
    return [fs for fs in traceback.extract_tb(tb) if is_user_path(fs.filename, folder)]


def user_traceback(exc: BaseException, folder: str) -> str:
    """Python's traceback text for ``exc``, keeping only frames of the user's files."""
    frames = user_frames(exc.__traceback__, folder)
    head = "Traceback (most recent call last):\n" if frames else ""
    body = "".join(traceback.StackSummary.from_list(frames).format())
    return (head + body + "".join(traceback.format_exception_only(type(exc), exc))).rstrip("\n")


def describe(exc: BaseException) -> str:
    """``ValueError: msg`` (first line of the message) or just the type name."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
