from django.contrib import admin
from django.urls import include, path

from learnapp.accounts.views import admin_login

# URLs are tried in order, and Django notes every pattern it tried before the one that matched:
# the busiest pages come first (a lesson page, then a practice Check or a test's autosave), the
# admin and the other prefixed parts last. No path of one part matches another's
# (tests/test_urls.py), so the order changes only how soon a URL is found.
urlpatterns = [
    path("", include("learnapp.catalog.urls")),
    path("", include("learnapp.learning.urls")),
    path("", include("learnapp.classes.urls")),
    # Ahead of admin.site.urls, whose own login route it replaces with the throttled one.
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("accounts/", include("learnapp.accounts.urls")),
    path("sandbox/", include("learnapp.sandbox.urls")),
    path("authoring/", include("learnapp.authoring.urls")),
    path("lti/", include("learnapp.lti.urls")),
]
