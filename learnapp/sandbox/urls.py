from django.urls import path, re_path

from . import api, evaluate, openapi, views

app_name = "sandbox"
urlpatterns = [
    path("", views.home, name="home"),
    path("keys/new/", views.create_key, name="create_key"),
    path("keys/<str:key_id>/", views.key_detail, name="key"),
    path("keys/<str:key_id>/rotate/", views.rotate_key, name="rotate_key"),
    path("keys/<str:key_id>/revoke/", views.revoke_key, name="revoke_key"),
    path("playground/", views.playground, name="playground"),
    path("log/", views.access_log, name="log"),
    path("challenges/", views.challenges, name="challenges"),
    path("metrics/", views.metrics_page, name="metrics"),
    # The API: no trailing slashes, as in the lessons' examples.
    path("api/openapi.json", openapi.openapi_json, name="openapi"),
    path("api/data", api.data, name="api_data"),
    path("api/models", api.models, name="api_models"),
    path("api/chat/completions", api.chat_completions, name="api_chat_completions"),
    path("api/evaluate/<slug:pattern>", evaluate.evaluate, name="api_evaluate"),
    re_path(r"^api/(?P<rest>.*)$", api.not_found, name="api_not_found"),
]
