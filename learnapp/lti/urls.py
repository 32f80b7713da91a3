from django.urls import path

from . import views

app_name = "lti"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("launch/", views.launch, name="launch"),
    path("deep-link/<str:key>/", views.deep_link, name="deep_link"),
    path("classes/<int:class_id>/roster-sync/", views.roster_sync, name="roster_sync"),
    path("jwks/", views.jwks, name="jwks"),
]
