"""Which tools are installed: load each peer lazily; a missing one is a note, never a failure."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

AD_TOOLS = ("adcheck", "autograd", "mygrad", "jax", "torch")


@dataclass
class Toolset:
    ad: dict = field(default_factory=dict)        # name -> module with *_cases functions
    fd: dict = field(default_factory=dict)        # name -> class with grad_cases
    versions: dict = field(default_factory=dict)  # name -> version text
    skipped: dict = field(default_factory=dict)   # name -> why
    threads: dict = field(default_factory=dict)   # name -> what limit_threads reported


def _try(name, loader):
    try:
        return loader(), None
    except ImportError as exc:
        return None, f"not installed ({exc})" if "No module named" in str(exc) else str(exc)
    except Exception as exc:  # a broken install is skipped with its reason, never fatal
        return None, f"failed to load: {type(exc).__name__}: {exc}"


def load(only=None, single_thread=False) -> Toolset:
    """Load the tools (all, or the names in ``only``); with single_thread, pin those that need it to one thread."""
    ts = Toolset()
    for name in AD_TOOLS:
        if only and name not in only and name != "adcheck":
            ts.skipped[name] = "excluded by --tools"
            continue
        mod = importlib.import_module(f"tool_{name}")
        version, why = _try(name, mod.load)
        if why:
            ts.skipped[name] = why
        else:
            ts.ad[name], ts.versions[name] = mod, version
            if single_thread and hasattr(mod, "limit_threads"):
                ts.threads[name] = mod.limit_threads()
    import tool_fd

    for cls in (tool_fd.Scipy, tool_fd.Numdifftools):
        if only and cls.NAME not in only:
            ts.skipped[cls.NAME] = "excluded by --tools"
            continue
        version, why = _try(cls.NAME, cls.load)
        if why:
            ts.skipped[cls.NAME] = why
        else:
            ts.fd[cls.NAME], ts.versions[cls.NAME] = cls, version
    return ts
