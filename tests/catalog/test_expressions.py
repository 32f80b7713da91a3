"""The template evaluator: exact arithmetic, and nothing but arithmetic, within bounded effort."""

import ast
import re
import time
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnapp.catalog.expressions import (
    MAX_SOURCE_LENGTH,
    ExpressionError,
    compile_expression,
    evaluate,
    round_half_away,
)


class TestArithmetic:
    def test_a_rate_is_exact(self):
        assert evaluate("45 / 1000 * 100") == Fraction(9, 2)
        assert evaluate("valid / (valid + failed) * 100", {"valid": 950, "failed": 50}) == 95

    def test_decimal_literals_are_read_as_written(self):
        assert evaluate("0.1 + 0.2") == Fraction(3, 10)

    def test_the_four_functions(self):
        assert evaluate("min(3, 1, 2) + max(4, 5) + abs(-2)") == 8
        assert evaluate("round(2.5)") == 3
        assert evaluate("round(-2.5)") == -3
        assert evaluate("round(4.45, 1)") == Fraction("4.5")
        assert evaluate("7 // 2 + 7 % 2 + 2 ** 3") == 12

    def test_it_names_the_values_it_reads(self):
        expression = compile_expression("a * 2 + b", ["a", "b", "c"])
        assert expression.names == {"a", "b"}


class TestRefusals:
    @pytest.mark.parametrize(
        ("source", "reason"),
        [
            ("__import__('os').system('true')", "only the functions"),
            ("(1).__class__", "attribute access"),
            ("x.real", "attribute access"),
            ("[1, 2][0]", "indexing"),
            ("lambda: 1", "lambda"),
            ("'text'", "only numbers"),
            ("[n for n in (1, 2)]", "is not allowed"),
            ("1 < 2", "a comparison"),
            ("1 if 1 else 2", "'if ... else'"),
            ("True + 1", "only numbers"),
            ("1j", "only numbers"),
            ("round(x=1)", "plain values only"),
            ("max(*(1, 2))", "plain values only"),
            ("min(1)", "two or more"),
            ("min", "is a function"),
            ("open('/etc/passwd')", "only the functions"),
            ("secret", "unknown name 'secret'"),
            ("__builtins__", "unknown name"),
            ("(y := 2)", "':='"),
            ("1 +", "not a valid expression"),
            ("~1", "minus or plus"),
            ("1 << 40", "only + - * / // % **"),
        ],
    )
    def test_it_refuses_anything_but_arithmetic(self, source, reason):
        with pytest.raises(ExpressionError, match=re.escape(reason)):
            evaluate(source, {"x": Fraction(1)})

    @pytest.mark.parametrize(
        ("source", "reason"),
        [
            ("1 / 0", "division by zero"),
            ("5 // (2 - 2)", "division by zero"),
            ("5 % 0", "division by zero"),
            ("0 ** -1", "division by zero"),
            ("9 ** 9 ** 9", "exponent may be at most 64"),
            ("10 ** 16", "exceeds the limit"),
            ("2 ** 0.5", "whole number"),
            ("1e999", "too large"),
            ("99999999999999999999999", "exceeds the limit"),
            ("1" + " / 7" * 18, "precision"),
            ("round(1, 11)", "0 to 10 places"),
        ],
    )
    def test_it_refuses_values_beyond_its_limits(self, source, reason):
        with pytest.raises(ExpressionError, match=reason):
            evaluate(source)

    def test_it_refuses_a_long_source_before_parsing_it(self):
        with pytest.raises(ExpressionError, match=f"the limit is {MAX_SOURCE_LENGTH}"):
            evaluate("1+" * 200 + "1")

    def test_it_refuses_too_many_parts(self):
        with pytest.raises(ExpressionError, match="parts"):
            evaluate("+".join(["1"] * 100))


def test_rounding_halves_goes_away_from_zero():
    assert round_half_away(Fraction("0.05"), 1) == Fraction("0.1")
    assert round_half_away(Fraction("-0.05"), 1) == Fraction("-0.1")
    assert round_half_away(Fraction("0.049"), 1) == 0


# -- properties ---------------------------------------------------------------------------------

NAMES = ["a", "b", "c"]
VALUES = {"a": Fraction(7), "b": Fraction(-3, 2), "c": Fraction(1000)}

_numbers = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.decimals(-1000, 1000, places=3, allow_nan=False).map(str),
)
_atoms = st.one_of(_numbers, st.sampled_from(NAMES))


def _arithmetic(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/", "//", "%", "**"]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        children.map(lambda c: f"-{c}"),
        st.tuples(st.sampled_from(["min", "max"]), children, children).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"
        ),
        children.map(lambda c: f"abs({c})"),
        st.tuples(children, st.integers(0, 3)).map(lambda t: f"round({t[0]}, {t[1]})"),
    )


arithmetic = st.recursive(_atoms, _arithmetic, max_leaves=25)

# Fragments that can only mean something other than arithmetic.
_forbidden = st.sampled_from(
    [
        "x.__class__",
        "a.real",
        "().__class__.__bases__[0].__subclasses__()",
        "__import__('os')",
        "eval('1')",
        "exec('1')",
        "getattr(a, 'real')",
        "open('f')",
        "(lambda: 1)()",
        "[a for a in (1,)]",
        "{1: 2}",
        "{1}",
        "(1, 2)",
        "'s'",
        "b'x'",
        "f'{a}'",
        "a[0]",
        "a if b else c",
        "a and b",
        "not a",
        "a < b",
        "(z := 1)",
        "__builtins__",
        "globals()",
        "print(1)",
        "type(a)",
        "...",
        "None",
        "True",
    ]
)


@settings(max_examples=300, deadline=None)
@given(arithmetic)
def test_arithmetic_either_evaluates_to_a_bounded_fraction_or_is_refused_quickly(source):
    # A safety bound, not a speed measure: an unbounded power or product would take minutes of
    # CPU. Process time, so other work on the machine does not count against it.
    started = time.process_time()
    try:
        value = evaluate(source, VALUES)
    except ExpressionError:
        pass
    else:
        assert isinstance(value, Fraction)
        assert abs(value) <= 10**15
    assert time.process_time() - started < 2


@settings(max_examples=300, deadline=None)
@given(arithmetic, _forbidden, st.sampled_from(["+", "*", "-"]), st.booleans())
def test_anything_but_arithmetic_anywhere_is_refused(source, forbidden, op, left):
    combined = f"{forbidden} {op} {source}" if left else f"{source} {op} ({forbidden})"
    with pytest.raises(ExpressionError):
        compile_expression(combined, NAMES)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_random_text_never_escapes_the_evaluator(text):
    # Whatever the text, the only outcomes are a number or an ExpressionError; and if it compiled,
    # its tree held nothing but arithmetic.
    try:
        value = evaluate(text, VALUES)
    except ExpressionError:
        return
    assert isinstance(value, Fraction)
    allowed = (
        ast.Expression,
        ast.BinOp,
        ast.UnaryOp,
        ast.Constant,
        ast.Name,
        ast.Call,
        ast.Load,
        ast.operator,
        ast.unaryop,
    )
    assert all(isinstance(node, allowed) for node in ast.walk(ast.parse(text.strip(), mode="eval")))


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 10**6), st.integers(2, 10**9))
def test_huge_powers_are_refused_before_they_are_computed(base, exponent):
    # Computing 1000000 ** 1000000000 would take hours and gigabytes, so were the limit checked
    # after the power, this test would never finish rather than pass.
    try:
        value = evaluate(f"{base} ** {exponent}")
    except ExpressionError:
        pass
    else:
        assert value <= 10**15
