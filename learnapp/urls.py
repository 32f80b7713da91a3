from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("learnapp.accounts.urls")),
    path("sandbox/", include("learnapp.sandbox.urls")),
    path("", include("learnapp.classes.urls")),
    path("", include("learnapp.learning.urls")),
    path("", include("learnapp.catalog.urls")),
]
