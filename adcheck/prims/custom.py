"""User-defined derivative rules: ``custom_vjp`` and ``custom_jvp``.

A decorated function gets its own primitive: on plain arrays it simply runs
(the *primal*); on traced values it is bound as one opaque operation whose
rules are the user's.  The classic use is a function whose formula is fine
but whose automatic derivative is not (overflow, cancellation, a library
call adcheck cannot trace)::

    @adcheck.custom_vjp
    def softplus(x):
        return np.logaddexp(0.0, x)

    @softplus.defvjp
    def softplus_vjp(g, ans, x):       # g: cotangent of the output
        return g * sigmoid(x)          # -> cotangent of x, shaped like x

    @adcheck.custom_jvp
    def softplus(x): ...

    @softplus.defjvp
    def softplus_jvp(t, ans, x):       # t: ONE tangent of x, shaped like x
        return t * sigmoid(x)          # -> tangent of the output

Rule signatures
    ``vjp(g, ans, *args, **params)`` returns the cotangent of the argument
    (one positional argument) or a tuple with one cotangent per positional
    argument (``None`` for an argument that carries no derivative).
    ``jvp(t, ans, *args, **params)`` is written for ONE direction: ``t`` is
    shaped like the argument (or, with several positional arguments, a tuple
    of tangents with ``None`` for the constant ones).  Forward mode pushes k
    directions at once; the primitive calls the rule once per direction and
    stacks the results, so the user never sees the batch axis.
    ``ans`` is the primal's output; keyword arguments are parameters, passed
    unchanged to the primal and the rules and never differentiated.
    Results must have exactly the shape of what they stand for (cotangent like
    the argument, tangent like the output), else :class:`RuleError`; ``None``
    stands for zero.  The primal returns one array (not a tuple of outputs).
    ``adcheck.check_rule(f, x)`` verifies a rule (adcheck.analysis.rules).

Which rule each mode uses
    forward   the JVP rule; without one, forward mode differentiates the primal
              (a nested forward pass through it, so the primal must be NumPy code).
    reverse   the VJP rule; without one, reverse mode differentiates the primal
              (a nested reverse pass; the JVP rule is *not* transposed).
    symbolic  never the rules: the primal is lifted onto sympy and sympy
              differentiates it, so the symbolic reference checks the rules.
    FD        the primal on plain arrays.
:meth:`CustomFunction.modes` says so for a given function.

Rules run inside differentiation, so in nested use (HVPs by
forward-over-reverse, gradients of gradients) the values they receive are
themselves traced: write them in NumPy calls (``np.exp``, ``*``, ``@``...),
never ``float()``/``np.asarray`` on an argument.  That is the user's side of
the contract, as it is for the primal.
"""

from __future__ import annotations

import functools

import numpy as np

from adcheck.errors import MethodError, UnsupportedOpError
from adcheck.methods import forward, reverse
from adcheck.methods.dispatch import new_level, tracing
from adcheck.methods.plain import unplain
from adcheck.prims.table import Primitive, bind, top_tracer
from adcheck.prims.table import is_traced as _traced, shape_of as _shape


class RuleError(MethodError):
    """A user's derivative rule returned something unusable (shape, count)."""


class CustomFunction:
    """A function with user-given derivative rules (see the module docstring).

    Made by :func:`custom_vjp` or :func:`custom_jvp`; both kinds accept both
    ``defvjp`` and ``defjvp``.  ``prim`` is its own :class:`Primitive`, made
    per function and never registered in the global table (names of user
    functions may repeat; the table refuses duplicates).
    """

    def __init__(self, fun, declared: str):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.declared = declared
        self.jvp_rule = None
        self.vjp_rule = None
        self._last = None  # (g, ans, args, cotangents): one VJP call serves every argument
        name = getattr(fun, "__name__", "custom")
        self.prim = Primitive(
            name=name, impl=fun, jvp=self._jvp, vjp=self._vjp_for, sympy=None, object_ok=False,
            analytic=False,  # adcheck cannot see inside the primal: no complex-step claim
            doc=f"user function {name} with custom rules (adcheck.prims.custom)",
            extra={"lift": self._lift, "custom": self})

    # ---- declaring rules --------------------------------------------------------
    def defvjp(self, rule):
        """Use ``rule(g, ans, *args, **params)`` in reverse mode; returns ``rule``."""
        self.vjp_rule = rule
        return rule

    def defjvp(self, rule):
        """Use ``rule(t, ans, *args, **params)`` (one direction) in forward mode; returns ``rule``."""
        self.jvp_rule = rule
        return rule

    def modes(self) -> dict:
        """Which rule each method uses, in words."""
        def rule_or_primal(rule, kind, mode):
            if rule is not None:
                return f"the user's {kind} rule {getattr(rule, '__name__', kind)}"
            return f"{mode} mode through the primal (no {kind} rule given)"

        return {"forward": rule_or_primal(self.jvp_rule, "JVP", "forward"),
                "reverse": rule_or_primal(self.vjp_rule, "VJP", "reverse"),
                "symbolic": "the primal lifted onto sympy (rules not read)",
                "fd": "the primal on plain arrays"}

    # ---- calling ----------------------------------------------------------------
    def __call__(self, *args, **params):
        if any(_traced(v) for v in params.values()):
            raise UnsupportedOpError(f"{self.__name__}(..., keyword=<traced value>)",
                                     detail="keyword arguments are parameters; pass differentiable "
                                            "values positionally")
        if any(type(a) in (list, tuple) and top_tracer(a) is not None for a in args):
            raise UnsupportedOpError(f"{self.__name__}([...traced values...])",
                                     detail="pass arrays, e.g. np.stack([...]), not lists")
        if top_tracer(args) is None:
            return self.fun(*args, **params)
        return bind(self.prim, *args, **params)

    def __repr__(self):
        return f"<custom function {self.__name__}>"

    # ---- forward mode -----------------------------------------------------------
    def _jvp(self, tangents, ans, *args, **params):
        if self.jvp_rule is None:
            return self._jvp_from_primal(tangents, args, params)
        k = next(_shape(t)[0] for t in tangents if t is not None)
        out_shape = _shape(ans)
        outs = []
        for i in range(k):
            ti = [None if t is None else t[i] for t in tangents]
            r = self.jvp_rule(ti[0] if len(args) == 1 else tuple(ti), ans, *args, **params)
            if r is None:
                r = np.zeros(out_shape)
            elif _shape(r) != out_shape:
                raise RuleError(f"the JVP rule of {self.__name__} returned shape {_shape(r)}; "
                                f"the output has shape {out_shape}")
            outs.append(r)
        return np.reshape(outs[0], (1,) + out_shape) if k == 1 else np.stack(outs)

    def _jvp_from_primal(self, tangents, args, params):
        """Output tangents by a nested forward pass through the primal (fresh level)."""
        level = new_level()
        ins = [a if t is None else forward.Dual(a if _traced(a) else np.asarray(a, dtype=np.float64), t, level)
               for a, t in zip(args, tangents)]
        with tracing():
            out = unplain(self.fun(*ins, **params))
        if type(out) is forward.Dual and out._level == level:
            return out.tangent
        return None  # the output does not depend on the perturbed arguments

    # ---- reverse mode -----------------------------------------------------------
    def _vjp_for(self, i: int):
        def rule(g, ans, *args, **params):
            if self.vjp_rule is None:
                return self._vjp_from_primal(i, g, args, params)
            return self._cotangents(g, ans, args, params)[i]

        return rule

    def _cotangents(self, g, ans, args, params):
        last = self._last
        if (last is not None and last[0] is g and last[1] is ans and len(last[2]) == len(args)
                and all(a is b for a, b in zip(last[2], args))):
            return last[3]
        out = self.vjp_rule(g, ans, *args, **params)
        cts = (out,) if len(args) == 1 else out
        if type(cts) not in (list, tuple) or len(cts) != len(args):
            raise RuleError(f"the VJP rule of {self.__name__} must return a tuple of {len(args)} "
                            f"cotangents (one per positional argument, None for none)")
        for j, (c, a) in enumerate(zip(cts, args)):
            if c is not None and _shape(c) != _shape(a):
                raise RuleError(f"the VJP rule of {self.__name__} returned shape {_shape(c)} for "
                                f"argument {j}, which has shape {_shape(a)}")
        self._last = (g, ans, args, tuple(cts))
        return self._last[3]

    def _vjp_from_primal(self, i, g, args, params):
        """Cotangent of argument i by a nested reverse pass through the primal (fresh level)."""
        def fi(a):
            return self.fun(*args[:i], a, *args[i + 1:], **params)

        _, pull = reverse.vjp(fi, args[i])
        return pull(g)

    # ---- symbolic method: lift the primal, never the rules ----------------------
    def _lift(self, *exprs, value, values, **params):
        from adcheck.methods.symbolic import SymArray, to_sympy_number

        level = new_level()
        syms = [SymArray(e, v, level) for e, v in zip(exprs, values)]
        with tracing():
            out = unplain(self.fun(*syms, **params))
        if type(out) is SymArray:
            return out.exprs
        return np.vectorize(to_sympy_number, otypes=[object])(np.asarray(out, dtype=np.float64))


def custom_vjp(fun) -> CustomFunction:
    """Decorator: ``fun`` gets a reverse-mode rule via ``@fun.defvjp`` (see module docstring)."""
    return CustomFunction(fun, "vjp")


def custom_jvp(fun) -> CustomFunction:
    """Decorator: ``fun`` gets a forward-mode rule via ``@fun.defjvp`` (see module docstring)."""
    return CustomFunction(fun, "jvp")
