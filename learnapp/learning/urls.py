from django.urls import path

from . import views

app_name = "learning"
urlpatterns = [
    path("patterns/<slug:slug>/read/", views.mark_read, name="mark_read"),
    path("patterns/<slug:slug>/practice/", views.practice_start, name="practice_start"),
    path(
        "patterns/<slug:slug>/practice/<int:number>/",
        views.practice_question,
        name="practice",
    ),
    path(
        "patterns/<slug:slug>/practice/<int:number>/hint/",
        views.practice_hint,
        name="practice_hint",
    ),
    path("patterns/<slug:slug>/test/", views.test_intro, name="test_intro"),
    path("tests/<int:attempt_id>/q/<int:number>/", views.test_question, name="test_question"),
    path("tests/<int:attempt_id>/answer/", views.test_answer, name="test_answer"),
    path("tests/<int:attempt_id>/submit/", views.test_submit, name="test_submit"),
    path("tests/<int:attempt_id>/result/", views.test_result, name="test_result"),
    path("progress/", views.my_progress, name="progress"),
    path("review/", views.review_mistakes, name="review"),
    path("review/due/", views.review_due, name="review_due"),
    path("review/due/<int:card_id>/", views.review_due_answer, name="review_due_answer"),
]
