from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "learnapp.learning"
    verbose_name = "Learning"

    def ready(self) -> None:
        from . import signals  # noqa: F401
