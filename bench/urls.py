"""The project's URLs plus /bench/bare/, the cheapest response Django can give."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from learnapp.urls import urlpatterns as project_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [
    *project_urlpatterns,
    path("bench/bare/", bare),
]
