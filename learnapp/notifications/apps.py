from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "learnapp.notifications"
    verbose_name = "Notifications"
