import functools

from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import reverse


@functools.cache
def _frame_links() -> dict[str, str]:
    """Links and assets of the site frame, worked out once per process.

    They are the same on every page, and reversing URLs and looking up hashed static names on
    each request took about a third of a lesson page's time.
    """
    return {
        "home": reverse("catalog:home"),
        "progress": reverse("learning:progress"),
        "sandbox": reverse("sandbox:home"),
        "classes": reverse("classes:list"),
        "assigned": reverse("classes:assigned"),
        "login": reverse("accounts:login"),
        "logout": reverse("accounts:logout"),
        "signup": reverse("accounts:signup"),
        "account": reverse("accounts:account"),
        "favicon": static("favicon.svg"),
        "site_css": static("css/site.css"),
        "pygments_css": static("css/pygments.css"),
        "htmx_js": static("vendor/htmx-2.0.11.min.js"),
        "timezone_js": static("js/timezone.js"),
        "forms_js": static("js/forms.js"),
        "tables_js": static("js/tables.js"),
    }


def frame(request: HttpRequest) -> dict:
    return {"frame": _frame_links()}
