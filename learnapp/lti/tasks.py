"""Background tasks of the LTI tool, run by `manage.py db_worker` (README, "Background worker")."""

import logging
from datetime import timedelta

from django.tasks import TaskResultStatus, task
from django.utils import timezone

from . import ags, nrps
from .models import LinkedClass, LmsScore
from .services import ServiceError

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


@task
def sync_roster_in_background(linked_id: int) -> str:
    """The roster sync a teacher asked for (nrps.ask_for_roster_sync): a course's roster can
    take the platform many pages and seconds to give, longer than a request should wait. What
    it said is kept for the class page."""
    linked = LinkedClass.objects.select_related("classroom").filter(pk=linked_id).first()
    if linked is None:  # the class was deleted meanwhile
        return "gone"
    try:
        outcome, failed = nrps.sync_roster(linked.classroom).summary(), False
    except ServiceError as error:
        log.warning("LTI roster sync of class %s failed: %s", linked.classroom_id, error)
        outcome, failed = f"The roster could not be synced: {error.message}", True
    except Exception:
        # Said on the class page too, or it would say "on its way" until it gives up; the
        # worker records the traceback.
        _record(linked_id, "The roster sync stopped on an unexpected error. Sync again.", True)
        raise
    _record(linked_id, outcome, failed)
    return "failed" if failed else "synced"


def _record(linked_id: int, outcome: str, failed: bool) -> None:
    LinkedClass.objects.filter(pk=linked_id).update(
        roster_synced_at=timezone.now(),
        roster_sync_outcome=outcome[:500],
        roster_sync_failed=failed,
    )
