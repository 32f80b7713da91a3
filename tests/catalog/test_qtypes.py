"""Scoring each question type: exact fractions, and readable refusals of unreadable answers."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learnapp.catalog.qtypes import (
    ResponseRejected,
    parse_numeric_response,
    score,
    score_multiple,
    score_numeric,
    score_ordering,
)

PERCENT = {"value": "4.5", "tolerance": "0.05", "percent": True}


class TestNumericEntry:
    @pytest.mark.parametrize("typed", ["4.5", "4.5%", "4.5 %", " 4.5\u00a0% ", "+4.5"])
    def test_a_percentage_may_be_typed_with_or_without_the_sign(self, typed):
        assert parse_numeric_response(typed, PERCENT) == Decimal("4.5")

    def test_a_fraction_of_one_is_read_as_a_percentage_only_where_the_content_says_so(self):
        assert parse_numeric_response("0.045", PERCENT) == Decimal("0.045")
        both = {**PERCENT, "accept_fraction": True}
        assert parse_numeric_response("0.045", both) == Decimal("4.5")
        # With a % sign the learner has said which reading they mean.
        assert parse_numeric_response("0.045%", both) == Decimal("0.045")

    def test_a_unit_may_follow_the_number(self):
        spec = {"value": "250", "unit": "ms"}
        assert parse_numeric_response("250 ms", spec) == 250
        assert parse_numeric_response("250ms", spec) == 250
        assert parse_numeric_response("250", spec) == 250

    def test_thousands_separators_and_the_minus_sign(self):
        assert parse_numeric_response("1,000", {}) == 1000
        assert parse_numeric_response("\u22122.5", {}) == Decimal("-2.5")

    @pytest.mark.parametrize(
        ("typed", "reason"),
        [
            ("", "Type a number"),
            ("   ", "Type a number"),
            ("four", "is not a number"),
            ("NaN", "is not a number"),
            ("inf", "is not a number"),
            ("²", "is not a number"),
            ("٤", "is not a number"),
            ("1e999", "without an exponent"),
            ("4,5", "Use a point for decimals: 4.5"),
            ("4.5 seconds", "digits only"),
            ("9" * 41, "too long"),
            ("9" * 30, "too large"),
            ("1.2.3", "is not a number"),
        ],
    )
    def test_it_rejects_what_is_not_a_number_saying_why(self, typed, reason):
        with pytest.raises(ResponseRejected, match=reason):
            parse_numeric_response(typed, {"value": "4.5", "unit": "ms"})

    def test_tolerance_is_absolute_or_relative(self):
        assert score_numeric(Decimal("4.54"), PERCENT) == 1
        assert score_numeric(Decimal("4.56"), PERCENT) == 0
        relative = {"value": "200", "relative_tolerance": "0.01"}
        assert score_numeric(Decimal("202"), relative) == 1
        assert score_numeric(Decimal("203"), relative) == 0

    def test_an_unreadable_answer_is_refused_not_scored_wrong(self):
        with pytest.raises(ResponseRejected):
            score("numeric", PERCENT, "four and a half")

    @given(st.text(max_size=45))
    def test_any_text_is_either_a_bounded_number_or_a_reason(self, typed):
        try:
            value = parse_numeric_response(typed, PERCENT)
        except ResponseRejected as exc:
            assert str(exc)
        else:
            assert value.is_finite() and abs(value) <= 10**15


class TestMultipleAnswer:
    def test_all_or_nothing_needs_exactly_the_right_set(self):
        assert score_multiple({"A", "C"}, ["A", "C"], "all-or-nothing") == 1
        assert score_multiple({"A"}, ["A", "C"], "all-or-nothing") == 0
        assert score_multiple({"A", "B", "C"}, ["A", "C"], "all-or-nothing") == 0

    def test_partial_credit_takes_wrong_ticks_away_from_right_ones(self):
        correct = ["A", "C", "D"]
        assert score_multiple({"A", "C", "D"}, correct, "partial") == 1
        assert score_multiple({"A", "C"}, correct, "partial") == Fraction(2, 3)
        assert score_multiple({"A", "C", "B"}, correct, "partial") == Fraction(1, 3)
        assert score_multiple({"A", "B", "E"}, correct, "partial") == 0  # never below zero
        assert score_multiple(set("ABCDE"), correct, "partial") == Fraction(1, 3)
        assert score_multiple(set(), correct, "partial") == 0

    def test_score_dispatches_on_the_type(self):
        answer = {"correct": ["A", "C"], "scoring": "partial"}
        assert score("multiple", answer, ["A"]) == Fraction(1, 2)
        assert score("single", {"correct": "B"}, "B") == 1


class TestOrdering:
    def test_the_exact_order_scores_one(self):
        assert score_ordering(list("ABCD"), list("ABCD"), "all-or-nothing") == 1
        assert score_ordering(list("ABDC"), list("ABCD"), "all-or-nothing") == 0

    def test_partial_credit_counts_neighbouring_pairs_kept_in_order(self):
        assert score_ordering(list("ABDC"), list("ABCD"), "partial") == Fraction(2, 3)
        assert score_ordering(list("DCBA"), list("ABCD"), "partial") == 0

    @pytest.mark.parametrize("submitted", [list("ABC"), list("ABCC"), list("ABCE"), []])
    def test_an_incomplete_order_is_refused(self, submitted):
        with pytest.raises(ValueError, match="every step exactly once"):
            score_ordering(submitted, list("ABCD"), "partial")
