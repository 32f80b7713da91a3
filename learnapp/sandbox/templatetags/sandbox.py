from django import template

from .. import challenges

register = template.Library()


@register.inclusion_tag("sandbox/_progress_challenges.html")
def sandbox_challenges_for_progress(done: set[str]) -> dict:
    """The sandbox challenges, ticked where `done` (the slugs the page's view found) says so.

    Only formats: whose challenges they are is the view's business, and nothing is written here.
    """
    return {
        "items": [(c, c.slug in done) for c in challenges.CHALLENGES],
        "done": sum(1 for c in challenges.CHALLENGES if c.slug in done),
        "count": len(challenges.CHALLENGES),
    }
