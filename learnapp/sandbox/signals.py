from django.db.models.signals import post_save
from django.dispatch import receiver

from learnapp.learning.learners import learner_merged

from . import accesslog, auth, challenges
from .models import AccessLogEntry, ChallengeCompletion, SandboxKey


@receiver(learner_merged)
def _move_sandbox_rows(sender, source, target, **kwargs):
    """A visitor who signs up keeps their sandbox keys, their access log and their challenges."""
    SandboxKey.objects.filter(learner=source).update(learner=target)
    accesslog.flush()  # held rows of the visitor move with the rest
    AccessLogEntry.objects.filter(learner=source).update(learner=target)
    done = ChallengeCompletion.objects.filter(learner=target).values("challenge")
    ChallengeCompletion.objects.filter(learner=source, challenge__in=done).delete()
    ChallengeCompletion.objects.filter(learner=source).update(learner=target)
    challenges.refresh(target)


@receiver(post_save, sender=SandboxKey)
def _forget_cached_key(sender, instance, **kwargs):
    # A revocation or rotation made in this process counts from the next request here; other
    # processes see it when their copy expires (auth.SANDBOX_KEY_CACHE_SECONDS, at most 1 s).
    auth.forget(instance.key_id)
