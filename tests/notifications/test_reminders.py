"""Reminder emails: who gets which, when, and never twice."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from learnapp.accounts.models import Profile
from learnapp.classes.models import Extension, LearnerGroup, Membership
from learnapp.learning.models import Attempt, Learner
from learnapp.notifications.models import Reminder
from learnapp.notifications.reminders import _send_once, due_reminders, send_due_reminders
from tests.classes.concurrency import at_once, needs_postgresql
from tests.factories import AssignmentFactory, ClassroomFactory, PatternFactory, UserFactory

HOUR = timedelta(hours=1)


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def classroom(db):
    return ClassroomFactory(name="Keys 101")


def learner_in(classroom, username="ana", email="ana@example.com", **profile):
    user = UserFactory(username=username, email=email)
    Membership.objects.create(classroom=classroom, user=user)
    if profile:
        Profile.objects.create(user=user, **profile)
    return user


def assignment(classroom, now, opens=-1, due=48, closes=96, **fields):
    """Open/due/close times in hours from now."""
    return AssignmentFactory(
        classroom=classroom,
        pattern=PatternFactory(),
        title=fields.pop("title", "Key rotation test"),
        opens_at=now + opens * HOUR,
        due_at=now + due * HOUR,
        closes_at=now + closes * HOUR,
        **fields,
    )


def submit(user, assignment):
    learner, _ = Learner.objects.get_or_create(user=user)
    Attempt.objects.create(
        learner=learner,
        pattern=assignment.pattern,
        assignment=assignment,
        submitted_at=timezone.now(),
        score=5,
    )


def test_an_opened_assignment_is_announced_once_in_the_learners_name_and_zone(classroom, now):
    learner_in(classroom, display_name="Ana Lima", time_zone="America/Sao_Paulo")
    work = assignment(classroom, now, opens=-1, due=48)

    assert send_due_reminders(now) == 1
    assert send_due_reminders(now + HOUR) == 0

    [message] = mail.outbox
    assert message.to == ["ana@example.com"]
    assert message.subject == "Now open: Key rotation test"
    assert message.body.startswith("Hello Ana Lima,")
    due_local = timezone.localtime(work.due_at, timezone.get_fixed_timezone(-180))
    assert f"{due_local:%H:%M} -03" in message.body  # São Paulo has no summer time
    assert f"http://127.0.0.1:8000/assignments/{work.pk}/" in message.body
    assert "/accounts/reminders/off/" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert f'href="http://127.0.0.1:8000/assignments/{work.pk}/"' in html
    assert "Ana Lima" in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Reminder.objects.filter(kind="opened").count() == 1


def test_due_soon_goes_out_within_a_day_of_the_due_time_and_not_before(classroom, now):
    learner_in(classroom)
    # Opened long ago (no "opened" email any more), due in 30 hours.
    work = assignment(classroom, now, opens=-72, due=30, closes=60)

    assert send_due_reminders(now) == 0
    assert send_due_reminders(now + 5 * HOUR) == 0  # due in 25 hours
    assert send_due_reminders(now + 7 * HOUR) == 1  # due in 23 hours
    assert send_due_reminders(now + 8 * HOUR) == 0

    [message] = mail.outbox
    assert message.subject.startswith("Due ")
    assert message.subject.endswith(": Key rotation test")
    assert "you have not submitted it yet" in message.body
    assert Reminder.objects.get().kind == "due_soon"
    assert work.pk == Reminder.objects.get().assignment_id


def test_an_assignment_due_within_a_day_of_opening_gets_one_email_not_two(classroom, now):
    learner_in(classroom)
    assignment(classroom, now, opens=-1, due=10, closes=20)

    assert send_due_reminders(now) == 1
    assert send_due_reminders(now + HOUR) == 0
    assert [r.kind for r in Reminder.objects.all()] == ["due_soon"]


def test_nothing_before_it_opens_nor_after_it_closes(classroom, now):
    learner_in(classroom)
    assignment(classroom, now, opens=2, due=10, closes=20, title="Future")
    assignment(classroom, now, opens=-50, due=-2, closes=-1, title="Past")

    assert send_due_reminders(now) == 0
    assert mail.outbox == []


def test_no_reminders_for_those_who_submitted(classroom, now):
    ana = learner_in(classroom)
    learner_in(classroom, username="bo", email="bo@example.com")
    work = assignment(classroom, now, opens=-1, due=10, closes=20)
    submit(ana, work)

    assert send_due_reminders(now) == 1
    assert [m.to for m in mail.outbox] == [["bo@example.com"]]


def test_a_learner_still_working_on_an_attempt_is_reminded(classroom, now):
    ana = learner_in(classroom)
    work = assignment(classroom, now, opens=-1, due=10, closes=20)
    learner = Learner.objects.create(user=ana)
    Attempt.objects.create(learner=learner, pattern=work.pattern, assignment=work)

    assert send_due_reminders(now) == 1


def test_no_reminders_for_those_who_turned_them_off_or_have_no_email(classroom, now):
    learner_in(classroom, reminder_emails=False)
    learner_in(classroom, username="no-mail", email="")
    learner_in(classroom, username="bo", email="bo@example.com")
    assignment(classroom, now, opens=-1, due=48)

    assert send_due_reminders(now) == 1
    assert [m.to for m in mail.outbox] == [["bo@example.com"]]


def test_an_extension_moves_the_due_soon_reminder(classroom, now):
    ana = learner_in(classroom)
    learner_in(classroom, username="bo", email="bo@example.com")
    work = assignment(classroom, now, opens=-72, due=10, closes=20)
    Extension.objects.create(
        assignment=work, user=ana, due_at=now + 48 * HOUR, closes_at=now + 60 * HOUR
    )

    assert send_due_reminders(now) == 1
    assert [m.to for m in mail.outbox] == [["bo@example.com"]]
    # A day before her own due time, Ana's comes, with her date.
    assert send_due_reminders(now + 30 * HOUR) == 1
    assert mail.outbox[1].to == ["ana@example.com"]


def test_only_the_learners_an_assignment_is_for(classroom, now):
    ana = learner_in(classroom)
    learner_in(classroom, username="bo", email="bo@example.com")
    UserFactory(username="outsider", email="out@example.com")
    group = LearnerGroup.objects.create(classroom=classroom, name="Group A")
    group.members.add(ana)
    assignment(classroom, now, opens=-1, due=48, group=group)

    assert send_due_reminders(now) == 1
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]


def test_a_failed_send_is_tried_again_on_the_next_run(classroom, now, monkeypatch):
    learner_in(classroom)
    assignment(classroom, now, opens=-1, due=48)

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    assert send_due_reminders(now) == 0
    assert not Reminder.objects.exists()
    monkeypatch.undo()
    assert send_due_reminders(now + HOUR) == 1


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_send_each_reminder_once(now):
    classroom = ClassroomFactory()
    for n in range(5):
        learner_in(classroom, username=f"l{n}", email=f"l{n}@example.com")
    assignment(classroom, now, opens=-1, due=48)
    both_looked = threading.Barrier(2)

    def worker():
        # Both find the same five reminders due before either sends one: only the unique
        # row can stop the second.
        found = due_reminders(now)
        both_looked.wait()
        return sum(_send_once(due, now) for due in found)

    sent = at_once([worker, worker])

    assert sum(sent) == 5
    assert len(mail.outbox) == 5
    assert Reminder.objects.count() == 5


def test_a_title_with_a_line_break_still_makes_a_one_line_subject(classroom, now):
    learner_in(classroom)
    assignment(classroom, now, opens=-1, due=48, title="Keys\r\nBcc: everyone@example.com")

    assert send_due_reminders(now) == 1
    assert mail.outbox[0].subject == "Now open: Keys Bcc: everyone@example.com"
    assert mail.outbox[0].bcc == []
