"""A lesson is marked read only when the learner says so."""

import re

import pytest

from learnapp.learning.models import LessonRead

pytestmark = pytest.mark.django_db


def mark_read_form(page: str) -> str:
    match = re.search(r'<form[^>]*action="/patterns/keys/read/"[^>]*>', page)
    assert match, "the lesson offers a 'Mark the lesson as read' form"
    return match.group(0)


def test_reading_the_lesson_page_does_not_mark_it_read(learner_client, pattern):
    page = learner_client.get(pattern.get_absolute_url()).content.decode()
    form = mark_read_form(page)
    # htmx's default trigger for a form is its submit; "revealed", "intersect" or "load" would
    # post as soon as the button scrolls into view.
    trigger = re.search(r'hx-trigger="([^"]*)"', form)
    assert trigger is None or trigger.group(1).strip() == "submit", form
    assert "Mark the lesson as read" in page
    assert not LessonRead.objects.exists()


@pytest.mark.parametrize("htmx", [True, False])
def test_pressing_the_button_marks_the_lesson_read(learner_client, pattern, htmx):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = learner_client.post("/patterns/keys/read/", **headers)
    assert response.status_code == (200 if htmx else 302)
    assert LessonRead.objects.filter(learner__user=learner_client.user, pattern=pattern).exists()
    assert "Lesson read" in learner_client.get(pattern.get_absolute_url()).content.decode()


def test_marking_read_is_post_only(learner_client, pattern):
    assert learner_client.get("/patterns/keys/read/").status_code == 405
    assert not LessonRead.objects.exists()
