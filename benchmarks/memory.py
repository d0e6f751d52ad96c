"""Stored values of reverse mode vs depth L, plain and checkpointed (√L segments).

    python benchmarks/memory.py

Prints a table and appends nothing to RESULTS.md: the counts are exact
(they do not depend on the machine), so they live in this script's output and
in the README.
"""

import importlib.util
import math
from pathlib import Path

import numpy as np

import adcheck
from adcheck.methods.checkpoint import tape_memory


def _example():
    """examples/checkpoint_chain.py, which builds the plain and checkpointed chains."""
    path = Path(__file__).resolve().parents[1] / "examples" / "checkpoint_chain.py"
    spec = importlib.util.spec_from_file_location("checkpoint_chain", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    chain = _example().make_chain
    x = np.linspace(-1.0, 1.0, 1000)
    print(f"{'L':>6} {'plain values':>13} {'plain MB':>9} {'ckpt peak values':>17} {'ckpt peak MB':>13} {'max |Δgrad|':>12}")
    for L in (16, 64, 256, 1024, 4096):
        s = math.isqrt(L)
        plain, ck = tape_memory(chain(L), x), tape_memory(chain(L, s), x)
        diff = float(np.max(np.abs(adcheck.grad(chain(L), x) - adcheck.grad(chain(L, s), x))))
        print(f"{L:>6} {plain['peak_values']:>13} {plain['peak_bytes'] / 1e6:>9.2f} "
              f"{ck['peak_values']:>17} {ck['peak_bytes'] / 1e6:>13.2f} {diff:>12.1e}")


if __name__ == "__main__":
    main()
