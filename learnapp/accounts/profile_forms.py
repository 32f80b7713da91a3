from django import forms
from django.contrib.auth import get_user_model

from learnapp.timezones import time_zone_names

from .models import Profile


class ProfileForm(forms.ModelForm):
    """The account page: the profile's fields plus the user's email, saved together."""

    email = forms.EmailField(
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="For reminders and a forgotten password. Instructors match class lists by it.",
    )
    time_zone = forms.ChoiceField(required=False, help_text="Dates in emails are written in it.")

    class Meta:
        model = Profile
        fields = ["display_name", "email", "time_zone", "reminder_emails"]
        labels = {"reminder_emails": "Reminder emails", "time_zone": "Time zone"}
        widgets = {"display_name": forms.TextInput(attrs={"autocomplete": "name"})}

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["email"].initial = user.email
        self.fields["time_zone"].choices = [("", "Not set (UTC)")] + [
            (name, name.replace("_", " ")) for name in time_zone_names()
        ]

    def clean_display_name(self) -> str:
        return " ".join(self.cleaned_data["display_name"].split())

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if (
            email
            and get_user_model()
            .objects.filter(email__iexact=email)
            .exclude(pk=self.user.pk)
            .exists()
        ):
            # Class lists find accounts by email: two accounts with one address would be
            # ambiguous.
            raise forms.ValidationError("Another account uses this email address.")
        return email

    def save(self, commit: bool = True) -> Profile:
        profile = super().save(commit=commit)
        if self.user.email != self.cleaned_data["email"]:
            self.user.email = self.cleaned_data["email"]
            self.user.save(update_fields=["email"])
        return profile
