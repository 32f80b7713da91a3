"""Background tasks of the LTI tool, run by `manage.py db_worker` (README, "Background worker")."""

import logging
from datetime import timedelta

from django.tasks import TaskResultStatus, task
from django.utils import timezone

from . import ags
from .models import LmsScore

log = logging.getLogger("learnapp.lti")

# A pending score whose try has been due this long has no task on the way: its queueing failed
# (after the submission's commit), or the task was lost. The worker runs a due task in seconds.
STRANDED_AFTER = timedelta(minutes=15)


@task
def post_score(score_id: int) -> str:
    """Send a learner's pending score to the LMS (ags.send); on failure, try again later.

    The next try is queued by this run itself (`run_after`), a minute later at first and up to
    an hour apart, until the score has been pending for a day (ags.RETRY_FOR).
    """
    outcome = ags.send(score_id)
    if outcome.retry_at is not None:
        post_score.using(run_after=outcome.retry_at).enqueue(score_id)
    return outcome.status


def requeue_stranded_scores() -> int:
    """Queue post_score again for pending scores left without a task; how many were queued.

    Run by the worker's periodic run (notifications.tasks.send_due_reminders). A score whose
    task is still queued (its retry waiting, or a worker that was away) is left alone.
    """
    now = timezone.now()
    stranded = set(
        LmsScore.objects.filter(
            status=LmsScore.Status.PENDING, next_try_at__lt=now - STRANDED_AFTER
        ).values_list("pk", flat=True)
    )
    if not stranded:
        return 0
    from django_tasks_db.models import DBTaskResult

    for args_kwargs in DBTaskResult.objects.filter(
        task_path=post_score.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    ).values_list("args_kwargs", flat=True):
        stranded.difference_update(args_kwargs.get("args") or [])
    for score_id in sorted(stranded):
        LmsScore.objects.filter(pk=score_id, status=LmsScore.Status.PENDING).update(next_try_at=now)
        post_score.enqueue(score_id)
    if stranded:
        log.warning("LTI scores queued again, their task was missing: %s", sorted(stranded))
    return len(stranded)
