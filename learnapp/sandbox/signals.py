from django.dispatch import receiver

from learnapp.learning.learners import learner_merged

from . import challenges
from .models import AccessLogEntry, ChallengeCompletion, SandboxKey


@receiver(learner_merged)
def _move_sandbox_rows(sender, source, target, **kwargs):
    """A visitor who signs up keeps their sandbox keys, their access log and their challenges."""
    SandboxKey.objects.filter(learner=source).update(learner=target)
    AccessLogEntry.objects.filter(learner=source).update(learner=target)
    done = ChallengeCompletion.objects.filter(learner=target).values("challenge")
    ChallengeCompletion.objects.filter(learner=source, challenge__in=done).delete()
    ChallengeCompletion.objects.filter(learner=source).update(learner=target)
    challenges.refresh(target)
