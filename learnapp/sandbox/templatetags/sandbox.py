from django import template

from learnapp.learning.learners import current_learner

from .. import challenges

register = template.Library()


@register.inclusion_tag("sandbox/_progress_challenges.html", takes_context=True)
def sandbox_challenges_for_progress(context) -> dict:
    """The learner's completed sandbox challenges, for the progress page."""
    request = context.get("request")
    done = challenges.completed(current_learner(request)) if request is not None else set()
    return {
        "items": [(c, c.slug in done) for c in challenges.CHALLENGES],
        "done": len(done),
        "count": len(challenges.CHALLENGES),
    }
