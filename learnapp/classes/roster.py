"""Adding learners to a class from a list of names and emails.

The list is pasted (one learner a line, "Name <email>" or "Name, email", or just the email) or
uploaded as a CSV file (name,email; a header row is skipped). Every line is checked before
anything changes: one bad line and nothing is done, with each problem reported by line number.
Then, in one transaction, an existing account (found by email, whatever its case) joins the
class, and a new account is made for each unknown email, with no usable password and a
one-time link to choose one, emailed by the background worker.
"""

import csv
import functools
import io
import operator
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower

from learnapp.accounts.models import Profile
from learnapp.accounts.profiles import display_name
from learnapp.notifications.tasks import send_set_password_email

from .access import teachers_of
from .models import Classroom, Membership

MAX_LINES = 500
MAX_NAME = 120
MAX_UPLOAD_BYTES = 256 * 1024

# "Ana Lima <ana@example.com>"; the name may be quoted as mail clients copy it.
ANGLE = re.compile(r'^\s*"?(?P<name>[^"<>]*?)"?\s*<(?P<email>[^<>]+)>\s*$')


@dataclass(frozen=True)
class Entry:
    line: int
    name: str
    email: str


@dataclass
class Outcome:
    enrolled: list = field(default_factory=list)  # existing accounts, now in the class
    created: list = field(default_factory=list)  # new accounts, sent a link to set a password
    already: list = field(default_factory=list)  # in the class before

    @property
    def added(self) -> int:
        return len(self.enrolled) + len(self.created)


class RosterErrors(Exception):
    """Every problem found, as (line number, message); nothing was changed."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


def parse_pasted(text: str) -> list[Entry]:
    entries, errors = [], []
    lines = text.splitlines()
    if len([line for line in lines if line.strip()]) > MAX_LINES:
        raise RosterErrors([(0, f"At most {MAX_LINES} learners at a time.")])
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        match = ANGLE.match(raw)
        if match:
            name, email = match["name"], match["email"]
        elif "," in raw:
            name, _, email = raw.rpartition(",")
        elif "<" in raw or ">" in raw:
            errors.append((number, "Write it as “Name <email>” or “Name, email”."))
            continue
        else:
            name, email = "", raw
        _check(number, name, email, entries, errors)
    return _finish(entries, errors)


def parse_csv(upload: bytes) -> list[Entry]:
    if len(upload) > MAX_UPLOAD_BYTES:
        raise RosterErrors([(0, "The file is larger than 256 KB; split it in parts.")])
    try:
        text = upload.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterErrors([(0, "The file is not UTF-8 text; save it as “CSV UTF-8”.")]) from None
    entries, errors = [], []
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) > MAX_LINES + 1:
        raise RosterErrors([(0, f"At most {MAX_LINES} learners at a time.")])
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and [c.lower() for c in cells[:2]] == ["name", "email"]:
            continue
        if len(cells) != 2:
            errors.append((number, f"Expected 2 columns (name, email), found {len(cells)}."))
            continue
        _check(number, cells[0], cells[1], entries, errors)
    return _finish(entries, errors)


def _check(number: int, name: str, email: str, entries: list, errors: list) -> None:
    name, email = " ".join(name.split()), email.strip()
    if len(name) > MAX_NAME:
        errors.append((number, f"The name is longer than {MAX_NAME} characters."))
        return
    try:
        validate_email(email)
    except ValidationError:
        errors.append((number, f"“{email}” is not an email address." if email else "No email."))
        return
    entries.append(Entry(number, name, email))


def _finish(entries: list[Entry], errors: list) -> list[Entry]:
    first_line: dict[str, int] = {}
    for entry in entries:
        key = entry.email.lower()
        if key in first_line:
            errors.append((entry.line, f"{entry.email} is also on line {first_line[key]}."))
        else:
            first_line[key] = entry.line
    if errors:
        raise RosterErrors(sorted(errors))
    if not entries:
        raise RosterErrors([(0, "The list is empty.")])
    return entries


def add_learners(classroom: Classroom, entries: list[Entry], instructor) -> Outcome:
    """Enrol existing accounts and create the others; all of it, or (on an error) none of it."""
    User = get_user_model()
    with transaction.atomic():
        # One import at a time per class: two at once could each create the same new account.
        Classroom.objects.select_for_update().filter(pk=classroom.pk).first()
        emails = [entry.email.lower() for entry in entries]
        accounts: dict[str, list] = {}
        for user in (
            User.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=emails)
            .select_related("profile")
        ):
            accounts.setdefault(user.email_lower, []).append(user)
        members = set(
            Membership.objects.filter(classroom=classroom).values_list("user_id", flat=True)
        )
        teachers = set(teachers_of(classroom).values_list("pk", flat=True))
        errors = []
        for entry in entries:
            found = accounts.get(entry.email.lower(), [])
            if len(found) > 1:
                errors.append(
                    (
                        entry.line,
                        f"More than one account uses {entry.email}; ask the learner to join "
                        "with the class's join code.",
                    )
                )
            elif found and found[0].pk == instructor.pk:
                errors.append((entry.line, f"{entry.email} is your own address."))
            elif found and found[0].pk in teachers:
                errors.append((entry.line, f"{entry.email} teaches this class."))
        if errors:
            raise RosterErrors(errors)

        outcome = Outcome()
        new_entries = []
        for entry in entries:
            found = accounts.get(entry.email.lower())
            if not found:
                new_entries.append(entry)
            elif found[0].pk in members:
                outcome.already.append(found[0])
            else:
                outcome.enrolled.append(found[0])
        outcome.created = _new_accounts(new_entries)
        # A fixed number of queries for the list, plus one queued email per new account.
        Membership.objects.bulk_create(
            Membership(classroom=classroom, user=user)
            for user in outcome.enrolled + outcome.created
        )
        instructor_name = display_name(instructor)
        for user in outcome.created:
            # Queued in this transaction: the email goes only if the account exists.
            send_set_password_email.enqueue(user.pk, classroom.name, instructor_name)
    return outcome


def _new_accounts(entries: list[Entry]) -> list:
    if not entries:
        return []
    User = get_user_model()
    bases = [_username_base(entry.email) for entry in entries]
    taken = {
        name.lower()
        for name in User.objects.filter(
            functools.reduce(operator.or_, (Q(username__istartswith=base) for base in set(bases)))
        ).values_list("username", flat=True)
    }
    users = []
    for entry, base in zip(entries, bases, strict=True):
        username = _free_username(base, taken)
        taken.add(username.lower())
        user = User(username=username, email=entry.email)
        user.set_unusable_password()
        users.append(user)
    users = User.objects.bulk_create(users)  # with their ids (PostgreSQL, SQLite 3.35+)
    profiles = Profile.objects.bulk_create(
        Profile(user=user, display_name=entry.name)
        for user, entry in zip(users, entries, strict=True)
    )
    for user, profile in zip(users, profiles, strict=True):
        user.profile = profile
    return users


def _username_base(email: str) -> str:
    """The email's local part, cut to the characters user names allow."""
    return re.sub(r"[^\w.@+-]", "", email.split("@", 1)[0])[:140] or "learner"


def _free_username(base: str, taken: set[str]) -> str:
    """`base`, or base2, base3, ...: the first that no account has, whatever the case."""
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{base}{n}"
    return candidate
