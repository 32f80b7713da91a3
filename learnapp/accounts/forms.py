from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError

from . import throttle


class SignupForm(UserCreationForm):
    # Required here though optional on the model: it is the only way back into a forgotten account.
    email = forms.EmailField(
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        # Said before the first submit: without it the field looked optional until it failed.
        help_text="Required: where a link to reset a forgotten password is sent, and "
        "reminders of assignments (you can turn those off).",
    )

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")

    def validate_password_for_user(self, user, **kwargs) -> None:
        # The rules are about the password chosen, so their errors go under that field; the
        # confirmation field only says when the two differ.
        super().validate_password_for_user(user, password_field_name="password1")

    def _post_clean(self) -> None:
        super()._post_clean()
        # After an error, a password that passed is typed in again only where it must be:
        # both are kept when the error is elsewhere, the first when only the second differs.
        if "password1" not in self.errors:
            self.fields["password1"].widget.render_value = True
            if "password2" not in self.errors:
                self.fields["password2"].widget.render_value = True


class ThrottledLoginMixin:
    """Counts every log-in attempt before its password is checked (see throttle.py).

    The count lives in the form because the form is where the password is checked, so the
    site's log-in and the admin's share one gate: a refused attempt raises here and never
    reaches authenticate(), whatever password it carries. The view turns `refusal` into a 429.
    """

    request: Any
    cleaned_data: dict[str, Any]
    refusal: throttle.Refusal | None = None

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not (username and password):
            # A form missing either field checks no password, so it is no guess.
            return super().clean()  # type: ignore[misc]
        ip = throttle.client_ip(self.request)
        device = throttle.trusted_device(self.request, username)
        self.refusal = throttle.start_attempt(username, ip, device)
        if self.refusal:
            raise ValidationError(self.refusal.message, code="throttled")
        cleaned = super().clean()  # type: ignore[misc]  # raises on a wrong password
        throttle.attempt_succeeded(username, ip, device)
        return cleaned


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
