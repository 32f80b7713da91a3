"""What a user tells us about themselves beyond Django's user: the name others see, their time
zone and whether they want reminder emails. The email address stays on the user."""

from django.conf import settings
from django.db import models

from learnapp.timezones import validate_time_zone


class Profile(models.Model):
    # Created on demand (learnapp.accounts.profiles.profile_for): most users never open the
    # account page, and a missing profile means "the defaults".
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="profile",
    )
    display_name = models.CharField(
        max_length=120,
        blank=True,
        help_text="How instructors and classmates see you. Empty shows your user name.",
    )
    # Blank means UTC for emails; pages follow the browser's zone (learnapp.timezones).
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="Used for dates in emails.",
    )
    reminder_emails = models.BooleanField(
        default=True,
        help_text="An email when an assignment opens and a day before it is due.",
    )

    def __str__(self) -> str:
        return self.display_name or str(self.user_id)
