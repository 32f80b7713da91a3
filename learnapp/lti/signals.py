from django.dispatch import receiver

from learnapp.learning.grading import attempt_graded

from . import ags


@receiver(attempt_graded)
def _send_score_to_the_lms(sender, attempt, **kwargs):
    ags.score_changed(attempt)
