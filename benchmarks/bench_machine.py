"""What machine the numbers come from: CPU, cores, memory, Python, NumPy/BLAS, threading variables."""

from __future__ import annotations

import ctypes
import glob
import os
import platform
import subprocess
import sys
import time

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


def _openblas(what):
    """A function of NumPy's bundled OpenBLAS (get_corename, get_num_threads, set_num_threads), or None."""
    import numpy

    libs = glob.glob(os.path.join(os.path.dirname(os.path.dirname(numpy.__file__)), "numpy.libs", "*openblas*"))
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for sym in (f"scipy_openblas_{what}64_", f"scipy_openblas_{what}", f"openblas_{what}64_", f"openblas_{what}"):
            fn = getattr(lib, sym, None)
            if fn is not None:
                return fn
    return None


def _openblas_core():
    """The OpenBLAS kernel NumPy's bundled OpenBLAS runs (what OPENBLAS_CORETYPE can change), or None."""
    fn = _openblas("get_corename")
    if fn is None:
        return None
    fn.restype = ctypes.c_char_p
    return fn().decode()


XLA_SINGLE = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def limit_threads():
    """Run every library on one thread; call before any peer is imported.  Returns what was done.

    NumPy's OpenBLAS through its own set_num_threads (the OPENBLAS_* variables are
    left alone), XLA through XLA_FLAGS when unset, torch in tool_torch.load.
    """
    done = []
    fn = _openblas("set_num_threads")
    if fn is not None:
        fn.argtypes = [ctypes.c_int]
        fn(1)
        done.append("NumPy's OpenBLAS: set_num_threads(1)")
    if "XLA_FLAGS" not in os.environ:
        os.environ["XLA_FLAGS"] = XLA_SINGLE
        done.append(f"jax: XLA_FLAGS={XLA_SINGLE}")
    else:
        done.append("jax: XLA_FLAGS already set, left as it is")
    return done


def openblas_threads():
    fn = _openblas("get_num_threads")
    if fn is None:
        return None
    fn.restype = ctypes.c_int
    return fn()


class LoadMonitor:
    """How busy the other processes kept the CPUs while a stage ran (from /proc/stat minus our own CPU time)."""

    def __init__(self):
        self.t0, self.busy0, self.own0 = time.perf_counter(), _busy_seconds(), _own_seconds()

    def others(self):
        wall = time.perf_counter() - self.t0
        if self.busy0 is None or wall <= 0:
            return None
        busy = _busy_seconds() - self.busy0
        own = _own_seconds() - self.own0
        return max(0.0, (busy - own) / wall)

    def wall(self):
        return time.perf_counter() - self.t0


def _busy_seconds():
    try:
        with open("/proc/stat", encoding="utf-8") as fh:
            fields = [int(v) for v in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    total = sum(fields[:8])
    return (total - idle) / os.sysconf("SC_CLK_TCK")


def _own_seconds():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def loadavg():
    try:
        with open("/proc/loadavg", encoding="utf-8") as fh:
            return " ".join(fh.read().split()[:3])
    except OSError:
        return "unknown"


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
