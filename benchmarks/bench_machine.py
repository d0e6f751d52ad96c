"""What machine the numbers come from: CPU, cores, memory, Python, NumPy/BLAS, threading variables."""

from __future__ import annotations

import ctypes
import glob
import os
import platform
import subprocess
import sys

# Variables that change how fast NumPy/BLAS or the peers run.  The harness only
# reports them; it never sets or clears them.
WATCHED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
               "MKL_NUM_THREADS", "JAX_PLATFORMS", "XLA_FLAGS")


def _cpuinfo():
    model, physical = "unknown", None
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                key, value = key.strip(), value.strip()
                if key == "model name" and model == "unknown":
                    model = value
                elif key == "cpu cores" and physical is None:
                    physical = value
    except OSError:
        model = platform.processor() or "unknown"
    return model, physical


def _memory():
    try:
        with open("/proc/meminfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / 2 ** 20:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _openblas_core():
    """The OpenBLAS kernel NumPy's bundled OpenBLAS runs (what OPENBLAS_CORETYPE can change), or None."""
    import numpy

    libs = glob.glob(os.path.join(os.path.dirname(os.path.dirname(numpy.__file__)), "numpy.libs", "*openblas*"))
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for sym in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename64_",
                    "openblas_get_corename"):
            fn = getattr(lib, sym, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                return fn().decode()
    return None


def _blas():
    import numpy

    try:
        blas = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]
        text = f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # show_config's layout differs across NumPy versions
        text = "unknown"
    core = _openblas_core()
    return text + (f", kernel {core} at run time" if core else "")


def _git(repo):
    try:
        head = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--", "adcheck"], capture_output=True,
                               text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return (head or "unknown") + (" (adcheck/ has uncommitted changes)" if dirty else "")


def describe(repo):
    """A dict of facts, in display order."""
    import numpy

    model, physical = _cpuinfo()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    env = {k: os.environ[k] for k in WATCHED_ENV if k in os.environ}
    return {
        "CPU": model,
        "cores": f"{os.cpu_count()} logical ({usable} usable by this process"
                 + (f"; {physical} per socket per /proc/cpuinfo" if physical else "") + ")",
        "memory": _memory(),
        "OS": platform.platform(),
        "Python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        "NumPy": f"{numpy.__version__} ({_blas()})",
        "adcheck commit": _git(repo),
        "environment": ", ".join(f"{k}={v}" for k, v in env.items()) if env else "none of " + ", ".join(WATCHED_ENV),
        "OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE": " / ".join(
            f"{'set to ' + repr(os.environ[k]) if k in os.environ else 'not set'}"
            for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")) + " (reported, never changed by run.py)",
    }
