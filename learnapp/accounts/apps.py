from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "learnapp.accounts"
    verbose_name = "Accounts"
