"""The emails the worker sends: plain text plus HTML, in the recipient's name and time zone.

Built without a request, so links are absolute on settings.SITE_URL.
"""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from learnapp.accounts.profiles import display_name, reminders_off_token, time_zone_of
from learnapp.classes.models import Assignment

from .models import Reminder


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def local_time(value: datetime, user) -> str:
    """ "Tuesday 12 May, 17:00 CEST": the recipient's zone, named, since email has no browser."""
    return dateformat.format(timezone.localtime(value, time_zone_of(user)), "l j F, H:i T")


def _message(user, subject: str, template: str, context: dict, headers=None):
    context = {"name": display_name(user), "site_url": settings.SITE_URL, **context}
    message = EmailMultiAlternatives(
        # One line whatever a title holds: a line break in a header is refused outright.
        subject=" ".join(subject.split()),
        body=render_to_string(f"notifications/{template}.txt", context),
        to=[user.email],
        headers=headers or {},
    )
    message.attach_alternative(
        render_to_string(f"notifications/{template}.html", context), "text/html"
    )
    return message


def reminder_message(assignment: Assignment, user, kind: str, due_at: datetime):
    off_url = absolute(reverse("accounts:reminders_off", args=[reminders_off_token(user)]))
    if kind == Reminder.Kind.DUE_SOON:
        subject = f"Due {local_time(due_at, user)}: {assignment.title}"
    else:
        subject = f"Now open: {assignment.title}"
    return _message(
        user,
        subject,
        "reminder",
        {
            "kind": kind,
            "assignment": assignment,
            "classroom": assignment.classroom,
            "due": local_time(due_at, user),
            "assignment_url": absolute(assignment.get_absolute_url()),
            "off_url": off_url,
            "account_url": absolute(reverse("accounts:account")),
        },
        # Mail clients show their own "unsubscribe" from these; the POST is one click (RFC 8058).
        headers={
            "List-Unsubscribe": f"<{off_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def set_password_message(user, classroom_name: str, instructor_name: str):
    """The one-time link for an account an instructor created: Django's password-reset token,
    good until the password is set (then it no longer matches) or PASSWORD_RESET_TIMEOUT."""
    path = reverse(
        "accounts:password_reset_confirm",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )
    return _message(
        user,
        f"Your learnapp account for {classroom_name}",
        "set_password",
        {
            "username": user.get_username(),
            "classroom_name": classroom_name,
            "instructor_name": instructor_name,
            "set_password_url": absolute(path),
            "valid_days": round(settings.PASSWORD_RESET_TIMEOUT / 86400),
            "reset_url": absolute(reverse("accounts:password_reset")),
        },
    )
