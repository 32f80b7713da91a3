"""Question quality in the shipped content: difficulty labels that match the questions, "correct
way" stems that name their standard, and lesson headings that the lesson explains."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from learnapp.catalog.loader import FoundPattern, empty_heading_warnings, validate
from learnapp.catalog.parsing import parse_assessment, parse_lesson, parse_practice

from .conftest import edit

TRACK = Path("prompt-engineering-genai")
API_KEY = TRACK / "model-metrics-evaluation/api-key-management"
# The practice sets whose labels were read question by question (see TestDifficultyLabels).
REVIEWED = [
    TRACK / "calling-model-apis/auth-headers-status-codes",
    TRACK / "calling-model-apis/rate-limits-key-rotation",
    API_KEY,
    TRACK / "model-metrics-evaluation/error-rate-error-budget",
    TRACK / "model-metrics-evaluation/latency-percentiles",
    TRACK / "model-metrics-evaluation/rate-limit-utilisation",
    TRACK / "model-metrics-evaluation/token-usage-cost",
]


def content(path: Path) -> Path:
    return Path(settings.CONTENT_DIR) / path


def practice(folder: Path):
    return parse_practice(str(folder / "practice.md"), content(folder / "practice.md").read_text())


class TestDifficultyLabels:
    """Easy asks for one fact or one direct step; medium applies a rule to a case; hard combines
    several steps or criteria. The worked solution shows how many steps a question takes."""

    @pytest.mark.parametrize("folder", REVIEWED, ids=lambda p: p.name)
    def test_hard_questions_take_at_least_three_steps(self, folder):
        for question in practice(folder).questions:
            steps = len(question.solution_steps)
            if question.difficulty == "hard":
                assert steps >= 3, f"{question.key} is labelled hard but its solution has {steps}"

    # What each question of the seed's set asks of a learner, read one by one:
    # recall = one fact; apply = one rule on a given case, or a choice between two plausible
    # answers; combine = several figures or criteria weighed together.
    SEED_SET_DEMAND = {
        "akm-purpose": "recall",
        "akm-header-format": "recall",
        # The stem says the key is valid and the request succeeds: 200 is recalled, not worked out.
        "akm-status-200": "recall",
        "akm-401-cause": "apply",
        # Two of its three wrong options (keep the key forever, post it publicly) tempt nobody;
        # what is left is one choice of order: create first or delete first.
        "akm-rotation": "apply",
        "akm-success-rate": "recall",
        "akm-invalid-rate-threshold": "apply",
        "akm-key-in-logs": "combine",
        "akm-small-spike": "combine",
        "akm-unauthorized-use": "combine",
    }
    LABEL = {"recall": "easy", "apply": "medium", "combine": "hard"}

    def test_the_seed_sets_labels_match_what_each_question_asks(self):
        labels = {q.key: q.difficulty for q in practice(API_KEY).questions}
        assert labels == {key: self.LABEL[d] for key, d in self.SEED_SET_DEMAND.items()}

    def test_no_question_is_labelled_easier_than_one_that_asks_less(self):
        order = ["recall", "apply", "combine"]
        rank = {"easy": 0, "medium": 1, "hard": 2}
        questions = practice(API_KEY).questions
        for a in questions:
            for b in questions:
                if order.index(self.SEED_SET_DEMAND[a.key]) < order.index(
                    self.SEED_SET_DEMAND[b.key]
                ):
                    assert rank[a.difficulty] <= rank[b.difficulty], (a.key, b.key)


def question_files():
    for path in sorted(Path(settings.CONTENT_DIR).glob("*/*/*/*.md")):
        if path.name == "practice.md":
            yield path, parse_practice
        elif path.name == "assessment.md":
            yield path, parse_assessment


_CORRECT_WAY = re.compile(r"\b(correct|right|proper|standard) way\b", re.IGNORECASE)


class TestCorrectWayStems:
    def test_every_correct_way_stem_or_its_solution_names_the_standard_and_other_headers(self):
        found = []
        for path, parse in question_files():
            try:
                questions = parse(str(path), path.read_text()).questions
            except Exception:  # a file another change is still writing; the loader reports it
                continue
            for question in questions:
                if not _CORRECT_WAY.search(question.stem_html):
                    continue
                found.append(question.key)
                text = " ".join([question.stem_html, *question.solution_steps])
                assert "RFC 6750" in text, question.key
                assert "x-api-key" in text, question.key
        assert "akm-header-format" in found  # the seed's own stem, kept word for word

    def test_the_seed_stem_is_kept_word_for_word(self):
        text = content(API_KEY / "practice.md").read_text()
        assert (
            "Which of the following is the correct way to include an API key in a request header?"
            in text
        )


class TestLessonHeadings:
    def test_the_seed_lesson_explains_overfitting_monitoring_beyond_its_list_line(self):
        path = content(API_KEY / "lesson.md")
        html = parse_lesson(str(path), path.read_text()).html
        paragraphs = re.findall(r"<p>(.*?)</p>", html, re.DOTALL)
        explained = [p for p in paragraphs if "overfitting monitoring" in p.lower()]
        assert explained, "the lesson names 'Overfitting monitoring' but never explains it"
        assert "noise" in explained[0]  # what overfitting means, said of a metric
        # The seed's own line stays as it was.
        assert (
            "- **Overfitting monitoring:** Overreacting to small spikes in invalid keys without "
            "context." in path.read_text()
        )

    @pytest.mark.parametrize(
        "path",
        sorted(Path(settings.CONTENT_DIR).glob("*/*/*/lesson.md")),
        ids=lambda p: p.parent.name,
    )
    def test_every_shipped_lesson_heading_has_text_under_it(self, path):
        found = FoundPattern(str(path.parent), "", "", "", path.read_text(), "")
        assert empty_heading_warnings(found) == []


class TestEmptyHeadingWarning:
    LESSON = "track-1/section-1/pattern-1/lesson.md"

    def lesson_line(self, tree, text: str) -> int:
        return (tree / self.LESSON).read_text().splitlines().index(text) + 1

    def test_a_heading_straight_before_another_is_a_warning_with_file_and_line(self, tree):
        edit(tree / self.LESSON, "## How it works\n", "## How it works\n\n### Details\n\n")
        (warning,) = validate(tree).warnings
        assert warning.path == f"content/{self.LESSON}"
        assert warning.line == self.lesson_line(tree, "## How it works")
        assert "'## How it works' has no text before the next heading" in warning.message

    def test_a_heading_at_the_end_of_the_lesson_is_a_warning(self, tree):
        with (tree / self.LESSON).open("a") as lesson:
            lesson.write("\n## Further reading\n\n")
        (warning,) = validate(tree).warnings
        assert warning.line == self.lesson_line(tree, "## Further reading")
        assert "before the end of the lesson" in warning.message

    def test_headings_with_text_code_or_a_block_under_them_are_fine(self, tree):
        # '## How it works' is followed by a code block; a '#' comment in code is no heading.
        edit(tree / self.LESSON, "import requests\n", "# a comment\nimport requests\n")
        edit(tree / self.LESSON, "::: self-check\n", "## Check yourself\n\n::: self-check\n")
        assert validate(tree).warnings == []

    def test_a_warning_does_not_stop_the_load(self, tree, db):
        from learnapp.catalog.loader import load

        edit(tree / self.LESSON, "## How it works\n", "## How it works\n\n### Details\n\n")
        summary = load(tree)
        assert summary.added["patterns"] == 3 and len(summary.warnings) == 1
