from django.urls import path

from . import views

app_name = "authoring"
urlpatterns = [
    path("", views.bank_list, name="bank"),
    path("questions/new/", views.question_new, name="new"),
    path("questions/<int:question_id>/", views.question_edit, name="edit"),
    path("questions/<int:question_id>/retire/", views.question_retire, name="retire"),
    path("import/", views.import_questions, name="import"),
    path("quizzes/<int:assignment_id>/export.gift", views.export_gift, name="export_gift"),
    path("quizzes/<int:assignment_id>/export-qti.zip", views.export_qti, name="export_qti"),
]
