"""``np.einsum`` as one multilinear primitive, and ``np.tensordot`` built on it.

y = einsum(s₁,…,sₙ → o; X₁,…,Xₙ) is linear in each operand separately, so

JVP   ẏ = Σᵢ einsum(s₁,…,b sᵢ,…,sₙ → b o; X₁,…,Ẋᵢ,…,Xₙ)
      (b a fresh subscript for the tangents' leading batch axis of k directions);
VJP   X̄ᵢ = einsum(o, s₁,…,[skip i],…,sₙ → sᵢ; Ȳ, X₁,…,Xₙ)
      where a subscript repeated inside sᵢ (a diagonal, ``'ii'``) is renamed and
      tied to the original by an identity matrix (δ), a subscript found only in
      sᵢ (summed away, ``'ij->i'``) gets a ones vector to carry its size, and
      size-1 axes that einsum broadcast are summed back (un-broadcast).

Subscripts are normalised before binding: implicit output made explicit
(the subscripts seen once, in sorted order), ``...`` replaced by fresh
letters aligned from the right.  The primal runs NumPy's einsum on the
user's own subscripts, so values are bit-identical to NumPy's.
"""

from __future__ import annotations

import string

import numpy as np

from adcheck.errors import UnsupportedOpError
from adcheck.prims.broadcast import unbroadcast
from adcheck.prims.table import Primitive, bind, get, register
from adcheck.prims.table import is_traced as _traced


def _fresh(used, count):
    """``count`` subscript letters that do not occur in ``used``."""
    free = [c for c in string.ascii_letters if c not in used]
    if len(free) < count:
        raise UnsupportedOpError("np.einsum with more than 52 distinct subscripts")
    return free[:count]


def normalize(subscripts: str, ndims) -> tuple:
    """``(inputs, output)``: explicit letters for every axis, no ellipsis, no implicit output."""
    s = subscripts.replace(" ", "")
    explicit = "->" in s
    lhs, out = s.split("->") if explicit else (s, None)
    inputs = lhs.split(",")
    if len(inputs) != len(ndims):
        raise ValueError(f"einsum: {len(inputs)} subscript groups for {len(ndims)} operands")
    for part in inputs + ([out] if explicit else []):
        bad = set(part.replace("...", "")) - set(string.ascii_letters)
        if bad:
            raise ValueError(f"einsum: invalid subscript characters {sorted(bad)} in {subscripts!r}")
    ranks = [nd - len(p.replace("...", "")) if "..." in p else 0 for p, nd in zip(inputs, ndims)]
    width = max(ranks, default=0)
    ell = _fresh(s, width)
    inputs = [p.replace("...", "".join(ell[width - r:])) for p, r in zip(inputs, ranks)]
    if explicit:
        out = out.replace("...", "".join(ell))
    else:
        counts = {}
        for c in "".join(inputs):
            counts[c] = counts.get(c, 0) + 1
        named = sorted(c for c, n in counts.items() if n == 1 and c not in ell)
        out = "".join(ell) + "".join(named)
    return tuple(inputs), out


def _spec(inputs, output):
    return ",".join(inputs) + "->" + output


def _einsum_jvp(ts, y, *ops, inputs, output, original, optimize):
    (b,) = _fresh("".join(inputs) + output, 1)
    out = None
    for i, t in enumerate(ts):
        if t is None:
            continue
        subs = list(inputs)
        subs[i] = b + subs[i]
        args = list(ops)
        args[i] = t
        term = np.einsum(_spec(subs, b + output), *args, optimize=optimize)
        out = term if out is None else out + term
    return out


def _einsum_vjp(i):
    def rule(g, y, *ops, inputs, output, original, optimize):
        own = inputs[i]
        shape = np.shape(ops[i])
        used = "".join(inputs) + output
        renamed, seen, extra_subs, extra_ops = [], set(), [], []
        fresh = iter(_fresh(used, len(own)))
        for pos, c in enumerate(own):
            if c in seen:  # a diagonal: rename, tie to the first occurrence with δ
                r = next(fresh)
                extra_subs.append(c + r)
                extra_ops.append(np.eye(shape[pos]))
                renamed.append(r)
            else:
                seen.add(c)
                renamed.append(c)
        subs = [output] + [s for j, s in enumerate(inputs) if j != i]
        args = [g] + [o for j, o in enumerate(ops) if j != i]
        covered = set("".join(subs + extra_subs))
        for pos, c in enumerate(renamed):
            if c not in covered:  # summed inside operand i only: broadcast over it
                extra_subs.append(c)
                extra_ops.append(np.ones(shape[pos]))
                covered.add(c)
        res = np.einsum(_spec(subs + extra_subs, "".join(renamed)), *args, *extra_ops,
                        optimize=optimize)
        return unbroadcast(res, shape)

    return rule


register(Primitive(
    name="einsum",
    impl=lambda *ops, inputs, output, original, optimize: np.einsum(original, *ops, optimize=optimize),
    jvp=_einsum_jvp, vjp=_einsum_vjp, linear=False, object_ok=True, nargs=None,
    doc="Einstein summation y = einsum(s₁,…,sₙ→o; X₁,…,Xₙ), multilinear:  "
        "ẏ = Σᵢ einsum with Xᵢ replaced by its tangent (batch subscript prepended);  "
        "X̄ᵢ = einsum(o, sⱼ≠ᵢ → sᵢ; Ȳ, Xⱼ≠ᵢ) with δ for repeated and ones for private subscripts."))


# ----- the NumPy functions ----------------------------------------------------

def _from_sublists(args):
    """``einsum(a, [0, 1], b, [1], [0])`` -> the subscript string and the operands."""
    def letters(sub):
        return "".join("..." if s is Ellipsis else string.ascii_letters[int(s)] for s in sub)

    args = list(args)
    out = letters(args.pop()) if len(args) % 2 else None
    ops, subs = args[0::2], [letters(s) for s in args[1::2]]
    return ",".join(subs) + ("->" + out if out is not None else ""), ops


def einsum(*operands, out=None, optimize=False, dtype=None, order="K", casting="safe"):
    from adcheck.prims.composites import _no_out, asarray

    _no_out("einsum", out)
    if not isinstance(operands[0], str):
        subscripts, ops = _from_sublists(operands)
    else:
        subscripts, ops = operands[0], list(operands[1:])
    if dtype is not None and not np.issubdtype(np.dtype(dtype), np.floating):
        raise UnsupportedOpError(f"np.einsum(dtype={np.dtype(dtype).name})", detail="a non-float result")
    ops = [asarray(o) for o in ops]
    inputs, output = normalize(subscripts, [np.ndim(o) if not _traced(o) else o.ndim for o in ops])
    opt = optimize if isinstance(optimize, (bool, str)) else False
    return bind(get("einsum"), *ops, inputs=inputs, output=output, original=subscripts, optimize=opt)


def tensordot(a, b, axes=2):
    """``np.tensordot`` the way NumPy computes it: move the contracted axes together,
    reshape both to matrices, one ``dot``, reshape back (so values are bit-identical)."""
    from adcheck.prims.composites import asarray, dot, reshape, transpose

    a, b = asarray(a), asarray(b)
    sa, sb = (x.shape if _traced(x) else np.shape(x) for x in (a, b))
    if isinstance(axes, (int, np.integer)):
        ax_a, ax_b = list(range(len(sa) - axes, len(sa))), list(range(axes))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
    ax_a, ax_b = [x % len(sa) for x in ax_a], [x % len(sb) for x in ax_b]
    if [sa[i] for i in ax_a] != [sb[j] for j in ax_b]:
        raise ValueError("shape-mismatch for sum")
    free_a = [k for k in range(len(sa)) if k not in ax_a]
    free_b = [k for k in range(len(sb)) if k not in ax_b]
    inner = int(np.prod([sa[i] for i in ax_a]))
    at = reshape(transpose(a, free_a + ax_a), (-1, inner))
    bt = reshape(transpose(b, ax_b + free_b), (inner, -1))
    return reshape(dot(at, bt), tuple(sa[k] for k in free_a) + tuple(sb[k] for k in free_b))


FUNCTIONS = {np.einsum: einsum, np.tensordot: tensordot}
