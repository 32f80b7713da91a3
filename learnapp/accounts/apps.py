from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "learnapp.accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib import admin

        from learnapp import checks  # noqa: F401  (registers the deployment checks)

        from .forms import AdminLoginForm

        # Whatever route reaches the admin's log-in, its password check goes through the
        # site's log-in throttle.
        admin.site.login_form = AdminLoginForm
