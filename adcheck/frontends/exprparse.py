"""The whitelist parser behind :mod:`adcheck.frontends.expression`.

The text is parsed with ``ast.parse(mode="eval")`` and walked against a
whitelist (numbers, names, ``+ - * / ** ^``, unary ``- +``, calls to a fixed
function set, one top-level list for vector output); anything else raises
:class:`ExpressionSyntaxError` with the 0-based column of the offending part.
Nothing is ever evaluated by Python: the tree becomes a flat :class:`Program`
in post-order (:class:`Node` records) that callers run through the primitives.

``^`` means power and binds like ``**`` (it is rewritten to ``**`` before
parsing, so ``x^2+1`` is x²+1, not Python's xor-precedence x^(2+1)).
Constant subexpressions are folded in float64 as they are built (overflow
gives inf), so ``9**9**9**9`` costs nothing.  The walk uses an explicit
stack, so deep nesting never recurses here.
"""

from __future__ import annotations

import ast
import difflib
import math
import re
import warnings
from dataclasses import dataclass
from typing import Optional

import numpy as np

from adcheck.errors import BadInputError, ExpressionSyntaxError, UnknownNameError
from adcheck.prims import get

MAX_LENGTH = 10_000
MAX_DEPTH = 1000
# user spelling -> (primitive, allowed argument counts); log(x, b) = log x / log b
FUNCTIONS = {
    "sin": ("sin", (1,)), "cos": ("cos", (1,)), "tan": ("tan", (1,)),
    "asin": ("arcsin", (1,)), "acos": ("arccos", (1,)), "atan": ("arctan", (1,)),
    "atan2": ("arctan2", (2,)), "sinh": ("sinh", (1,)), "cosh": ("cosh", (1,)),
    "tanh": ("tanh", (1,)), "asinh": ("arcsinh", (1,)), "acosh": ("arccosh", (1,)),
    "atanh": ("arctanh", (1,)), "exp": ("exp", (1,)), "expm1": ("expm1", (1,)),
    "log": ("log", (1, 2)), "log1p": ("log1p", (1,)), "log2": ("log2", (1,)),
    "log10": ("log10", (1,)), "sqrt": ("sqrt", (1,)), "cbrt": ("cbrt", (1,)),
    "abs": ("absolute", (1,)), "sign": ("sign", (1,)), "erf": ("erf", (1,)),
    "max": ("maximum", (2,)), "min": ("minimum", (2,)),
}
CONSTANTS = {"pi": math.pi, "e": math.e}
_BINOPS = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide",
           ast.Pow: "power", ast.BitXor: "power"}
_BAD_BINOPS = {ast.MatMult: "@", ast.FloorDiv: "//", ast.Mod: "%", ast.LShift: "<<",
               ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&"}
_ALIASES = {"ln": "log", "absolute": "abs", "maximum": "max", "minimum": "min", "pow": "**"}
_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class Node:
    """One step of the program: ``op`` is "num", "var", "const" or a primitive name.

    ``args`` index earlier nodes; ``value`` is the folded float64 value when the
    node does not depend on the variables (else None); ``literal`` is the int or
    float literal, variable name or constant name; ``col`` its column in the text.
    """

    op: str
    args: tuple = ()
    value: Optional[float] = None
    literal: object = None
    col: int = 0


@dataclass(frozen=True)
class Program:
    """A parsed expression: nodes in post-order, the output node(s), the variables.

    ``variables`` are in natural order; a "var" node's input index is its
    position there.  ``is_vector`` is True for a top-level list.
    """

    nodes: tuple
    outputs: tuple
    variables: tuple
    is_vector: bool


def parse_program(text: str) -> Program:
    """Parse ``text`` against the whitelist; raise ExpressionSyntaxError / BadInputError."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionSyntaxError("empty expression", "", 0)
    if len(text) > MAX_LENGTH:
        raise ExpressionSyntaxError(
            f"expression is {len(text)} characters long; the limit is {MAX_LENGTH}", text, None)
    nodes, outputs, is_vector = _Parser(text).parse()
    variables = tuple(sorted({n.literal for n in nodes if n.op == "var"}, key=natural_key))
    if not variables:
        raise BadInputError(f"the expression {text.strip()!r} has no variables: "
                            "nothing to differentiate")
    return Program(tuple(nodes), outputs, variables, is_vector)


def natural_key(name: str) -> tuple:
    """Sort key putting x2 before x10: digit runs compare as integers."""
    parts = re.split(r"(\d+)", name)
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts)), name


def fold(op: str, values: list) -> float:
    """Evaluate a primitive on float64 constants; overflow gives inf, never an error."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = get(op)(*[np.float64(v) for v in values])
        return math.nan if np.iscomplexobj(out) else float(out)
    except (ArithmeticError, ValueError, TypeError):
        return math.nan


class _Parser:
    """Walks the ast of one expression (iteratively) and emits the program."""

    def __init__(self, text: str):
        self.text = text
        src, self.back = _rewrite_carets(text)
        self.lead = len(src) - len(src.lstrip())
        self.src = src[self.lead:]
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", self.src)]
        self.ascii = self.src.isascii()
        self.nodes: list[Node] = []

    def column(self, lineno: int, col_bytes: int, *, in_chars: bool = False) -> int:
        """(line, col) in the parsed source -> 0-based column in the user's text."""
        lineno = min(max(lineno, 1), len(self.line_starts))
        start = self.line_starts[lineno - 1]
        col = col_bytes
        if not (in_chars or self.ascii):   # ast columns count UTF-8 bytes
            line = self.src[start:start + col_bytes]
            col = len(line.encode("utf-8")[:col_bytes].decode("utf-8", "ignore"))
        pos = min(self.lead + start + max(col, 0), len(self.back) - 1)
        return self.back[pos]

    def fail(self, message: str, node, cls=ExpressionSyntaxError):
        """An error pointing at ``node`` (at the ``.`` or ``[`` of an attribute or index)."""
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            col = self.column(node.value.end_lineno, node.value.end_col_offset)
        else:
            col = self.column(node.lineno, node.col_offset)
        return cls(message, self.text, col)

    def parse(self) -> tuple[list[Node], tuple, bool]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                body = ast.parse(self.src, mode="eval").body
        except SyntaxError as exc:
            col = (self.column(exc.lineno or 1, exc.offset - 1, in_chars=True)
                   if exc.offset and exc.offset > 0 else len(self.text))
            raise ExpressionSyntaxError(f"syntax error: {exc.msg}", self.text, col) from None
        except (RecursionError, MemoryError, ValueError, OverflowError):
            raise ExpressionSyntaxError("expression is nested too deeply or too large to parse",
                                        self.text, None) from None
        called = {id(c.func) for c in ast.walk(body) if isinstance(c, ast.Call)}
        self.plain_names = {n.id for n in ast.walk(body)
                            if isinstance(n, ast.Name) and id(n) not in called}
        if isinstance(body, ast.List):
            if not body.elts:
                raise self.fail("an empty list has nothing to differentiate", body)
            return self.nodes, tuple(self.emit(e) for e in body.elts), True
        return self.nodes, (self.emit(body),), False

    def emit(self, root) -> int:
        """Post-order walk with an explicit stack; returns the root's node index."""
        stack, results = [(root, 0, False)], []
        while stack:
            node, depth, done = stack.pop()
            if depth > MAX_DEPTH:
                raise self.fail(f"expression nested more than {MAX_DEPTH} levels deep", node)
            if done:
                self.finish(node, results)
                continue
            children = self.enter(node)
            if children is None:
                results.append(self.leaf(node))
            else:
                stack.append((node, depth, True))
                stack.extend((c, depth + 1, False) for c in reversed(children))
        return results[-1]

    def enter(self, node):
        """Validate ``node``; return its operand nodes, or None for a leaf."""
        if isinstance(node, (ast.Constant, ast.Name)):
            return None
        if isinstance(node, ast.BinOp):
            if type(node.op) in _BAD_BINOPS:
                sym = _BAD_BINOPS[type(node.op)]
                raise ExpressionSyntaxError(f"operator {sym} is not allowed",
                                            self.text, self.op_column(node, sym))
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                what = "'not'" if isinstance(node.op, ast.Not) else "operator ~"
                raise self.fail(f"{what} is not allowed", node)
            return [node.operand]
        if isinstance(node, ast.Call):
            return self.check_call(node)
        if isinstance(node, ast.List):
            raise self.fail("nested lists are not allowed (only one top-level [ ... ])", node)
        raise self.fail(f"{_describe(node)} is not allowed in an expression", node)

    def check_call(self, node: ast.Call) -> list:
        func = node.func
        if isinstance(func, (ast.Attribute, ast.Subscript)):
            raise self.fail(f"{_describe(func)} is not allowed in an expression", func)
        if not isinstance(func, ast.Name):
            raise self.fail("only the named functions can be called", node)
        name = func.id
        if name not in FUNCTIONS:
            if name in CONSTANTS:
                raise self.fail(f"{name} is a constant, not a function", func)
            if name in self.plain_names:
                raise self.fail(f"{name} is a variable here and cannot be called", func)
            close = [_ALIASES[name]] if name in _ALIASES else difflib.get_close_matches(
                name, list(FUNCTIONS), n=1)
            known = ", ".join(sorted(FUNCTIONS))
            hint = f"; did you mean {close[0]}?" if close else f"; known: {known}"
            raise self.fail(f"unknown function {name!r}{hint}", func, UnknownNameError)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.fail("*arguments are not allowed", arg)
        if node.keywords:
            raise self.fail("keyword arguments are not allowed", node.keywords[0])
        arities = FUNCTIONS[name][1]
        if len(node.args) not in arities:
            want = " or ".join(str(a) for a in arities)
            raise self.fail(f"{name} takes {want} argument{'s' * (want != '1')}, "
                            f"got {len(node.args)}", node)
        return list(node.args)

    def leaf(self, node) -> int:
        if isinstance(node, ast.Name):
            name = node.id
            if name in CONSTANTS:
                return self.add(Node("const", (), CONSTANTS[name], name, self.col(node)))
            if name in FUNCTIONS:
                raise self.fail(f"function {name} used without arguments", node)
            if name.startswith("_") or not _NAME_RE.match(name):
                raise self.fail(f"invalid variable name {name!r} (use letters, digits, _)", node)
            return self.add(Node("var", (), None, name, self.col(node)))
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"{_describe(node)} is not allowed in an expression", node)
        try:
            folded = float(value)
        except OverflowError:
            folded = math.inf
        return self.add(Node("num", (), folded, value, self.col(node)))

    def finish(self, node, results: list) -> None:
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                results.append(self.apply("negative", [results.pop()], node))
            return  # unary + is the identity
        if isinstance(node, ast.BinOp):
            right, left = results.pop(), results.pop()
            results.append(self.apply(_BINOPS[type(node.op)], [left, right], node))
            return
        args = [results.pop() for _ in node.args][::-1]
        prim = FUNCTIONS[node.func.id][0]
        if len(args) == 2 and prim == "log":  # log(x, b) = log x / log b
            args = [self.apply("log", [args[0]], node), self.apply("log", [args[1]], node)]
            prim = "divide"
        results.append(self.apply(prim, args, node))

    def apply(self, prim: str, args: list, node) -> int:
        values = [self.nodes[a].value for a in args]
        value = fold(prim, values) if all(v is not None for v in values) else None
        return self.add(Node(prim, tuple(args), value, None, self.col(node)))

    def add(self, node: Node) -> int:
        self.nodes.append(node)
        return len(self.nodes) - 1

    def col(self, node) -> int:
        return self.column(node.lineno, node.col_offset)

    def op_column(self, node: ast.BinOp, sym: str) -> int:
        """Column of a binary operator symbol, searched between its operands."""
        lo = self.column(node.left.end_lineno, node.left.end_col_offset)
        hi = self.column(node.right.lineno, node.right.col_offset)
        found = self.text.find(sym, lo, hi)
        return found if found >= 0 else lo


def _rewrite_carets(text: str) -> tuple[str, list]:
    """``^`` -> ``**``; also map each index of the new text back to the original."""
    out, back = [], []
    for i, ch in enumerate(text):
        out.append("**" if ch == "^" else ch)
        back.extend((i, i) if ch == "^" else (i,))
    back.append(len(text))
    return "".join(out), back


_DESCRIPTIONS = {
    "Attribute": "attribute access", "Subscript": "indexing", "Lambda": "lambda",
    "ListComp": "a comprehension", "SetComp": "a comprehension", "DictComp": "a comprehension",
    "GeneratorExp": "a comprehension", "Compare": "a comparison", "BoolOp": "and/or",
    "IfExp": "a conditional expression", "Dict": "a dict", "Set": "a set",
    "Tuple": "a tuple (use [a, b] for vector output)", "JoinedStr": "an f-string",
    "NamedExpr": ":=", "Starred": "*unpacking",
}


def _describe(node) -> str:
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, complex):
            return "a complex number"
        if isinstance(v, (str, bytes)):
            return "a string"
        return repr(v)
    return _DESCRIPTIONS.get(type(node).__name__, type(node).__name__)
