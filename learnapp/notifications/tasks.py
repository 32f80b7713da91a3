"""Background tasks, run by `manage.py db_worker` (README, "Background worker").

django-tasks-db has no clock of its own, so the reminder task keeps itself going: each run
queues the next one REMINDER_INTERVAL_SECONDS later (`run_after`), unless a run is queued
already. `manage.py sendreminders --schedule` starts the chain (`./dev start` and the deploy
steps run it) and is harmless when it is running; sending is idempotent, so an extra chain
would only cost queries.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.tasks import TaskResultStatus, task
from django.utils import timezone

from learnapp.lti.tasks import requeue_stranded_scores

from . import emails, reminders


@task
def send_due_reminders() -> int:
    try:
        return reminders.send_due_reminders()
    finally:
        # The periodic run also queues LMS scores left pending without a task (lti.tasks).
        try:
            requeue_stranded_scores()
        finally:
            # Even after a failure: one bad run must not stop reminders for good.
            schedule_reminders(after=timedelta(seconds=settings.REMINDER_INTERVAL_SECONDS))


def schedule_reminders(after: timedelta = timedelta(0)) -> bool:
    """Queue a run of send_due_reminders unless one is waiting; True if this queued one."""
    backend = send_due_reminders.get_backend()
    if not backend.supports_defer:
        return False
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if (
        isinstance(backend, DatabaseBackend)
        and DBTaskResult.objects.filter(
            backend_name=backend.alias,
            task_path=send_due_reminders.module_path,
            status=TaskResultStatus.READY,
        ).exists()
    ):
        return False
    send_due_reminders.using(run_after=timezone.now() + after).enqueue()
    return True


@task
def send_set_password_email(user_id: int, classroom_name: str, instructor_name: str) -> bool:
    """Email a new account its one-time link to choose a password (see roster.py)."""
    user = get_user_model().objects.select_related("profile").filter(pk=user_id).first()
    if user is None or not user.email or user.has_usable_password():
        # Deleted since, or they already chose a password some other way.
        return False
    emails.set_password_message(user, classroom_name, instructor_name).send()
    return True
