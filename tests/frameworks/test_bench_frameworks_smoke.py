"""Smoke test of benchmarks/frameworks.py: --quick on tiny sizes completes and writes its tables.

Only that it runs and what the report contains is asserted, never a time or a verdict.
"""

import os
import subprocess
import sys

import pytest

pytest.importorskip("torch")
pytest.importorskip("jax")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "benchmarks", "frameworks.py")


def test_quick_run_on_a_tiny_size_writes_both_tables(tmp_path):
    out = tmp_path / "FRAMEWORKS.md"
    proc = subprocess.run([sys.executable, SCRIPT, "--quick", "--sizes", "6", "--no-warm-up", "--out", str(out)],
                          capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    for heading in ("## Headline", "## How it was measured", "## float64", "## float32", "## Machine"):
        assert heading in text
    for column in ("adcheck (torch fn)", "gradcheck full", "gradcheck fast", "adcheck (jax fn)",
                   "jax check_grads"):
        assert column in text
    for case in ("(a)", "(b)", "(c)", "(d)"):
        rows = [ln for ln in text.splitlines() if ln.startswith(f"| {case}")]
        assert len(rows) == 2, case          # one size, two dtypes
        assert all(ln.count("|") == 8 for ln in rows)
