"""Background tasks of the LTI tool, run by `manage.py db_worker` (README, "Background worker")."""

from django.tasks import task

from . import ags


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
