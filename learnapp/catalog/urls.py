from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("patterns/<slug:slug>/", views.pattern_detail, name="pattern"),
    path("patterns/<slug:slug>/try/<int:number>/", views.faded_check, name="faded_check"),
]
