"""A record of each reminder email sent, so that none is sent twice."""

from django.conf import settings
from django.db import models

from learnapp.classes.models import Assignment


class Reminder(models.Model):
    class Kind(models.TextChoices):
        OPENED = "opened", "Assignment opened"
        DUE_SOON = "due_soon", "Due within a day"

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            # The guarantee: whichever worker inserts the row sends the email; any other one
            # trying the same reminder at the same moment fails here and sends nothing.
            models.UniqueConstraint(
                fields=["assignment", "user", "kind"], name="one_reminder_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id} on {self.assignment_id}"
