from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_vary_headers

from .models import Pattern
from .pages import lesson_page
from .worked import AnswerUnreadable, check


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/home.html", {"tracks": Pattern.objects.catalog()})


def pattern_detail(request: HttpRequest, slug: str) -> HttpResponse:
    page = lesson_page(slug)
    if not request.COOKIES and not request.GET and settings.CATALOG_PAGE_TTL:
        # A first visit, the commonest request: nothing on the page depends on who asks.
        response = HttpResponse(page.for_new_visitor(request, "catalog/pattern.html"))
        patch_vary_headers(response, ["Cookie"])
        return response
    return render(request, "catalog/pattern.html", {"page": page})


def faded_check(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Check the learner's last step of a lesson's faded example; nothing is recorded.

    A GET: checking changes nothing, and the lesson page around the form is the same cached HTML
    for everyone, with no CSRF token in it to send.
    """
    pattern = get_object_or_404(
        Pattern.objects.active().only("slug", "title", "faded_examples"), slug=slug
    )
    example = next((e for e in pattern.faded_examples if e["number"] == number), None)
    if example is None:
        raise Http404("This lesson has no such example.")
    typed = request.GET.get("answer", "")
    context = {"pattern": pattern, "example": example, "typed": typed.strip()}
    try:
        context["checked"] = check(example, typed)
    except AnswerUnreadable as exc:
        context["error"] = str(exc)
    template = (
        "catalog/_worked_example_faded.html#feedback"
        if request.htmx
        else "catalog/_worked_example_page.html"
    )
    return render(request, template, context, status=400 if "error" in context else 200)
