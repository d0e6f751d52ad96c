"""Implicit differentiation: derivatives of a solver's answer from its optimality condition.

``adcheck.implicit(solver, condition)`` turns a black-box solver into a
differentiable function of its parameters::

    z_star = adcheck.implicit(solver, condition)
    z = z_star(theta)          # plain arrays: just solver(theta)
                               # adcheck tracers: one opaque primitive with IFT rules

``solver(theta) -> z`` is any NumPy code (an iterative method, SciPy, a closed
form...); it is only ever run on plain arrays and never differentiated.
``condition(z, theta) -> F`` is differentiable NumPy code whose root is the
solver's answer: ``F(z*(θ), θ) = 0`` (e.g. the gradient of the objective of an
optimisation problem, or the residual of a fixed point ``z - T(z, θ)``).

Math (implicit function theorem)
    Differentiating ``F(z*(θ), θ) = 0`` gives ``A dz = -B dθ`` with
    ``A = ∂F/∂z`` (n×n) and ``B = ∂F/∂θ`` (n×p), both at ``(z*, θ)``.  So

    forward   ż = -A⁻¹ (B θ̇)          one solve per tangent direction (all k at once);
    reverse   λ = A⁻ᵀ z̄,  θ̄ = -Bᵀ λ    one transposed solve, one VJP of θ ↦ F(z*, θ).

    No solver iteration is unrolled: the cost is one dense Jacobian ``A``
    (n forward-mode directions through ``z ↦ F(z, θ)``), one linear solve, and
    one forward JVP (``B θ̇``) or reverse VJP (``Bᵀ λ``) through ``θ ↦ F(z*, θ)``.

Nesting
    The rules are written with NumPy calls (``np.linalg.solve``, ``@``) and
    adcheck's own ``forward.jvp_batch`` / ``reverse.vjp`` at fresh levels, so
    ``z*`` and ``θ`` may themselves be traced at a lower level: gradients of
    gradients and HVPs of a loss of ``z*(θ)`` work (the inner ``A`` is then
    traced too, and ``solve`` differentiates through it).

Limits
    * ``z`` is a 1-D float array of size n and ``F(z, θ)`` has the same size n
      (square, invertible ``A``: the solution is locally unique);
    * ``θ`` is a float array (0-d or 1-D; any shape works for the rules, 1-D
      is what is tested);
    * ``A`` is formed densely (n forward directions): fine for n up to a few
      hundred, not for large systems (a matrix-free Krylov solve would be);
    * ``F`` must be differentiable by adcheck's forward and reverse modes;
    * the derivative is only as good as the solver: it is the derivative at
      the exact root, so an inexact ``z`` gives an ``A``, ``B`` evaluated
      off the root (error proportional to the residual);
    * the symbolic method cannot lift the solver (it is opaque NumPy): it
      reports the primitive as unsupported, per method; FD runs the solver.
"""

from __future__ import annotations

import functools

import numpy as np

from adcheck.errors import UnsupportedOpError, UsageError
from adcheck.methods import forward, reverse
from adcheck.prims.table import Primitive, bind, top_tracer
from adcheck.prims.table import is_traced as _traced, shape_of as _shape


class ImplicitFunction:
    """``θ ↦ z*(θ)``, the root of ``condition(·, θ)`` found by ``solver`` (see module docstring).

    ``prim`` is its own :class:`Primitive`, made per function and never
    registered in the global table.  Keyword arguments of a call are
    parameters: passed unchanged to ``solver`` and ``condition``, never
    differentiated.
    """

    def __init__(self, solver, condition):
        functools.update_wrapper(self, solver)
        self.solver = solver
        self.condition = condition
        name = getattr(solver, "__name__", "solver")
        self.prim = Primitive(
            name=f"implicit[{name}]", impl=self._solve, jvp=self._jvp, vjp=(self._vjp,),
            sympy=None, object_ok=False, analytic=False, nargs=1,
            doc=f"z = {name}(θ) with F(z, θ) = 0;  ż = -A⁻¹ B θ̇,  θ̄ = -Bᵀ A⁻ᵀ z̄  "
                f"(A = ∂F/∂z, B = ∂F/∂θ at (z, θ); adcheck.prims.implicit)",
            extra={"implicit": self})

    def __repr__(self):
        return f"<implicit function {self.__name__}>"

    # ---- calling ----------------------------------------------------------------
    def __call__(self, theta, **params):
        if any(_traced(v) for v in params.values()):
            raise UnsupportedOpError(f"{self.__name__}(..., keyword=<traced value>)",
                                     detail="keyword arguments are parameters; pass θ positionally")
        if type(theta) in (list, tuple):
            if top_tracer(theta) is not None:
                raise UnsupportedOpError(f"{self.__name__}([...traced values...])",
                                         detail="pass an array, e.g. np.stack([...]), not a list")
            theta = np.asarray(theta, dtype=np.float64)
        if top_tracer((theta,)) is None:
            return self._solve(theta, **params)
        return bind(self.prim, theta, **params)

    def _solve(self, theta, **params):
        z = np.asarray(self.solver(theta, **params), dtype=np.float64)
        if z.ndim != 1:
            raise UsageError(f"adcheck.implicit: the solver {self.__name__} must return a 1-D array "
                             f"(got shape {z.shape})")
        return z

    # ---- the two Jacobians of F at (z*, θ) ------------------------------------------
    def _A(self, z, theta, params):
        """A = ∂F/∂z at (z, θ), dense (n, n), by n forward directions (traceable)."""
        n = _shape(z)[0]
        _, cols = forward.jvp_batch(lambda v: self.condition(v, theta, **params), z, np.eye(n))
        if tuple(_shape(cols)) != (n, n):
            raise UsageError(f"adcheck.implicit: condition(z, θ) must return a 1-D array of the size "
                             f"of z ({n}); its z-Jacobian has shape {tuple(_shape(cols))[1:]}×{n}")
        return np.swapaxes(cols, 0, 1)  # cols[j] = ∂F/∂z_j

    # ---- forward mode -----------------------------------------------------------
    def _jvp(self, tangents, z, theta, **params):
        t = tangents[0]
        if t is None:
            return None
        A = self._A(z, theta, params)
        _, Bt = forward.jvp_batch(lambda th: self.condition(z, th, **params), theta, t)  # (k, n)
        return -np.swapaxes(np.linalg.solve(A, np.swapaxes(Bt, 0, 1)), 0, 1)            # (k, n)

    # ---- reverse mode -----------------------------------------------------------
    def _vjp(self, g, z, theta, **params):
        A = self._A(z, theta, params)
        lam = np.linalg.solve(np.swapaxes(A, 0, 1), g)  # Aᵀ λ = z̄
        _, pull = reverse.vjp(lambda th: self.condition(z, th, **params), theta)
        return -pull(lam)


def implicit(solver, condition) -> ImplicitFunction:
    """``θ ↦ solver(θ)``, differentiated by the implicit function theorem on ``condition``.

    ``condition(z, θ)`` must vanish at ``z = solver(θ)``; the derivative is
    ``dz*/dθ = -(∂F/∂z)⁻¹ ∂F/∂θ`` (see :mod:`adcheck.prims.implicit`).  Usable as
    a decorator factory too: ``@functools.partial(adcheck.implicit, condition=F)``.
    """
    if not callable(solver) or not callable(condition):
        raise UsageError("adcheck.implicit(solver, condition): both must be callables")
    return ImplicitFunction(solver, condition)
