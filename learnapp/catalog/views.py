from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from .models import Pattern
from .pages import lesson_page


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
