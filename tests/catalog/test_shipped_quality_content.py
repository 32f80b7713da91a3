"""The section's later patterns (retries, key hygiene, extraction scores, judge agreement) and
the loader's warning about right answers that give themselves away by their length."""

import re

import pytest
from django.core.management import call_command

from learnapp.catalog.loader import load, validate

PATTERN = "track-1/section-1/pattern-1"


def lengthen_right_options(tree, count: int) -> None:
    """Make the keyed option of the first `count` practice questions the longest one."""
    path = tree / PATTERN / "practice.md"
    text = path.read_text()
    for n in range(1, count + 1):
        text = re.sub(
            rf"(- \[x\] Option text [A-D] for t1-s1-p1-q{n})\n",
            r"\1, said at greater length than the rest\n",
            text,
        )
    path.write_text(text)


class TestLongestOptionWarning:
    def test_it_warns_with_file_and_line_when_over_40_percent(self, tree):
        lengthen_right_options(tree, 5)
        found = validate(tree)
        (warning,) = found.warnings
        assert warning.path == f"content/{PATTERN}/practice.md"
        assert warning.line == 1 + (tree / PATTERN / "practice.md").read_text().splitlines().index(
            "## Question 1"
        )
        assert "5 of 10" in warning.message and "50%" in warning.message

    def test_four_in_ten_is_not_over_the_line(self, tree):
        lengthen_right_options(tree, 4)
        assert validate(tree).warnings == []

    def test_an_option_as_long_as_the_right_one_is_not_shorter(self, tree):
        # "Strictly longest": a tie gives nothing away.
        path = tree / PATTERN / "practice.md"
        lengthen_right_options(tree, 5)
        text = path.read_text()
        for n in range(1, 6):
            text = re.sub(
                rf"(- \[ \] Option text [A-D] for t1-s1-p1-q{n})\n",
                r"\1, said at greater length than the rest\n",
                text,
                count=1,
            )
        path.write_text(text)
        assert validate(tree).warnings == []

    def test_a_warning_does_not_stop_the_load(self, tree, db, capsys):
        lengthen_right_options(tree, 6)
        summary = load(tree)
        assert summary.added["patterns"] == 3
        assert len(summary.warnings) == 1
        call_command("loadcontent", str(tree), check=True)
        captured = capsys.readouterr()
        assert f"content/{PATTERN}/practice.md:" in captured.err
        assert "warning: the right option is the strictly longest in 6 of 10" in captured.err
        assert "1 warning(s)" in captured.out


@pytest.fixture(scope="module")
def patterns():
    from django.conf import settings

    tree = validate(settings.CONTENT_DIR)
    return tree, {p.lesson.meta.slug: p for p in tree.patterns}


NEW_PATTERNS = {
    "retry-amplification-backoff": 6,
    "extraction-exact-match-f1": 8,
    "llm-judge-agreement": 9,
}


@pytest.mark.parametrize("slug, order", NEW_PATTERNS.items())
def test_the_new_patterns_follow_the_seeds_structure(patterns, slug, order):
    tree, by_slug = patterns
    pattern = by_slug[slug]
    assert pattern.lesson.meta.order == order
    headings = " | ".join(entry.title for entry in pattern.lesson.toc)
    for expected in ("Which metric matters", "Tradeoff", "good", "pitfalls", "Self-check", "Key"):
        assert expected in headings, (expected, headings)
    assert len(pattern.practice.questions) == 10
    assert len(pattern.assessment.questions) >= 20
    assert {"multiple", "numeric", "ordering"} <= {q.qtype for q in pattern.assessment.questions}
    templates = [q for q in pattern.assessment.questions if q.template and q.qtype == "single"]
    assert len(templates) >= 2
    # Neither set gives its answers away by their length (the loader's warning).
    assert not [w for w in tree.warnings if f"/{pattern.path.split('/')[-1]}/" in w.path + "/"]
