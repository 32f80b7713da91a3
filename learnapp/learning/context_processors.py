from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .learners import current_learner
from .progress import progress_by_pattern


def learner_progress(request: HttpRequest) -> dict:
    """`learner_progress` in every template: the learner's progress by pattern id, computed on
    first use only (three queries), so pages that do not show it pay nothing."""
    return {
        "learner_progress": SimpleLazyObject(lambda: progress_by_pattern(current_learner(request)))
    }
