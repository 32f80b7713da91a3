"""The project's URLs plus /bench/bare/, the cheapest response Django can give."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from learnapp.urls import urlpatterns as project_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


# First: a URL found after every pattern of the site would pay for trying them all, and the
# bare view is the floor the site's pages are compared with (the site's own pages try one
# pattern more, a microsecond).
urlpatterns = [
    path("bench/bare/", bare),
    *project_urlpatterns,
]
