from django.urls import path

from . import answers_csv, roster_views, views

app_name = "classes"
urlpatterns = [
    path("classes/", views.class_list, name="list"),
    path("teach/", views.home, name="home"),
    path("welcome/", views.after_login, name="after_login"),
    path("classes/new/", views.class_create, name="create"),
    path("classes/join/", views.join, name="join"),
    path("classes/join/<str:code>/", views.join, name="join_code"),
    path("classes/invites/", views.invite_create, name="invite_create"),
    path("classes/invite/<str:token>/", views.invite_accept, name="invite_accept"),
    path("classes/<int:class_id>/", views.class_detail, name="detail"),
    path("classes/<int:class_id>/leave/", views.leave, name="leave"),
    path(
        "classes/<int:class_id>/members/<int:user_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("classes/<int:class_id>/groups/", views.group_create, name="group_create"),
    path("classes/<int:class_id>/teachers/", views.teacher_add, name="teacher_add"),
    path(
        "classes/<int:class_id>/teachers/<int:user_id>/remove/",
        views.teacher_remove,
        name="teacher_remove",
    ),
    path("classes/<int:class_id>/learners/add/", roster_views.roster_add, name="roster_add"),
    path(
        "classes/<int:class_id>/assignments/new/", views.assignment_create, name="assignment_create"
    ),
    path("classes/<int:class_id>/gradebook/", views.gradebook, name="gradebook"),
    path("classes/<int:class_id>/gradebook.csv", views.gradebook_csv, name="gradebook_csv"),
    path("classes/<int:class_id>/mastery/", views.class_mastery, name="mastery"),
    path(
        "classes/<int:class_id>/learners/<int:user_id>/",
        views.learner_detail,
        name="learner",
    ),
    path(
        "classes/<int:class_id>/learners/<int:user_id>/progress/",
        views.learner_progress,
        name="learner_progress",
    ),
    path("assignments/<int:assignment_id>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:assignment_id>/edit/", views.assignment_edit, name="assignment_edit"),
    path("assignments/<int:assignment_id>/extend/", views.extend_all, name="extend_all"),
    path(
        "assignments/<int:assignment_id>/extensions/<int:user_id>/remove/",
        views.extension_remove,
        name="extension_remove",
    ),
    path("assignments/<int:assignment_id>/preview/", views.preview_start, name="preview"),
    path(
        "assignments/<int:assignment_id>/preview/<int:number>/",
        views.preview_question,
        name="preview_question",
    ),
    path(
        "assignments/<int:assignment_id>/preview/result/",
        views.preview_result,
        name="preview_result",
    ),
    path("assignments/<int:assignment_id>/items/", views.item_analysis_view, name="items"),
    path(
        "assignments/<int:assignment_id>/answers.csv",
        answers_csv.assignment_answers_csv,
        name="answers_csv",
    ),
    path("attempts/<int:attempt_id>/feedback/", views.attempt_feedback, name="attempt_feedback"),
    path(
        "assignments/<int:assignment_id>/items/<int:question_id>/regrade/",
        views.item_regrade,
        name="item_regrade",
    ),
    path("assignments/<int:assignment_id>/start/", views.assignment_start, name="start"),
    path("assigned/", views.assigned, name="assigned"),
]
