"""Show times in the viewer's own time zone.

A small script (static/js/timezone.js) stores the browser's IANA zone in a cookie; this
middleware activates it, so templates and forms speak the viewer's local time. Without the cookie
(first request, no JavaScript) times are shown in UTC and say so.
"""

import zoneinfo

from django.core.exceptions import ValidationError
from django.utils import timezone

COOKIE = "tz"


class ViewerTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = request.COOKIES.get(COOKIE, "")
        try:
            timezone.activate(zoneinfo.ZoneInfo(name)) if name else timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        return self.get_response(request)


def time_zone_names() -> list[str]:
    """Every IANA zone this machine knows, sorted: the choices offered on the account page."""
    return sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


def validate_time_zone(value: str) -> None:
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not a time zone.", code="invalid", params={"value": value}
        )
