"""Checks on shipped content of the Model Metrics & Evaluation section that the loader does not make."""

import html
import re

import pytest

from learnapp.catalog.loader import validate
from learnapp.catalog.variants import Template, fill

SECTION = "prompt-engineering-genai/model-metrics-evaluation"


@pytest.fixture(scope="module")
def patterns():
    from django.conf import settings

    tree = validate(settings.CONTENT_DIR)
    return {p.lesson.meta.slug: p for p in tree.patterns}


def _shown(question, option) -> str:
    # What a learner reads: markup stripped, and a template's placeholders filled for one variant.
    text = option.html
    if question.template:
        text = fill(text, Template.from_json(question.template).values(0))
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def keyed_is_longest_share(questions) -> float:
    singles = [q for q in questions if q.qtype == "single"]
    longest = 0
    for q in singles:
        keyed = next(o for o in q.options if o.letter == q.correct_letter)
        others = [len(_shown(q, o)) for o in q.options if o is not keyed]
        longest += len(_shown(q, keyed)) > max(others)
    return longest / len(singles)


class TestTokenUsageCostPattern:
    def test_it_follows_the_other_operational_patterns_of_the_section(self, patterns):
        pattern = patterns["token-usage-cost"]
        assert pattern.lesson.meta.order == 5
        siblings = [
            p
            for p in patterns.values()
            if p.lesson.meta.slug in {"rate-limit-utilisation", "latency-percentiles"}
        ]
        assert all(s.lesson.meta.order < 5 for s in siblings)
        headings = [entry.title for entry in pattern.lesson.toc]
        for expected in (
            "Which metric matters",
            "Tradeoff",
            "good",
            "pitfalls",
            "Self-check",
            "Key",
        ):
            assert any(expected in h for h in headings), (expected, headings)

    def test_it_ships_ten_practice_questions_and_a_pool_a_test_can_draw_from(self, patterns):
        pattern = patterns["token-usage-cost"]
        assert len(pattern.practice.questions) == 10
        pool = pattern.assessment
        assert len(pool.questions) >= 20
        assert pool.blueprint == {"easy": 3, "medium": 4, "hard": 3}
        assert {"multiple", "numeric", "ordering"} <= {q.qtype for q in pool.questions}
        templates = [q for q in pool.questions if q.template and q.qtype == "single"]
        assert len(templates) >= 2
        for q in templates:
            wrong = [o for o in q.options if o.letter != q.correct_letter]
            assert all(o.misconception for o in wrong), q.key

    def test_its_lesson_explains_the_usage_fields_and_says_its_prices_are_illustrative(
        self, patterns
    ):
        lesson = patterns["token-usage-cost"].lesson.html
        for field in ("prompt_tokens", "completion_tokens", "total_tokens"):
            assert field in lesson
        assert "not any vendor" in lesson
        # The sandbox prices its models with this table; tests/sandbox/test_usage.py holds the
        # sandbox's prices to it.
        assert "<code>sandbox-large</code> as Large" in lesson


@pytest.mark.parametrize(
    "slug, part",
    [
        ("api-key-management", "assessment"),
        ("token-usage-cost", "assessment"),
        ("token-usage-cost", "practice"),
    ],
)
def test_the_right_answer_is_not_given_away_by_being_the_longest_option(patterns, slug, part):
    # Test-wise learners pick the longest option; if it is the keyed one in most questions,
    # a score measures that habit rather than the lesson. The seed's own practice set is
    # kept word for word, so only the sets written around it are held to this.
    questions = getattr(patterns[slug], part).questions
    assert keyed_is_longest_share(questions) <= 0.4
