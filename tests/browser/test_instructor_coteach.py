"""Co-teaching in Chromium: an instructor adds a co-teacher on the class page (a mistake is said
under the field), the co-teacher arrives on a landing page listing the class and works in its
gradebook and item analysis, where each option is named by its text with how many chose it.
Every page axe-clean, at desktop and phone width.

Set LEARNAPP_SCREENSHOTS to a folder to keep a screenshot of each page at both widths.
"""

import os
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import expect

from learnapp.classes.models import Assignment, ClassTeacher, Membership
from learnapp.learning.models import Attempt
from tests.factories import ClassroomFactory, UserFactory, make_instructor, make_question_set

from .conftest import serious_accessibility_violations
from .test_classes import PASSWORD, log_in
from .test_polish_phone import says_it_scrolls

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = os.environ.get("LEARNAPP_SCREENSHOTS", "")


def _check(page, name: str) -> None:
    """axe-clean and no wider than the window, at both widths; a screenshot of each if asked."""
    for label, size in (("1280", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        assert serious_accessibility_violations(page) == [], (name, label)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
            name,
            label,
        )
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SHOTS) / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def _submit(user, assignment, choices: dict[int, str]) -> None:
    """A learner takes the quiz over HTTP, choosing canonical letters as their draw shows them."""
    client = Client()
    client.force_login(user)
    client.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.filter(learner__user=user).latest("pk")
    for number, canonical in choices.items():
        item = attempt.items.get(number=number)
        shown = "ABCD"[item.option_order.index(canonical)]
        client.post(
            f"/tests/{attempt.pk}/answer/",
            {"number": number, "choice": shown},
            HTTP_ACCEPT="application/json",
        )
    client.post(f"/tests/{attempt.pk}/submit/")


def test_a_co_teacher_is_added_and_works_in_the_class(browser, live_server):
    ivy = make_instructor(username="ivy")
    make_instructor(username="cole", email="cole@school.example")
    classroom = ClassroomFactory(instructor=ivy, name="Keys 101")
    _pattern, versions = make_question_set(slug="keys", title="Keys")
    quiz = Assignment.objects.create(
        classroom=classroom,
        title="Friday quiz",
        question_ids=[versions[0].question_id, versions[1].question_id],
        opens_at=classroom.created_at,
        due_at=classroom.created_at.replace(year=2098),
        closes_at=classroom.created_at.replace(year=2098),
    )
    learners = [UserFactory(username=f"learner{n}") for n in range(3)]
    for user in learners:
        user.set_password(PASSWORD)
        user.save()
        Membership.objects.create(classroom=classroom, user=user)
    _submit(learners[0], quiz, {1: "B", 2: "B"})
    _submit(learners[1], quiz, {1: "C", 2: "B"})
    _submit(learners[2], quiz, {1: "C", 2: "A"})

    teacher = log_in(browser, live_server, "ivy")
    teacher.goto(f"/classes/{classroom.pk}/")
    section = teacher.get_by_role("region", name="Teachers")
    expect(section).to_contain_text("ivy")
    section.get_by_label("User name or email").fill("nobody@school.example")
    section.get_by_role("button", name="Add a co-teacher").click()
    field = teacher.get_by_role("region", name="Teachers").get_by_label("User name or email")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(
        teacher.get_by_text("No account is called or uses nobody@school.example.")
    ).to_be_visible()
    assert serious_accessibility_violations(teacher) == []
    field.fill("cole@school.example")
    teacher.get_by_role("button", name="Add a co-teacher").click()
    expect(teacher.get_by_text("now teaches “Keys 101” with you")).to_be_visible()
    expect(teacher.get_by_role("region", name="Teachers")).to_contain_text("cole")
    assert ClassTeacher.objects.filter(classroom=classroom, user__username="cole").exists()
    _check(teacher, "class-page")

    cole = log_in(browser, live_server, "cole")
    expect(cole.get_by_role("heading", name="Your classes today")).to_be_visible()
    expect(cole.get_by_role("link", name="Keys 101").first).to_be_visible()
    _check(cole, "landing-page")
    cole.goto(f"/classes/{classroom.pk}/gradebook/")
    expect(cole.get_by_role("heading", name="Gradebook")).to_be_visible()
    expect(cole.locator("table")).to_contain_text("learner2")
    _check(cole, "gradebook")

    cole.goto(f"/assignments/{quiz.pk}/items/")
    first = cole.locator("tbody tr").first
    options = first.locator(".option-counts li")
    expect(options).to_have_count(4)
    expect(options.nth(1)).to_contain_text("Option B of 1")
    expect(options.nth(1)).to_contain_text("right answer")
    expect(options.nth(1)).to_contain_text("1 learner")
    expect(options.nth(2)).to_contain_text("Option C of 1")
    expect(options.nth(2)).to_contain_text("2 learners")
    _check(cole, "item-analysis")
    cole.set_viewport_size(PHONE)
    says_it_scrolls(cole, "Item analysis")
    cole.set_viewport_size(DESKTOP)

    # The co-teacher moves the due time for everyone (attempts already in are untouched).
    cole.goto(f"/assignments/{quiz.pk}/")
    everyone = cole.get_by_role("form", name="Extend for everyone")
    everyone.get_by_label("New due time").fill("2098-06-01T12:00")
    everyone.get_by_label("New close time").fill("2098-06-02T12:00")
    everyone.get_by_role("button", name="Extend for everyone").click()
    expect(cole.get_by_text("Everyone now has until 01 Jun 12:00")).to_be_visible()
    quiz.refresh_from_db()
    assert (quiz.due_at.month, quiz.due_at.day, quiz.closes_at.day) == (6, 1, 2)
    assert serious_accessibility_violations(cole) == []

    # Someone who does not teach the class finds nothing there.
    make_instructor(username="stranger")
    stranger = log_in(browser, live_server, "stranger")
    response = stranger.goto(f"/classes/{classroom.pk}/gradebook/")
    assert response.status == 404
