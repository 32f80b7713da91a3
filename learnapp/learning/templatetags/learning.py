from django import template

register = template.Library()


@register.filter
def progress_of(progress: dict, pattern_id: int):
    """{{ learner_progress|progress_of:pattern.pk }}: that pattern's progress, or None."""
    return progress.get(pattern_id) if progress else None


@register.filter
def duration_ms(milliseconds: int | None) -> str:
    """{{ answer.time_taken_ms|duration_ms }}: "42 s", "3 min 5 s", or "—" when not measured."""
    if milliseconds is None or milliseconds == "":
        return "—"
    seconds = round(milliseconds / 1000)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"


@register.filter
def points(value) -> str:
    """{{ attempt.score|points }}: an exact score shown rounded, "7.5" or "8"; "—" if none."""
    from learnapp.learning.points import format_points

    return format_points(value)
