from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from . import hints, spaced
from .learners import join_visitor_progress, learner_merged
from .models import Attempt, Learner


@receiver(user_logged_in)
def _join_visitor_progress(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        join_visitor_progress(request, user)


# A test's misses become review cards when it is submitted, wherever that happens; a practice
# miss's card is written with the answer (grading.record_practice_answer), and a regrade that
# changes a verdict moves the card itself (regrade.py, spaced.follow_regrade).
@receiver(post_save, sender=Attempt)
def _cards_for_a_submitted_test(sender, instance: Attempt, update_fields=None, **kwargs):
    if update_fields and "submitted_at" in update_fields and instance.submitted_at:
        spaced.add_test_misses(instance)


@receiver(learner_merged, sender=Learner)
def _move_cards_and_hints(sender, source: Learner, target: Learner, **kwargs):
    spaced.merge_cards(source, target)
    hints.merge_hint_uses(source, target)
