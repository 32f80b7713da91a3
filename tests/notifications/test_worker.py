"""The background worker: tasks queued in the database, run by django-tasks-db's worker."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from learnapp.classes.models import Membership
from learnapp.notifications.tasks import schedule_reminders, send_due_reminders
from tests.factories import AssignmentFactory, ClassroomFactory, UserFactory

pytestmark = pytest.mark.django_db

TASK_PATH = "learnapp.notifications.tasks.send_due_reminders"


@pytest.fixture
def open_assignment():
    classroom = ClassroomFactory()
    user = UserFactory(email="ana@example.com")
    Membership.objects.create(classroom=classroom, user=user)
    now = timezone.now()
    return AssignmentFactory(
        classroom=classroom,
        opens_at=now - timedelta(minutes=5),
        due_at=now + timedelta(days=3),
        closes_at=now + timedelta(days=4),
    )


def test_the_worker_sends_reminders_and_queues_its_next_run(
    open_assignment, run_queued_tasks, settings
):
    settings.REMINDER_INTERVAL_SECONDS = 600
    assert schedule_reminders() is True
    assert mail.outbox == []  # queued, not sent by whoever queued it

    [run] = run_queued_tasks()

    assert run.task_path == TASK_PATH
    assert run.status == TaskResultStatus.SUCCESSFUL
    assert run.return_value == 1
    assert [m.subject for m in mail.outbox] == [f"Now open: {open_assignment.title}"]
    [following] = DBTaskResult.objects.filter(task_path=TASK_PATH, status=TaskResultStatus.READY)
    wait = following.run_after - timezone.now()
    assert timedelta(seconds=590) < wait <= timedelta(seconds=600)
    # Not due yet, so a worker passing by now leaves it alone.
    assert run_queued_tasks() == []


def test_scheduling_twice_queues_one_run(db):
    assert schedule_reminders() is True
    assert schedule_reminders() is False
    call_command("sendreminders", "--schedule")
    assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == 1


def test_a_failing_run_still_queues_the_next(open_assignment, monkeypatch):
    def broken(now=None):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr("learnapp.notifications.reminders.send_due_reminders", broken)
    with pytest.raises(RuntimeError):
        send_due_reminders.call()
    assert DBTaskResult.objects.filter(task_path=TASK_PATH, status=TaskResultStatus.READY).exists()


def test_the_command_sends_once_without_a_worker(open_assignment, capsys):
    call_command("sendreminders")
    call_command("sendreminders")
    assert len(mail.outbox) == 1
    assert capsys.readouterr().out.splitlines() == [
        "Sent 1 reminder email.",
        "Sent 0 reminder emails.",
    ]
