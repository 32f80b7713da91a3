"""A scan of every page a learner can reach while an assigned test is open, for its answers.

With the shipped content (pools with templates, numeric, multiple-answer and ordering items):
the learner has practised, taken a self-study test and an earlier attempt of the assignment,
then starts another. No page they can open (the lesson, every practice page of the pattern and
its hints and feedback, the open test's own pages, earlier results, review, the spaced review's
due cards as each is answered, progress, assigned, the sandbox) may hold the answer of an item of that open attempt: its worked solution steps, its
final answer, its quick check, its hint, or what its options' feedback says.
"""

import re

import pytest
from django.conf import settings

from learnapp.catalog.loader import load
from learnapp.catalog.models import Pattern
from learnapp.classes.models import Membership
from learnapp.learning.grading import attempt_items
from learnapp.learning.models import Attempt, AttemptItem
from learnapp.learning.presenting import review_entry
from tests.factories import AssignmentFactory, ClassroomFactory

pytestmark = pytest.mark.django_db

SLUG = "api-key-management"
# Shorter snippets (a bare "<p>401</p>") say nothing on their own and would match by chance.
MIN_LENGTH = 25


def secrets_of(attempt: Attempt) -> dict[str, str]:
    """What would give each item's answer away, as HTML the pages would contain: in the variant
    it shows, and in every other variant (seed) of the same question the learner was shown."""
    found = {}
    questions = [item.question_id for item in attempt.items.all()]
    same_questions = (
        AttemptItem.objects.filter(attempt__learner=attempt.learner, question_id__in=questions)
        .select_related("question_version", "question")
        .order_by("attempt_id", "number")
    )
    for item in same_questions:
        entry = review_entry(item, None)
        parts = [
            *entry["solution_steps"],
            entry["final_answer_html"],
            entry["quick_check_html"],
            entry["hint_html"],
            *(o["feedback_html"] for o in entry["options"]),
        ]
        for part in parts:
            if part and len(part) >= MIN_LENGTH:
                found[part] = f"question {item.number} ({item.question.key})"
    return found


def answer_everything(client, attempt: Attempt) -> None:
    """Answer each item with its first option (or 1): what is saved does not matter here."""
    for item in attempt_items(attempt):
        qtype = item.question_version.qtype
        data = {"number": item.number}
        if qtype == "single":
            data["choice"] = "A"
        elif qtype == "multiple":
            data["choices"] = ["A"]
        elif qtype == "numeric":
            data["value"] = "1"
        else:
            data["order"] = list("ABCDEFGH"[: len(item.option_order)])
        client.post(f"/tests/{attempt.pk}/answer/", data, HTTP_ACCEPT="application/json")


def reachable_pages(client, pattern: Pattern, open_attempt: Attempt, earlier: list[Attempt]):
    """(what, response) for every page of the learner's round while the attempt is open."""
    slug = pattern.slug
    yield "catalog", client.get("/")
    yield "lesson", client.get(f"/patterns/{slug}/")
    for number in range(1, 11):
        url = f"/patterns/{slug}/practice/{number}/"
        page = client.get(url)
        yield f"practice {number}", page
        yield f"practice {number} hint", client.post(f"{url}hint/", follow=True)
        token = re.search(r'name="form_token" value="([^"]+)"', page.content.decode())
        if token:
            for letter in "ABCD":
                yield (
                    f"practice {number} feedback {letter}",
                    client.post(url, {"form_token": token.group(1), "choice": letter}),
                )
    yield "test intro", client.get(f"/patterns/{slug}/test/")
    for number in range(1, open_attempt.total + 1):
        yield f"open test {number}", client.get(f"/tests/{open_attempt.pk}/q/{number}/")
    yield "open test submit page", client.get(f"/tests/{open_attempt.pk}/submit/")
    for attempt in earlier:
        yield f"result {attempt.pk}", client.get(f"/tests/{attempt.pk}/result/")
    yield "review my mistakes", client.get("/review/")
    yield from due_for_review(client)
    yield "progress", client.get("/progress/")
    yield "assigned", client.get("/assigned/")
    yield "sandbox", client.get("/sandbox/")


def due_for_review(client):
    """The spaced review's cards, each shown and answered (wrong) in turn, till none is due."""
    for turn in range(60):
        response = client.get("/review/due/")
        yield f"due for review {turn}", response
        page = response.content.decode()
        action = re.search(r'action="(/review/due/\d+/)"', page)
        if not action:
            return
        data = {"form_token": re.search(r'name="form_token" value="([^"]+)"', page).group(1)}
        qtype = re.search(r'data-qtype="(\w+)"', page)
        if qtype is None:
            data["recalled"] = "no"
        elif qtype.group(1) == "single":
            data["choice"] = "A"
        elif qtype.group(1) == "multiple":
            data["choices"] = ["A"]
        elif qtype.group(1) == "numeric":
            data["value"] = "1"
        else:
            data["order"] = sorted(set(re.findall(r'name="order" value="([A-Z])"', page)))
        yield f"due for review {turn} answered", client.post(action.group(1), data)
    raise AssertionError("the review session never ran out of due cards")


def test_no_page_reveals_an_answer_of_an_open_assigned_attempt(learner_client):
    load(settings.CONTENT_DIR)
    pattern = Pattern.objects.get(slug=SLUG)
    classroom = ClassroomFactory()
    Membership.objects.create(classroom=classroom, user=learner_client.user)
    assignment = AssignmentFactory(classroom=classroom, pattern=pattern, attempts_allowed=2)

    # Before: two self-study tests and a first attempt of the assignment, all submitted, with
    # results shown at once, between them asking most of the pool.
    earlier = []
    for _ in range(2):
        learner_client.post(f"/patterns/{SLUG}/test/")
        earlier.append(Attempt.objects.latest("pk"))
        answer_everything(learner_client, earlier[-1])
        learner_client.post(f"/tests/{earlier[-1].pk}/submit/")
    learner_client.post(f"/assignments/{assignment.pk}/start/")
    earlier.append(Attempt.objects.latest("pk"))
    answer_everything(learner_client, earlier[-1])
    learner_client.post(f"/tests/{earlier[-1].pk}/submit/")

    learner_client.post(f"/assignments/{assignment.pk}/start/")
    open_attempt = Attempt.objects.get(assignment=assignment, submitted_at__isnull=True)
    answer_everything(learner_client, open_attempt)
    secrets = secrets_of(open_attempt)
    asked_before = {item.question_id for attempt in earlier for item in attempt.items.all()} & {
        item.question_id for item in open_attempt.items.all()
    }
    # The scan means something only if earlier results did ask some of the same questions.
    assert asked_before and len(secrets) >= 20

    leaks = []
    pages = 0
    reviewed = []
    for what, response in reachable_pages(learner_client, pattern, open_attempt, earlier):
        assert response.status_code < 500, what
        if what.startswith("due for review"):
            reviewed.append(what)
        pages += 1
        page = response.content.decode()
        leaks += [f"{what}: {source}" for secret, source in secrets.items() if secret in page]
    assert pages > 60
    # The spaced review served cards (the earlier tests' misses), none of them of the open test.
    assert sum(1 for what in reviewed if what.endswith("answered")) >= 5
    assert leaks == []

    # The same earlier results do show those answers once the open attempt is submitted.
    learner_client.post(f"/tests/{open_attempt.pk}/submit/")
    shown = "".join(learner_client.get(f"/tests/{a.pk}/result/").content.decode() for a in earlier)
    assert any(secret in shown for secret in secrets)
