"""Bring values saved before the forms checked ranges back inside them.

Before the assignment and extension forms refused them, an instructor could save a close time in
the year 9999 or a time limit of 99999999999 minutes. Such a row still broke pages: 9999-12-31
23:59 UTC is past the last moment Python can hold once shown in a zone ahead of UTC
(Pacific/Kiritimati), and a start then added the limit to now. The forms keep new values in
range; migration 0005 runs this once over the rows already stored.
"""

from datetime import UTC, datetime

from learnapp.classes.models import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    MAX_ATTEMPTS_ALLOWED,
    MAX_TIME_LIMIT_MINUTES,
)

EARLIEST = datetime(EARLIEST_YEAR, 1, 1, tzinfo=UTC)
LATEST = datetime(LATEST_YEAR, 12, 31, 23, 59, tzinfo=UTC)


def clamp_stored_values(assignment_model, extension_model) -> int:
    """Move every out-of-range date and limit to the nearest value the forms accept.

    Takes the models as arguments so that a migration can pass its historical ones. Returns how
    many rows changed.
    """
    changed = 0
    for model, fields in (
        (assignment_model, ("opens_at", "due_at", "closes_at")),
        (extension_model, ("due_at", "closes_at")),
    ):
        for field in fields:
            changed += model.objects.filter(**{f"{field}__gt": LATEST}).update(**{field: LATEST})
            changed += model.objects.filter(**{f"{field}__lt": EARLIEST}).update(
                **{field: EARLIEST}
            )
    changed += assignment_model.objects.filter(
        time_limit_minutes__gt=MAX_TIME_LIMIT_MINUTES
    ).update(time_limit_minutes=MAX_TIME_LIMIT_MINUTES)
    changed += assignment_model.objects.filter(attempts_allowed__gt=MAX_ATTEMPTS_ALLOWED).update(
        attempts_allowed=MAX_ATTEMPTS_ALLOWED
    )
    return changed
