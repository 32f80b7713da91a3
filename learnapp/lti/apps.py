from django.apps import AppConfig


class LtiConfig(AppConfig):
    name = "learnapp.lti"
    label = "lti"
    verbose_name = "LTI (learning platforms)"

    def ready(self):
        from . import signals  # noqa: F401
