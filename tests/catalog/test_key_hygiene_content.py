"""The key hygiene and least privilege pattern: the seed's structure, a full practice set and
pool, answers not given away by their length, and a lesson whose figures add up."""

import html
import re
import statistics

import pytest

from learnapp.catalog.loader import validate
from learnapp.catalog.variants import Template, fill

SLUG = "key-hygiene-least-privilege"
FOLDER = f"/{SLUG}/"


@pytest.fixture(scope="module")
def tree():
    from django.conf import settings

    return validate(settings.CONTENT_DIR)


@pytest.fixture(scope="module")
def pattern(tree):
    (found,) = [p for p in tree.patterns if p.lesson.meta.slug == SLUG]
    return found


def shown(question, option) -> str:
    # What a learner reads: markup stripped, a template filled for one variant.
    text = option.html
    if question.template:
        text = fill(text, Template.from_json(question.template).values(0))
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def keyed_is_longest_share(questions) -> float:
    singles = [q for q in questions if q.qtype == "single"]
    longest = 0
    for q in singles:
        keyed = next(o for o in q.options if o.letter == q.correct_letter)
        others = [len(shown(q, o)) for o in q.options if o is not keyed]
        longest += len(shown(q, keyed)) > max(others)
    return longest / len(singles)


def plain(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def test_it_is_the_seventh_pattern_of_the_section_in_the_seeds_structure(tree, pattern):
    assert pattern.lesson.meta.order == 7
    siblings = [p for p in tree.patterns if p.section_path == pattern.section_path]
    assert sorted(p.lesson.meta.order for p in siblings).count(7) == 1
    headings = " | ".join(entry.title for entry in pattern.lesson.toc)
    for expected in ("Which metric matters", "Tradeoff", "good", "pitfalls", "Self-check", "Key"):
        assert expected in headings, (expected, headings)
    assert "instead of a confusion matrix" in headings  # the table or its equivalent
    assert "::: self-check" in pattern.lesson_text


def test_ten_practice_questions_of_every_difficulty_with_every_field(pattern):
    questions = pattern.practice.questions
    assert len(questions) == 10
    assert {q.difficulty for q in questions} == {"easy", "medium", "hard"}
    for q in questions:
        assert q.solution_steps and q.final_answer_html and q.quick_check_html, q.key
        assert q.hints and q.common_mistakes, q.key
        if q.qtype == "single":
            assert 3 <= len(q.options) <= 5, q.key


def test_a_pool_a_test_can_draw_from_with_templates_that_name_their_mistakes(pattern):
    pool = pattern.assessment
    assert len(pool.questions) >= 20
    assert pool.blueprint == {"easy": 3, "medium": 4, "hard": 3}
    assert {"single", "multiple", "numeric", "ordering"} <= {q.qtype for q in pool.questions}
    templates = [q for q in pool.questions if q.template and q.qtype == "single"]
    assert len(templates) >= 2
    for q in templates:
        wrong = [o for o in q.options if o.letter != q.correct_letter]
        assert all(o.misconception for o in wrong), q.key
    ids = {q.key for q in pool.questions} | {q.key for q in pattern.practice.questions}
    assert all(i.startswith("khl-") for i in ids)


def test_no_pool_stem_repeats_a_practice_stem(pattern):
    practice = {plain(q.stem_html).strip() for q in pattern.practice.questions}
    for q in pattern.assessment.questions:
        stem = plain(q.stem_html).strip()
        if q.template:
            stem = fill(stem, Template.from_json(q.template).values(0))
        assert stem not in practice, q.key


@pytest.mark.parametrize("part", ["practice", "assessment"])
def test_the_right_answer_is_not_given_away_by_its_length(tree, pattern, part):
    questions = getattr(pattern, part).questions
    assert keyed_is_longest_share(questions) <= 0.4
    assert not [w for w in tree.warnings if FOLDER in w.path]


def test_the_lesson_cites_its_standards_and_calls_the_policy_an_organisations(pattern):
    lesson = plain(pattern.lesson.html)
    for source in (
        "RFC 6750 §3.1",
        "NIST SP 800-57 Part 1",
        "OWASP Secrets Management Cheat Sheet",
    ):
        assert source in lesson, source
    assert "not a law" in lesson
    assert "insufficient_scope" in lesson and "403" in lesson


def _table(text: str, header_start: str) -> list[list[str]]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_the_inventorys_figures_are_the_ones_the_lesson_states(pattern):
    text = pattern.lesson_text
    rows = _table(text, "| Key | Age (days)")
    ages = [int(r[1]) for r in rows]
    overdue = sum(age > 90 for age in ages)
    covered = sum(r[2] == r[3] for r in rows)
    assert statistics.median(ages) == 75 and max(ages) == 400
    assert f"{overdue} of {len(ages)} = **{round(100 * overdue / len(ages))}%**" in text
    assert f"{covered} of {len(ages)} keys hold only what they use: **" in text
    assert f"**{round(100 * covered / len(ages))}%**" in text
    # The verdict: bad on the oldest key (over 180 days), the overdue share and the coverage.
    assert max(ages) > 180 and overdue / len(ages) > 0.10 and covered / len(ages) < 0.80


def test_the_overlap_table_reaches_zero_before_the_day_it_says_to_revoke(pattern):
    rows = _table(pattern.lesson_text, "| Day | Old key's share")
    for day, share, old, new in rows:
        new, old = int(new.replace(",", "")), int(old.replace(",", ""))
        assert f"{100 * old / (new + old):g}%" == share, day
    first_zero = next(int(r[0]) for r in rows if r[1] == "0%")
    assert f"revoked at the end of day {first_zero}" in pattern.lesson_text


def test_the_self_checks_answer_adds_up(pattern):
    text = pattern.lesson_text
    question = text[text.index("::: self-check") : text.index("::: answer")]
    listed = re.search(r"keys are ([\d, ]+) and (\d+) days old", question)
    ages = [int(a) for a in listed.group(1).split(", ")] + [int(listed.group(2))]
    answer = text[text.index("::: answer") :]
    assert f"= {statistics.median(ages):g} days" in answer
    assert f"the oldest key is {max(ages)} days" in answer
    overdue = sum(a > 90 for a in ages)
    assert (
        f"{overdue} of {len(ages)} keys ({round(100 * overdue / len(ages))}%) are overdue" in answer
    )
