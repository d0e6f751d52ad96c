"""Analysis of estimates: comparison, kinks, Taylor test, mode choice, CI checks."""
