from django.apps import AppConfig


class AuthoringConfig(AppConfig):
    name = "learnapp.authoring"
    verbose_name = "Instructors' questions"
