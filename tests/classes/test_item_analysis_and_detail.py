"""Item analysis, the learner's detail page and the CSV read each attempt's own draw."""

import csv
import io
from fractions import Fraction

import pytest

from learnapp.classes.gradebook import item_analysis
from learnapp.learning.models import Attempt
from tests.factories import UserFactory, shown_letter

pytestmark = pytest.mark.django_db


def take(client, assignment, choices: dict[int, str] | None = None, extra: dict | None = None):
    """Start, answer by canonical letter (B is right) as this attempt shows it, and submit."""
    client.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.latest("pk")
    for number, canonical in (choices or {}).items():
        client.post(
            f"/tests/{attempt.pk}/answer/",
            {"number": number, "choice": shown_letter(attempt, number, canonical)},
            HTTP_ACCEPT="application/json",
        )
    for number, data in (extra or {}).items():
        client.post(
            f"/tests/{attempt.pk}/answer/",
            {"number": number, **data},
            HTTP_ACCEPT="application/json",
        )
    client.post(f"/tests/{attempt.pk}/submit/")
    return attempt


def test_the_most_chosen_wrong_answer_is_named_by_its_text_whatever_letter_each_saw(
    people, classroom, assignment, as_user
):
    from learnapp.classes.models import Membership

    users = UserFactory.create_batch(6)
    Membership.objects.bulk_create([Membership(classroom=classroom, user=u) for u in users])
    attempts = [
        take(as_user(user), assignment, {1: "C" if n < 4 else "A"}) for n, user in enumerate(users)
    ]
    # Six learners saw option C of question 1 under various letters.
    assert len({shown_letter(a, 1, "C") for a in attempts}) > 1
    first = item_analysis(assignment)[0]
    assert first.most_chosen_wrong == ("Option C of 1", 4)
    page = as_user(people["instructor_x"]).get(f"/assignments/{assignment.pk}/items/")
    html = page.content.decode()
    # Every option by its text, with how many chose it, the right one marked.
    first_row = html[html.index("Stem of question 1") : html.index("Stem of question 2")]
    for text, chosen in [("Option A of 1", 2), ("Option B of 1", 0), ("Option C of 1", 4)]:
        assert f'<span class="option-text">{text}' in first_row
        after = first_row[first_row.index(f'<span class="option-text">{text}') :]
        assert (
            f'<span class="option-chosen">{chosen} learner{"" if chosen == 1 else "s"}'
            in (after[: after.index("</li>")])
        )
    right = first_row[first_row.index("Option B of 1") :]
    assert "right answer" in right[: right.index("</li>")]
    assert [(o.text, o.correct, o.chosen) for o in first.options] == [
        ("Option A of 1", False, 2),
        ("Option B of 1", True, 0),
        ("Option C of 1", False, 4),
        ("Option D of 1", False, 0),
    ]


def test_the_learner_detail_shows_answers_in_the_letters_the_learner_saw(
    people, assignment, as_user
):
    attempt = take(as_user(people["learner_a"]), assignment, {1: "B", 2: "D"})
    page = (
        as_user(people["instructor_x"])
        .get(f"/classes/{assignment.classroom.pk}/learners/{people['learner_a'].pk}/")
        .content.decode()
    )
    # The letter they saw, then what it said: an instructor reads the option, not a letter.
    one = shown_letter(attempt, 1, "B")
    two = shown_letter(attempt, 2, "D")
    assert f'<td>{one}<span class="muted">: Option B of 1</span></td>' in page
    assert f'<td>{two}<span class="muted">: Option D of 2</span></td>' in page
    assert "✓ Right" in page and "✗ Wrong" in page and "Not answered" in page


def test_partial_credit_reaches_the_gradebook_and_csv_as_a_number(people, assignment, as_user):
    version = assignment.pattern.questions.get(position=1).current_version
    version.qtype, version.correct_letter = "multiple", ""
    version.answer_spec = {"correct": ["A", "B"], "scoring": "partial"}
    version.save()
    learner = as_user(people["learner_a"])
    learner.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.latest("pk")
    learner.post(
        f"/tests/{attempt.pk}/answer/",
        {"number": 1, "choices": [shown_letter(attempt, 1, "A")]},
        HTTP_ACCEPT="application/json",
    )
    for number in range(2, 9):
        learner.post(
            f"/tests/{attempt.pk}/answer/",
            {"number": number, "choice": shown_letter(attempt, number, "B")},
            HTTP_ACCEPT="application/json",
        )
    learner.post(f"/tests/{attempt.pk}/submit/")
    attempt.refresh_from_db()
    assert attempt.score == Fraction(15, 2)
    instructor = as_user(people["instructor_x"])
    classroom = assignment.classroom
    assert "7.5/10" in instructor.get(f"/classes/{classroom.pk}/gradebook/").content.decode()
    response = instructor.get(f"/classes/{classroom.pk}/gradebook.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    learner_row = next(row for row in rows if row[0] == "learner_a")
    assert learner_row[3:6] == ["7.5", "10", "75.0"]
    detail = instructor.get(
        f"/classes/{classroom.pk}/learners/{people['learner_a'].pk}/"
    ).content.decode()
    assert "7.5 / 10" in detail and "◐ 0.5 of 1" in detail


def test_a_template_stem_names_its_values_instead_of_showing_placeholders(
    people, assignment, as_user
):
    from learnapp.catalog.models import QuestionVersion

    take(as_user(people["learner_a"]), assignment, {1: "B"})
    first = item_analysis(assignment)[0]
    QuestionVersion.objects.filter(pk=first.version.pk).update(
        stem_html="<p>Of {{total}} requests, {{expired:,}} used an expired key.</p>"
    )
    page = as_user(people["instructor_x"]).get(f"/assignments/{assignment.pk}/items/")
    html = page.content.decode()
    assert "<var>total</var> requests, <var>expired</var> used" in html
    assert "{{" not in html


def test_the_learner_detail_shows_the_learner_s_own_values_of_a_template(
    people, assignment, as_user
):
    """The attempt keeps its draw's seed: the instructor reads the numbers the learner saw,
    never "{total}" or the value's name."""
    from learnapp.catalog.models import QuestionVersion
    from learnapp.catalog.variants import variant

    from .test_instructor_fixes import TEMPLATE

    learner = as_user(people["learner_a"])
    learner.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.latest("pk")
    item = attempt.items.get(number=1)
    QuestionVersion.objects.filter(pk=item.question_version_id).update(
        stem_html="<p>The log shows {{valid}} valid requests.</p>", template=TEMPLATE
    )
    pages = {}
    for seed in (3, 4):
        item.seed = seed
        item.save(update_fields=["seed"])
        pages[seed] = (
            as_user(people["instructor_x"])
            .get(f"/classes/{assignment.classroom.pk}/learners/{people['learner_a'].pk}/")
            .content.decode()
        )
    version = QuestionVersion.objects.get(pk=item.question_version_id)
    for seed, page in pages.items():
        valid = variant(version, seed).values["valid"]
        assert f"1. The log shows {valid} valid requests." in page
        assert "{" not in page.split("<main", 1)[1].split("</main>")[0]
        assert "valid valid" not in page
    assert variant(version, 3).values != variant(version, 4).values
