from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from .learners import current_learner
from .progress import progress_by_pattern
from .spaced import due_count


def learner_progress(request: HttpRequest) -> dict:
    """`learner_progress` in every template: the learner's progress by pattern id, computed on
    first use only (three queries), so pages that do not show it pay nothing.

    `due_reviews` likewise: how many review cards are due (one query; none for a visitor who
    has done nothing yet)."""
    return {
        "learner_progress": SimpleLazyObject(lambda: progress_by_pattern(current_learner(request))),
        "due_reviews": SimpleLazyObject(
            lambda: due_count(current_learner(request), timezone.now())
        ),
    }
