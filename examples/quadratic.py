"""A quadratic loss with a fixed matrix: the gradient, Hessian and HVP in closed form.

    f(x) = ½ ‖A x‖²,    ∇f(x) = AᵀA x,    ∇²f(x) = AᵀA,    ∇²f(x)·v = AᵀA v

The Hessian does not depend on x, so every Hessian-vector product method
(forward-over-reverse, reverse-over-reverse, forward-over-forward, finite
differences of the gradient) must return AᵀA v to round-off.

    adcheck grad examples/quadratic.py
    adcheck hvp examples/quadratic.py --at 1,-2,0.5 --v 0,1,0
    adcheck hessian examples/quadratic.py --at 1,-2,0.5
"""

import numpy as np

A = np.array([[2.0, -1.0, 0.0],
              [1.0, 3.0, -2.0],
              [0.0, 0.5, 1.0],
              [-1.0, 0.0, 4.0]])


def f(x):
    """½‖Ax‖²."""
    y = A @ x
    return 0.5 * np.dot(y, y)


ADCHECK_POINTS = {"f": [1.0, -2.0, 0.5]}
