from django.apps import AppConfig


class ClassesConfig(AppConfig):
    name = "learnapp.classes"
    verbose_name = "Classes"
