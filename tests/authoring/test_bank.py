"""An instructor's own questions: stored as catalog questions with an owner, versioned, private."""

import pytest

from learnapp.authoring import bank
from learnapp.catalog.loader import load
from learnapp.catalog.models import Question
from learnapp.catalog.parsing import ContentErrors
from learnapp.catalog.sample_tree import write_tree
from learnapp.classes.forms import AssignmentForm
from learnapp.learning.draw import draw_for_pattern

from .conftest import BROKEN, GOOD


def test_a_saved_question_is_the_instructors_and_asked_only_in_their_quizzes(cast):
    question = bank.save_question(cast["teacher"], cast["pattern"], GOOD)

    assert question.owner == cast["teacher"]
    assert list(bank.questions_for(cast["teacher"])) == [question]
    assert list(bank.questions_for(cast["other"])) == []
    assert list(bank.questions_for(cast["learner"])) == []
    # Practice and pattern tests draw from their own pools, never from an instructor's bank.
    assert not Question.objects.practice().filter(pk=question.pk).exists()
    assert not Question.objects.assessment().filter(pk=question.pk).exists()


def test_a_question_with_a_problem_is_refused_with_its_line_and_nothing_is_saved(cast):
    with pytest.raises(ContentErrors) as caught:
        bank.save_question(cast["teacher"], cast["pattern"], BROKEN)

    assert [(e.line, e.message) for e in caught.value.errors] == [
        (7, "exactly one option must be marked '- [x]' as correct; found none")
    ]
    assert not Question.objects.filter(owner=cast["teacher"]).exists()


def test_editing_makes_a_new_version_and_the_old_one_stays(cast):
    question = bank.save_question(cast["teacher"], cast["pattern"], GOOD)
    first = question.current_version

    bank.save_question(cast["teacher"], cast["pattern"], GOOD, question)  # unchanged
    question.refresh_from_db()
    assert question.current_version == first

    edited = GOOD.replace("Which header", "Which request header")
    bank.save_question(cast["teacher"], cast["pattern"], edited, question)
    question.refresh_from_db()
    assert question.current_version.number == 2
    assert "Which request header" in question.current_version.stem_html
    assert list(question.versions.order_by("number")) == [first, question.current_version]
    assert bank.source_of(question) == edited


def test_an_id_can_be_used_once_per_instructor_but_by_every_instructor(cast):
    bank.save_question(cast["teacher"], cast["pattern"], GOOD)
    with pytest.raises(ContentErrors, match="already have a question with id 'header-choice'"):
        bank.save_question(cast["teacher"], cast["pattern"], GOOD)

    theirs = bank.save_question(cast["other"], cast["pattern"], GOOD)
    assert theirs.owner == cast["other"]


def test_the_assignment_pickers_bank_holds_only_the_class_instructors_questions(cast):
    mine = bank.save_question(cast["teacher"], cast["pattern"], GOOD)
    theirs = bank.save_question(cast["other"], cast["pattern"], GOOD)
    from tests.factories import ClassroomFactory

    form = AssignmentForm(classroom=cast["classroom"])
    choices = set(form.fields["questions"].queryset)
    assert mine in choices
    assert theirs not in choices

    other_form = AssignmentForm(classroom=ClassroomFactory(instructor=cast["other"]))
    assert mine not in set(other_form.fields["questions"].queryset)


def test_loading_content_never_touches_instructors_questions(cast, tmp_path, settings):
    root = tmp_path / "content"
    write_tree(root, patterns=1, pools=True)
    load(root)
    pattern = Question.objects.from_content().first().pattern
    question = bank.save_question(cast["teacher"], pattern, GOOD)
    version = question.current_version

    # Loading again, and after the pattern's practice set changes, keeps the question as it was.
    load(root)
    practice = next(root.rglob("practice.md"))
    practice.write_text(practice.read_text().replace("?", "? ", 1))
    load(root)
    question.refresh_from_db()
    assert question.retired_at is None
    assert question.current_version == version
    assert question.pattern == pattern


def test_a_pattern_test_never_draws_an_instructors_question(cast):
    from tests.factories import make_question_set

    pattern, _ = make_question_set(slug="drawn", title="Drawn")
    question = bank.save_question(cast["teacher"], pattern, GOOD)
    from learnapp.learning.models import Learner

    learner, _ = Learner.objects.get_or_create(user=cast["learner"])
    picked, _ = draw_for_pattern(learner, pattern)
    assert question.pk not in {item.question_id for item in picked}
