from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Pattern


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/home.html", {"tracks": Pattern.objects.catalog()})


def pattern_detail(request: HttpRequest, slug: str) -> HttpResponse:
    pattern = get_object_or_404(
        Pattern.objects.active().select_related("section__track"), slug=slug
    )
    neighbours = {
        p.position: p
        for p in Pattern.objects.active()
        .filter(position__in=[pattern.position - 1, pattern.position + 1])
        .only("slug", "title", "position")
    }
    return render(
        request,
        "catalog/pattern.html",
        {
            "pattern": pattern,
            "section": pattern.section,
            "track": pattern.section.track,
            "previous": neighbours.get(pattern.position - 1),
            "next": neighbours.get(pattern.position + 1),
        },
    )
