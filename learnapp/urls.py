from django.contrib import admin
from django.urls import include, path

from learnapp.accounts.views import admin_login

urlpatterns = [
    # Ahead of admin.site.urls, whose own login route it replaces with the throttled one.
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("accounts/", include("learnapp.accounts.urls")),
    path("sandbox/", include("learnapp.sandbox.urls")),
    path("authoring/", include("learnapp.authoring.urls")),
    path("lti/", include("learnapp.lti.urls")),
    # URLs are tried in order: the busiest (a lesson, a practice Check, a test's autosave) are
    # found first instead of after every instructor page. No path of one include matches
    # another's.
    path("", include("learnapp.learning.urls")),
    path("", include("learnapp.catalog.urls")),
    path("", include("learnapp.classes.urls")),
]
