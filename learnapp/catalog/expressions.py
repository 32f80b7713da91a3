"""A small, safe arithmetic evaluator for question templates.

Content authors write expressions such as `round(invalid / total * 100, 1)` in markdown. They are
parsed with `ast.parse` (which only builds a syntax tree; it never runs anything) and walked here
node by node: anything but numbers, names of the template's own values, + - * / // % **, unary
minus and the four functions min, max, round, abs is refused. Python's `eval` and `exec` are never
used.

Values are `Fraction`s, not floats: an access log's rate such as 45 / 1000 * 100 is exactly 4.5,
so "4.5" shown to a learner, the answer key and the distractors all agree, and two options that
differ only by float noise cannot slip past the "options must differ" check. Rounding happens
only where the author asks for it (`round(...)` or a display format such as `{{rate:.1f}}`), and
it rounds halves away from zero, as people do by hand (Python's own `round` rounds 2.5 to 2).

Every limit below produces an `ExpressionError` with a reason an author can act on: the size of
the source and of its tree, the magnitude and precision of every intermediate value, the size of
an exponent (checked before the power is computed, so `9 ** 9 ** 9` is refused at once), and
division by zero.
"""

import ast
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction

MAX_SOURCE_LENGTH = 300
MAX_NODES = 80
MAX_MAGNITUDE = 10**15
# Limits the precision of intermediate values, so repeated division cannot build huge fractions.
MAX_DENOMINATOR = 10**15
MAX_EXPONENT = 64
MAX_ROUND_PLACES = 10
FUNCTIONS = ("min", "max", "round", "abs")

_OPERATORS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
}


class ExpressionError(ValueError):
    """An expression that is not allowed, or that cannot be evaluated for these values."""


class Expression:
    """A checked expression: only arithmetic, and only over the names it was compiled with."""

    def __init__(self, source: str, tree: ast.expr, names: frozenset[str]):
        self.source = source
        self._tree = tree
        self.names = names  # the names it reads

    def evaluate(self, values: Mapping[str, Fraction]) -> Fraction:
        return _evaluate(self._tree, values)

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


def compile_expression(source: str, allowed_names: Iterable[str] = ()) -> Expression:
    """Check an expression's shape once, at load time; raise ExpressionError saying what is wrong."""
    if not isinstance(source, str):
        raise ExpressionError("an expression must be text")
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExpressionError(
            f"the expression is {len(source)} characters long; the limit is {MAX_SOURCE_LENGTH}"
        )
    if not source.strip():
        raise ExpressionError("the expression is empty")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not a valid expression: {exc.msg}") from None
    except (ValueError, MemoryError, RecursionError):
        raise ExpressionError("not a valid expression") from None
    allowed = frozenset(allowed_names)
    nodes = 0
    used: set[str] = set()
    callees: set[int] = set()  # the name nodes of calls, checked with their call
    for node in ast.walk(tree.body):
        if isinstance(node, ast.expr):
            nodes += 1
        if id(node) in callees:
            continue
        _check_node(node, allowed, used)
        if isinstance(node, ast.Call):
            callees.add(id(node.func))
    if nodes > MAX_NODES:
        raise ExpressionError(f"the expression has {nodes} parts; the limit is {MAX_NODES}")
    return Expression(source.strip(), tree.body, frozenset(used))


def evaluate(source: str, values: Mapping[str, Fraction] | None = None) -> Fraction:
    """Compile and evaluate in one go (for tests and one-off values)."""
    values = values or {}
    return compile_expression(source, values.keys()).evaluate(values)


def _check_node(node: ast.AST, allowed: frozenset[str], used: set[str]) -> None:
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _OPERATORS:
            raise ExpressionError("only + - * / // % ** are allowed between values")
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd):
            raise ExpressionError("only a minus or plus sign may stand before a value")
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ExpressionError(f"only numbers are allowed, not {value!r}")
    elif isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ExpressionError(f"'{node.id}' is a function: call it, as in {node.id}(...)")
        if node.id not in allowed:
            known = ", ".join(sorted(allowed)) or "none yet"
            raise ExpressionError(f"unknown name '{node.id}' (known here: {known})")
        used.add(node.id)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise ExpressionError(f"only the functions {', '.join(FUNCTIONS)} can be called")
        if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
            raise ExpressionError(f"{node.func.id}() takes plain values only")
        name, count = node.func.id, len(node.args)
        if name == "abs" and count != 1:
            raise ExpressionError("abs() takes one value")
        if name == "round" and count not in (1, 2):
            raise ExpressionError("round() takes a value and, optionally, a number of places")
        if name in ("min", "max") and count < 2:
            raise ExpressionError(f"{name}() takes two or more values")
    elif isinstance(node, ast.Load | ast.operator | ast.unaryop):
        pass
    else:
        raise ExpressionError(f"{_describe(node)} is not allowed in an expression")


def _describe(node: ast.AST) -> str:
    names = {
        ast.Attribute: "attribute access ('.')",
        ast.Subscript: "indexing ('[...]')",
        ast.Lambda: "lambda",
        ast.Compare: "a comparison",
        ast.BoolOp: "'and' / 'or'",
        ast.IfExp: "'if ... else'",
        ast.JoinedStr: "a string",
        ast.NamedExpr: "':='",
    }
    for kind, text in names.items():
        if isinstance(node, kind):
            return text
    return f"'{type(node).__name__}'"


def _bounded(value: Fraction) -> Fraction:
    if abs(value) > MAX_MAGNITUDE:
        raise ExpressionError(f"a value exceeds the limit of {MAX_MAGNITUDE:,} in size")
    if value.denominator > MAX_DENOMINATOR:
        raise ExpressionError("a value needs more precision than allowed; round it earlier")
    return value


def _constant(value: int | float) -> Fraction:
    if isinstance(value, float):
        # repr gives the shortest decimal that reads back as this float, i.e. what was written.
        text = repr(value)
        if text in ("inf", "nan"):
            raise ExpressionError("a number is too large")
        return _bounded(Fraction(Decimal(text)))
    if value.bit_length() > 64:
        raise ExpressionError(f"a value exceeds the limit of {MAX_MAGNITUDE:,} in size")
    return _bounded(Fraction(value))


def _evaluate(node: ast.expr, values: Mapping[str, Fraction]) -> Fraction:
    if isinstance(node, ast.Constant):
        return _constant(node.value)
    if isinstance(node, ast.Name):
        value = values.get(node.id)
        if not isinstance(value, Fraction | int):
            raise ExpressionError(f"'{node.id}' is not a number")
        return Fraction(value)
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, values)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left = _evaluate(node.left, values)
        right = _evaluate(node.right, values)
        return _bounded(_binary(type(node.op), left, right))
    if isinstance(node, ast.Call):
        args = [_evaluate(arg, values) for arg in node.args]
        return _bounded(_call(node.func.id, args))
    raise ExpressionError(f"{_describe(node)} is not allowed in an expression")


def _binary(op: type, left: Fraction, right: Fraction) -> Fraction:
    if op in (ast.Div, ast.FloorDiv, ast.Mod) and right == 0:
        raise ExpressionError(f"division by zero ('{_OPERATORS[op]}' by 0)")
    if op is ast.Add:
        return left + right
    if op is ast.Sub:
        return left - right
    if op is ast.Mult:
        return left * right
    if op is ast.Div:
        return left / right
    if op is ast.FloorDiv:
        return Fraction(left // right)
    if op is ast.Mod:
        return left % right
    return _power(left, right)


def _power(base: Fraction, exponent: Fraction) -> Fraction:
    if exponent.denominator != 1:
        raise ExpressionError("an exponent must be a whole number")
    if abs(exponent) > MAX_EXPONENT:
        raise ExpressionError(f"an exponent may be at most {MAX_EXPONENT}")
    if base == 0 and exponent < 0:
        raise ExpressionError("division by zero (0 to a negative power)")
    # Refuse before computing: the result's size is known from the sizes of its parts.
    bits = max(base.numerator.bit_length(), base.denominator.bit_length()) * abs(exponent)
    if bits > 2 * MAX_MAGNITUDE.bit_length():
        raise ExpressionError(f"a value exceeds the limit of {MAX_MAGNITUDE:,} in size")
    return base ** int(exponent)


def round_half_away(value: Fraction, places: int = 0) -> Fraction:
    """Round to `places` decimals, halves away from zero (2.5 -> 3, -2.5 -> -3)."""
    scale = Fraction(10) ** places
    scaled = abs(value) * scale
    whole = int(scaled)
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole if value >= 0 else -whole) / scale


def _call(name: str, args: list[Fraction]) -> Fraction:
    if name == "abs":
        return abs(args[0])
    if name == "min":
        return min(args)
    if name == "max":
        return max(args)
    places = args[1] if len(args) == 2 else Fraction(0)
    if places.denominator != 1 or not 0 <= places <= MAX_ROUND_PLACES:
        raise ExpressionError(f"round() takes 0 to {MAX_ROUND_PLACES} places")
    return round_half_away(args[0], int(places))
