from django import template

register = template.Library()


@register.filter
def progress_of(progress: dict, pattern_id: int):
    """{{ learner_progress|progress_of:pattern.pk }}: that pattern's progress, or None."""
    return progress.get(pattern_id) if progress else None
