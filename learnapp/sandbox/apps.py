from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "learnapp.sandbox"
    verbose_name = "Sandbox API"

    def ready(self) -> None:
        from . import signals  # noqa: F401
