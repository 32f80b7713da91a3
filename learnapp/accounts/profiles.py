"""Reading and creating profiles, and the one rule for the name a user is shown by."""

import re
import secrets
import zoneinfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing

from .models import Profile


def profile_for(user: AbstractBaseUser) -> Profile:
    """The user's profile, made with the defaults the first time it is asked for."""
    try:
        return user.profile
    except Profile.DoesNotExist:
        profile, _ = Profile.objects.get_or_create(user=user)
        user.profile = profile
        return profile


def display_name(user: AbstractBaseUser) -> str:
    """The name to show for `user`: their display name, else their full name, else user name.

    Reads `user.profile` as loaded: lists select it with the users
    (`.select_related("profile")`), so naming a hundred learners costs no query each.
    """
    try:
        chosen = user.profile.display_name
    except Profile.DoesNotExist:
        chosen = ""
    return chosen or user.get_full_name() or user.get_username()


# The user names learnapp.lti gives the users it makes for an LMS's users: the prefix and
# random hex digits, with an unusable password (they sign in through the LMS).
PLATFORM_USERNAME_PREFIX = "lti-"
_PLATFORM_USERNAME_BYTES = 12
_PLATFORM_USERNAME = re.compile(
    rf"{PLATFORM_USERNAME_PREFIX}[0-9a-f]{{{2 * _PLATFORM_USERNAME_BYTES}}}"
)


def new_platform_username() -> str:
    """A user name for an LMS's user.

    Random, not derived from issuer and subject: subjects are often small numbers, and a name
    anyone could work out could be signed up for first and then receive the launch.
    """
    return f"{PLATFORM_USERNAME_PREFIX}{secrets.token_hex(_PLATFORM_USERNAME_BYTES)}"


def is_platform_user(user: AbstractBaseUser) -> bool:
    """Made for an LMS's user: their user name is ours alone and means nothing to anyone.

    Not someone added by name and email whose address happens to begin "lti-": their user
    name is made from it, and they will set a password.
    """
    return bool(_PLATFORM_USERNAME.fullmatch(user.get_username())) and not (
        user.has_usable_password()
    )


def time_zone_of(user: AbstractBaseUser) -> zoneinfo.ZoneInfo:
    """The zone to write the user's dates in when there is no browser to ask (emails)."""
    try:
        name = user.profile.time_zone
    except Profile.DoesNotExist:
        name = ""
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def wants_reminders(user: AbstractBaseUser) -> bool:
    try:
        return user.profile.reminder_emails
    except Profile.DoesNotExist:
        return True


# The "turn reminders off" link in every reminder email works without logging in: it carries the
# user's id signed with the site's secret key. It only ever turns reminders off, so a leaked
# link can do no more than that, and it does not expire (an old email's link still works).
REMINDERS_OFF_SALT = "learnapp.accounts.reminders-off"


def reminders_off_token(user: AbstractBaseUser) -> str:
    return signing.dumps(user.pk, salt=REMINDERS_OFF_SALT)


def user_from_reminders_off_token(token: str) -> AbstractBaseUser | None:
    try:
        user_id = signing.loads(token, salt=REMINDERS_OFF_SALT)
    except signing.BadSignature:
        return None
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


def turn_reminders_off(user: AbstractBaseUser) -> None:
    Profile.objects.update_or_create(user=user, defaults={"reminder_emails": False})
