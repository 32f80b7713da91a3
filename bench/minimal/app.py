"""The minimal Django project bench/run compares the site's pages with: one JSON view, no
database, no middleware, no installed apps. Its own settings (configured here, not
learnapp.settings), served by gunicorn as `bench.minimal.app:application` with the same
options as the site.
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import JsonResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "bench-minimal-project-not-secret"),
    ALLOWED_HOSTS=["127.0.0.1"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    DATABASES={},
    USE_TZ=True,
    LOGGING_CONFIG=None,
)


def hello(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("", hello)]

application = get_wsgi_application()
