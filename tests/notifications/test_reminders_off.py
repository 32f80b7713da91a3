"""The "turn reminder emails off" link in every reminder works without logging in."""

import pytest
from django.core import mail, signing
from django.utils import timezone

from learnapp.accounts.models import Profile
from learnapp.accounts.profiles import reminders_off_token
from learnapp.classes.models import Membership
from learnapp.notifications.reminders import send_due_reminders
from tests.factories import AssignmentFactory, ClassroomFactory, UserFactory

pytestmark = pytest.mark.django_db


def link_path(message) -> str:
    line = next(line for line in message.body.splitlines() if "/reminders/off/" in line)
    return line.split("http://127.0.0.1:8000", 1)[1]


def test_the_emailed_link_turns_reminders_off_without_logging_in(client):
    ana = UserFactory(email="ana@example.com")
    classroom = ClassroomFactory()
    Membership.objects.create(classroom=classroom, user=ana)
    AssignmentFactory(classroom=classroom, opens_at=timezone.now())
    send_due_reminders()
    path = link_path(mail.outbox[0])

    page = client.get(path)
    assert page.status_code == 200
    assert b"Turn reminder emails off" in page.content
    # Looking (as a mail scanner does) changes nothing.
    assert not Profile.objects.filter(user=ana, reminder_emails=False).exists()

    done = client.post(path)
    assert done.status_code == 200
    assert b"Reminder emails are off" in done.content
    assert Profile.objects.get(user=ana).reminder_emails is False


def test_one_click_unsubscribe_needs_no_csrf_token():
    from django.test import Client

    ana = UserFactory()
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"/accounts/reminders/off/{reminders_off_token(ana)}/",
        {"List-Unsubscribe": "One-Click"},
    )
    assert response.status_code == 200
    assert Profile.objects.get(user=ana).reminder_emails is False


def test_a_tampered_link_is_refused_with_a_reason(client):
    ana = UserFactory()
    token = reminders_off_token(ana)
    payload, signature = token.split(":", 1)
    other = UserFactory()
    other_payload = signing.dumps(other.pk, salt="x").split(":", 1)[0]

    for bad in (
        f"{other_payload}:{signature}",  # someone else's id under Ana's signature
        signing.dumps(other.pk, salt="some other purpose"),  # signed, but not for this
        token[:-3],  # cut short
        "nonsense",
    ):
        response = client.post(f"/accounts/reminders/off/{bad}/")
        assert response.status_code == 400, bad
        assert b"This link is not valid" in response.content
    assert not Profile.objects.filter(reminder_emails=False).exists()
    assert payload  # the real one still works
    assert client.post(f"/accounts/reminders/off/{token}/").status_code == 200


def test_turning_off_keeps_the_rest_of_the_profile():
    ana = UserFactory()
    Profile.objects.create(user=ana, display_name="Ana Lima", time_zone="Europe/Lisbon")
    from django.test import Client

    Client().post(f"/accounts/reminders/off/{reminders_off_token(ana)}/")
    profile = Profile.objects.get(user=ana)
    assert (profile.display_name, profile.time_zone, profile.reminder_emails) == (
        "Ana Lima",
        "Europe/Lisbon",
        False,
    )
