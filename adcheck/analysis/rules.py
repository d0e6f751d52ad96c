"""check_rule: verify a custom_jvp / custom_vjp rule the way rule test suites do.

Each property is a named sub-check with numbers and a one-line message:

output         the value every mode sees is one function: a second plain call,
               the value through the rule machinery and the primal traced by AD
               (what fallback modes and the symbolic method differentiate) equal
               the plain call, with its shape.
jvp-vs-fd      J·v from the JVP forward mode uses equals Richardson FD along v.
vjp-vs-fd      ⟨Jᵀu, v⟩ from the VJP reverse mode uses equals ⟨u, FD(J v)⟩; when
               n·m ≤ 400, also Jᵀu entrywise against the FD Jacobian columns.
adjoint        ⟨u, J v⟩ (JVP) = ⟨Jᵀu, v⟩ (VJP) to round-off, when either is a user rule.
jvp-linearity  JVP(a·t1 + b·t2) = a·JVP(t1) + b·JVP(t2) and JVP(0) = 0;
vjp-linearity  the same for the VJP in g: a backward that ignores g fails here.
shapes/dtypes  what a user rule returns is shaped and typed like what it stands
               for (cotangent like the argument, tangent like the output).
differentiable added when an FD sub-check fails: one-sided derivatives along v;
               a kink makes the verdict inconclusive (exit 3), not a failure.

Without a user JVP, "the JVP forward mode uses" is forward mode through the
primal (likewise reverse mode for the VJP); shapes, dtypes and linearity are
then not applicable.  The adjoint check between a user VJP and forward mode
through the primal verifies the VJP to round-off, far below FD's error.

Tolerance model (eps of the least precise of the argument and output dtypes)
    allowed = max(K_FD · err_FD, (ROUND_OPS + n + m) · eps · scale)
err_FD is Richardson's own error estimate of the FD reference (projected
through u where the comparison is an inner product: Σ|u_i|·err_i); scale is
the size of what is compared (the largest entry, or Σ|terms| of an inner
product).  Comparisons of two rule results (adjoint, linearity, output) have
no FD term.  ``rtol``/``atol`` replace the model: allowed = atol + rtol·scale.
K_FD = 10 and ROUND_OPS = 16 are derived where they are defined
(:mod:`adcheck.analysis.rule_probe`, which also evaluates the rules).

Exit codes: 0 every applicable sub-check passed; 1 one failed; 3 inconclusive:
the primal cannot be evaluated at x, FD does not converge there, or the only
failures are comparisons with derivatives of the primal (FD, or AD through it)
and the primal has a kink at x along a probe direction (checked only then).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from adcheck.analysis.results import _num
from adcheck.analysis.rule_probe import Probe, RuleFailed, Worst
from adcheck.errors import UsageError
from adcheck.methods import fd, forward, reverse

MAX_ENTRYWISE = 400  # n·m up to which the FD Jacobian is computed column by column
DIRECTIONS = 2       # random v (and u) per check: two are needed for linearity anyway
FD_CHECKS = ("jvp-vs-fd", "vjp-vs-fd")


@dataclass(frozen=True)
class SubCheck:
    """One property of the rule: passed is None when it did not apply (message says why)."""

    name: str
    passed: Optional[bool]
    max_error: Optional[float] = None
    allowed: Optional[float] = None
    message: str = ""

    def to_dict(self) -> dict:
        return {"name": self.name, "passed": self.passed, "max_error": _num(self.max_error),
                "allowed": _num(self.allowed), "message": self.message}


@dataclass(frozen=True)
class RuleReport:
    """Verdict on a function's custom rules: exit_code 0 pass, 1 a sub-check failed, 3 inconclusive."""

    name: str
    passed: bool
    exit_code: int
    checks: tuple
    modes: tuple = field(default=())  # (method, which rule it uses) pairs

    def check(self, name: str) -> Optional[SubCheck]:
        return next((c for c in self.checks if c.name == name), None)

    @property
    def failed(self) -> tuple:
        return tuple(c.name for c in self.checks if c.passed is False)

    def to_dict(self) -> dict:
        return {"name": self.name, "passed": self.passed, "exit_code": self.exit_code,
                "modes": dict(self.modes), "checks": [c.to_dict() for c in self.checks]}


def _args(fn, x) -> tuple:
    """The positional arguments as real float arrays (copies); a tuple means several arguments."""
    xs = x if isinstance(x, tuple) else (x,)
    try:
        inspect.signature(fn.fun).bind(*xs)
    except TypeError as exc:
        raise UsageError(f"check_rule: x gives {fn.__name__} {len(xs)} positional argument(s) ({exc}); "
                         f"a tuple means several arguments: pass one vector as a list or array") from None
    except ValueError:
        pass  # no signature to read (a builtin): let the call decide
    out = []
    for a in xs:
        a = np.array(a)
        if np.iscomplexobj(a) or a.dtype == object:
            raise UsageError(f"check_rule needs real arrays; got dtype {a.dtype}")
        out.append(a if np.issubdtype(a.dtype, np.floating) else a.astype(np.float64))
    return tuple(out)


def check_rule(fn, x, *, seed=None, rtol=None, atol=None) -> RuleReport:
    """Verify the custom rules of ``fn`` (made by custom_vjp / custom_jvp) at ``x``.

    x: the argument (array-like), or a tuple of arrays for a function of
    several positional arguments.  seed: for the random directions (None: 0,
    so runs repeat).  Never raises on a failing rule: see the RuleReport.
    """
    from adcheck.frameworks import is_framework_rule
    from adcheck.prims.custom import CustomFunction

    if is_framework_rule(fn):
        from adcheck.frameworks.checks import rule_adapter
        fn = rule_adapter(fn)
    if not isinstance(fn, CustomFunction) and getattr(fn, "framework", None) is None:
        raise UsageError(f"check_rule needs a function made by adcheck.custom_vjp or "
                         f"adcheck.custom_jvp, a torch.autograd.Function or a jax.custom_vjp/"
                         f"custom_jvp; got {fn!r}")
    if fn.jvp_rule is None and fn.vjp_rule is None:
        raise UsageError(f"{fn.__name__} has no rule to check: add @{fn.__name__}.defvjp or .defjvp")
    name, modes = fn.__name__, tuple(fn.modes().items())
    xs = _args(fn, x)
    try:
        y = np.asarray(fn.fun(*xs))
        if not np.all(np.isfinite(y)):
            raise ValueError("the output is not finite")
    except Exception as exc:  # the user's primal failed at x: nothing to check
        msg = f"{name} cannot be evaluated at x: {type(exc).__name__}: {exc}"
        return RuleReport(name, False, 3, (SubCheck("output", None, message=msg),), modes)
    probe = Probe(fn, xs, y, rtol, atol)
    rng = np.random.default_rng(0 if seed is None else seed)
    V = [rng.standard_normal(probe.n) for _ in range(DIRECTIONS)]
    U = [rng.standard_normal(probe.m) for _ in range(DIRECTIONS)]
    a, b = rng.uniform(1.0, 2.0, size=2)  # a + b ≥ 2: a rule ignoring g cannot pass by luck
    checks = [_output(probe)]
    jv, uj = _evaluate(probe.jvp, V, a, b), _evaluate(probe.vjp, U, a, b)
    for kind in ("shapes", "dtypes"):
        found = list(dict.fromkeys(probe.problems[kind]))
        checks.append(SubCheck(kind, not found, message="; ".join(found) or f"rule results have the right {kind}"))
    fd_res = _fd(probe, V)
    checks += [_blocked("jvp-vs-fd", probe, "JVP", jv, fd_res) or _jvp_vs_fd(probe, V, jv, fd_res),
               _blocked("vjp-vs-fd", probe, "VJP", uj, fd_res) or _vjp_vs_fd(probe, V, U, uj, fd_res),
               _blocked("adjoint", probe, "JVP", jv) or _blocked("adjoint", probe, "VJP", uj)
               or _adjoint(probe, V, U, jv, uj),
               _blocked("jvp-linearity", probe, "JVP", jv) or _linearity("jvp-linearity", "JVP", probe, jv, a, b),
               _blocked("vjp-linearity", probe, "VJP", uj) or _linearity("vjp-linearity", "VJP", probe, uj, a, b)]
    return RuleReport(name, *_verdict(checks, probe, V, fd_res), modes)


def _verdict(checks, probe, V, fd_res):
    """(passed, exit_code, checks): an FD-only failure at a kink, or FD not converging, is inconclusive."""
    # judged against a derivative of the primal (FD, or AD through it): meaningless at a kink
    soft_names = FD_CHECKS + (("adjoint",) if None in (probe.fn.jvp_rule, probe.fn.vjp_rule) else ())
    hard = any(c.passed is False for c in checks if c.name not in soft_names)
    soft = any(c.passed is False for c in checks if c.name in soft_names)
    kink = _kink_check(probe, V) if soft and not hard else None
    if kink is not None:
        checks.append(kink)
    code = 1 if hard or (soft and kink is None) else 3 if kink is not None or fd_res["error"] else 0
    return code == 0, code, tuple(checks)


def _output(probe) -> SubCheck:
    w, notes = Worst("output", probe), []
    foreign = getattr(probe.fn, "output_views", None)
    views = foreign(probe.xs) if foreign else [("second plain call", lambda: probe.fn.fun(*probe.xs)),
             ("through the rule machinery", lambda: reverse.vjp(probe.traced, probe.x)[0]),
             ("primal traced by AD", lambda: forward.jvp_batch(
                 lambda z: probe.fn.fun(*probe.split(z)), probe.x, np.zeros((1, probe.n)))[0])]
    for what, get in views:
        try:
            y = np.asarray(get())
        except Exception as exc:  # user code under tracing: report, do not crash
            if what != "primal traced by AD":
                return SubCheck("output", False, message=f"{what} failed: {type(exc).__name__}: {exc}")
            notes.append(f"the primal cannot be traced ({type(exc).__name__}: {exc}): only rules differentiate it")
            continue
        if y.shape != probe.y.shape:
            return SubCheck("output", False, message=f"{what} has shape {y.shape}, the plain call {probe.y.shape}")
        w.add(y, probe.y, what)
    ok, err, allowed, msg = w.result("every mode sees the plain primal's value")
    return SubCheck("output", ok, err, allowed, "; ".join([msg] + notes))


def _evaluate(func, dirs, a, b) -> dict:
    """The rule (or fallback) along each direction, along a·d1 + b·d2 and at 0; or why it failed."""
    try:
        return {"vals": [func(d) for d in dirs], "combo": func(a * dirs[0] + b * dirs[1]),
                "zero": func(0.0 * dirs[0]), "error": None}
    except RuleFailed as exc:
        return {"error": str(exc)}
    except Exception as exc:  # a fallback mode tracing the user's primal
        return {"error": f"{type(exc).__name__}: {exc}"}


def _fd(probe, V) -> dict:
    out = {"vals": [], "errs": [], "J": None, "E": None, "error": None}
    try:
        for v in V:
            val, err, _ = fd.directional(probe.primal_flat, probe.x, v, "fd-richardson")
            out["vals"].append(val), out["errs"].append(err)
        if probe.n * probe.m <= MAX_ENTRYWISE:
            est = fd.jacobian(probe.primal_flat, probe.x, "fd-richardson")
            out["J"], out["E"] = est.jacobian, est.err_est
    except Exception as exc:  # DomainError, or the user's primal failing near x
        out["error"] = f"FD reference inconclusive: {exc}"
    return out


def _label(fn, kind) -> str:
    if (fn.jvp_rule if kind == "JVP" else fn.vjp_rule) is not None:
        return f"user {kind} rule"
    if getattr(fn, "framework", None):
        return f"no {kind} rule ({fn.modes()['forward' if kind == 'JVP' else 'reverse']})"
    return f"{'forward' if kind == 'JVP' else 'reverse'} mode through the primal (no {kind} rule)"


def _blocked(name, probe, kind, ev, fdr=None) -> Optional[SubCheck]:
    """Why a comparison cannot be made: a user rule that failed fails; a fallback or FD that
    could not run makes the sub-check not applicable."""
    if ev["error"]:
        user = (probe.fn.jvp_rule if kind == "JVP" else probe.fn.vjp_rule) is not None
        return SubCheck(name, False if user else None, message=f"{_label(probe.fn, kind)}: {ev['error']}")
    if fdr is not None and fdr["error"]:
        return SubCheck(name, None, message=fdr["error"])
    return None


def _jvp_vs_fd(probe, V, jv, fdr) -> SubCheck:
    w = Worst("jvp-vs-fd", probe)
    for k, v in enumerate(V):
        w.add(jv["vals"][k], fdr["vals"][k], f"J·v{k + 1}", fd_err=fdr["errs"][k])
    return SubCheck(w.name, *w.result(f"{_label(probe.fn, 'JVP')} vs Richardson FD"))


def _vjp_vs_fd(probe, V, U, uj, fdr) -> SubCheck:
    w = Worst("vjp-vs-fd", probe)
    for k, (u, v) in enumerate(zip(U, V)):
        g, jv = uj["vals"][k], fdr["vals"][k]
        w.add(g @ v, u @ jv, f"⟨Jᵀu{k + 1}, v{k + 1}⟩ vs ⟨u{k + 1}, FD J·v{k + 1}⟩",
              fd_err=np.abs(u) @ fdr["errs"][k], scale=np.abs(u) @ np.abs(jv) + np.abs(g) @ np.abs(v))
        if fdr["J"] is not None:  # entrywise: which input is wrong
            w.add(g, fdr["J"].T @ u, f"Jᵀu{k + 1} vs FD Jacobianᵀ·u{k + 1}", fd_err=fdr["E"].T @ np.abs(u))
    return SubCheck(w.name, *w.result(f"{_label(probe.fn, 'VJP')} vs Richardson FD"))


def _adjoint(probe, V, U, jv, uj) -> SubCheck:
    w = Worst("adjoint", probe)
    for k, (u, v) in enumerate(zip(U, V)):
        g, t = uj["vals"][k], jv["vals"][k]
        w.add(g @ v, u @ t, f"⟨Jᵀu{k + 1}, v{k + 1}⟩ vs ⟨u{k + 1}, J·v{k + 1}⟩",
              scale=np.abs(g) @ np.abs(v) + np.abs(u) @ np.abs(t))
    return SubCheck(w.name, *w.result(f"{_label(probe.fn, 'VJP')} against {_label(probe.fn, 'JVP')}"))


def _linearity(name, kind, probe, ev, a, b) -> SubCheck:
    if (probe.fn.jvp_rule if kind == "JVP" else probe.fn.vjp_rule) is None:
        return SubCheck(name, None, message=f"no user {kind} rule: AD through the primal is linear")
    d1, d2, combo = ev["vals"][0], ev["vals"][1], ev["combo"]
    w = Worst(name, probe)
    w.add(combo, a * d1 + b * d2, f"{kind}(a·d1 + b·d2) vs a·{kind}(d1) + b·{kind}(d2)",
          scale=float(np.max(np.maximum(np.abs(a * d1) + np.abs(b * d2), np.abs(combo)), initial=0.0)))
    w.add(ev["zero"], 0.0 * ev["zero"], f"{kind}(0) vs 0", scale=float(np.max(np.abs(d1), initial=0.0)))
    return SubCheck(w.name, *w.result(f"user {kind} rule is linear in its seed (a={a:.3g}, b={b:.3g})"))


def _kink_check(probe, V) -> Optional[SubCheck]:
    from adcheck.analysis.kinks import check_directional_kink

    for k, v in enumerate(V):
        try:
            found = check_directional_kink(probe.primal_flat, probe.x, v)
        except Exception:  # no one-sided answer either: leave the verdict as it is
            continue
        if found:
            kk = found[0]
            return SubCheck("differentiable", False, abs(kk.left - kk.right), kk.left_err + kk.right_err,
                            f"along v{k + 1}, {kk.describe()}: not differentiable at x, so FD cannot "
                            f"judge the rule here (inconclusive)")
    return None
