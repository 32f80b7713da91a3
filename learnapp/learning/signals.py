from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from . import hints, spaced
from .learners import join_visitor_progress, learner_merged
from .models import Answer, Attempt, Learner, Mode


@receiver(user_logged_in)
def _join_visitor_progress(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        join_visitor_progress(request, user)


# Review cards follow the answers wherever they are created (grading.py), so no path that
# records a miss can forget its card; a regrade that changes a verdict moves the card itself
# (regrade.py, spaced.follow_regrade).
@receiver(post_save, sender=Answer)
def _card_for_a_practice_miss(sender, instance: Answer, created: bool, **kwargs):
    if created and instance.mode == Mode.PRACTICE and not instance.is_correct:
        spaced.add_practice_miss(instance)


@receiver(post_save, sender=Attempt)
def _cards_for_a_submitted_test(sender, instance: Attempt, update_fields=None, **kwargs):
    if update_fields and "submitted_at" in update_fields and instance.submitted_at:
        spaced.add_test_misses(instance)


@receiver(learner_merged, sender=Learner)
def _move_cards_and_hints(sender, source: Learner, target: Learner, **kwargs):
    spaced.merge_cards(source, target)
    hints.merge_hint_uses(source, target)
