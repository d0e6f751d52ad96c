"""Complex intermediates: AD follows real arithmetic only, so a complex result is refused with a
message (a derivative taken as if it were real would be silently wrong); FD still answers."""

import numpy as np
import pytest

import adcheck
from adcheck.analysis.checks import check_grad
from adcheck.errors import UnsupportedOpError

X = np.array([0.4, 1.1, -0.7])

CASES = {
    "modulus": lambda x: np.sum(np.abs(x + 1j * x ** 2)),
    "real part": lambda x: np.sum((x * (1 + 2j)).real),
    "rotation": lambda x: np.sum(np.exp(1j * x).real * x),
    "complex matrix": lambda x: np.sum(np.abs(np.array([[1.0, 2j], [0.5, 1.0]]) @ x[:2]) ** 2),
}


@pytest.mark.parametrize("method", ["reverse", "forward"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_ad_refuses_complex_results(name, method):
    with pytest.raises(UnsupportedOpError, match="complex result"):
        adcheck.grad(CASES[name], X, method=method)


def test_check_falls_back_to_fd_and_gives_the_right_verdict():
    f = CASES["modulus"]

    def grad(x):  # d/dx Σ |x + i x²| = Σ (x + 2x³)/√(x² + x⁴)
        return (x + 2 * x ** 3) / np.sqrt(x ** 2 + x ** 4)

    good = check_grad(f, grad, X)
    assert good.passed and good.reference.startswith("FD"), good.verdict
    assert any("could not trace" in n for n in good.notes)
    bad = check_grad(f, lambda x: grad(x) * (1 + 1e-5), X)
    assert not bad.passed and bad.exit_code == 1
