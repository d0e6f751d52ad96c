"""A vector function of three variables whose Jacobian is easy to write down.

    f(x) = [x₀²,  x₁·x₂,  exp(x₀ + x₁)]

    J(x) = [[2x₀,           0,             0 ],
            [0,             x₂,            x₁],
            [exp(x₀ + x₁),  exp(x₀ + x₁),  0 ]]

Three inputs and three outputs, so forward mode (one pass per input) and
reverse mode (one pass per output) cost the same; ``adcheck jacobian`` shows
both next to the exact (symbolic) Jacobian and finite differences.  The
output is built with ``np.array([...])`` of computed scalars, as people
write it.

    adcheck jacobian examples/jacobian3.py
    adcheck jacobian examples/jacobian3.py --at 0.5,-1,2
"""

import numpy as np


def f(x):
    """[x₀², x₁x₂, exp(x₀ + x₁)]."""
    return np.array([x[0] ** 2, x[1] * x[2], np.exp(x[0] + x[1])])


ADCHECK_POINTS = {"f": [1.0, 2.0, 0.5]}
