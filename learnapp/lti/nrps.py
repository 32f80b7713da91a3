"""Roster sync (Names and Role Provisioning Services): the course's members from the platform.

A launch that carries the namesroleservice claim leaves the course's membership URL on
django-lti's context row. Syncing asks that URL (with an access token for the NRPS scope,
following the `rel="next"` pages) and, for each active member, finds or makes the learnapp user
by (issuer, user_id), exactly as a launch would find them, with name and email from the list;
learners join the class and instructors and teaching assistants teach it. So a learner who has
never opened learnapp from the course is in the class and its gradebook already.

Members the platform marks inactive or deleted, and roles learnapp has no use for, are left
as they are: a sync adds and updates, it never removes anyone.
"""

import logging
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from lti_tool.models import LtiContext, LtiUser

from learnapp.accounts.roles import make_instructor
from learnapp.classes.models import Classroom, Membership

from .models import LinkedClass, Teaching
from .provisioning import launch_role, platform_user, take_over
from .services import NRPS_SCOPE, ServiceError, service_request

log = logging.getLogger("learnapp.lti")

MEMBERSHIP_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MAX_PAGES = 200  # a platform whose "next" never ends stops here
NEXT_LINK = re.compile(r'<([^>]*)>\s*;[^,]*\brel="?next"?', re.IGNORECASE)


@dataclass
class SyncResult:
    learners_added: int = 0
    teachers_added: int = 0
    updated: int = 0
    skipped: int = 0
    names: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [
            f"{self.learners_added} learner{'s' if self.learners_added != 1 else ''} added",
            f"{self.teachers_added} teacher{'s' if self.teachers_added != 1 else ''} added",
            f"{self.updated} already in the class",
        ]
        if self.skipped:
            parts.append(f"{self.skipped} inactive or without a learnapp role left out")
        return "Roster synced from the LMS: " + ", ".join(parts) + "."


def memberships_url(linked: LinkedClass) -> str:
    """The membership URL the course's latest launch gave, or ""."""
    context = (
        LtiContext.objects.filter(
            deployment__registration=linked.registration, id_on_platform=linked.context_id
        )
        .exclude(memberships_url="")
        .order_by("-datetime_modified")
        .first()
    )
    return context.memberships_url if context else ""


def fetch_members(registration, url: str) -> list[dict]:
    """Every member on every page of the membership container."""
    members: list[dict] = []
    seen: set[str] = set()
    while url and url not in seen and len(seen) < MAX_PAGES:
        seen.add(url)
        response = service_request(
            registration, [NRPS_SCOPE], "GET", url, accept=MEMBERSHIP_MEDIA_TYPE
        )
        try:
            page = response.json()
        except ValueError:
            page = None
        if not isinstance(page, dict) or not isinstance(page.get("members"), list):
            raise ServiceError(
                "The platform's roster could not be read.", detail=f"GET {url}: not a membership"
            )
        members += page["members"]
        match = NEXT_LINK.search(response.headers.get("Link", "").replace("\n", " "))
        url = match.group(1) if match else ""
    return members


def _text(member: dict, key: str, most: int) -> str:
    value = member.get(key)
    return value[:most] if isinstance(value, str) else ""


def _user_for(registration, member: dict):
    """The learnapp user for (issuer, user_id), made if the platform's user is new to us."""
    user_id = member["user_id"]
    lti_user, _ = LtiUser.objects.get_or_create(registration=registration, sub=user_id)
    names = {
        "given_name": _text(member, "given_name", 500),
        "family_name": _text(member, "family_name", 500),
        "name": _text(member, "name", 500),
        "email": _text(member, "email", 254),
    }
    # django-lti's own record of the member keeps what the platform shared, as a launch does.
    shared = {key: value for key, value in names.items() if value}
    if shared:
        for key, value in shared.items():
            setattr(lti_user, key, value)
        lti_user.save()
    return platform_user(registration.issuer, user_id, lti_user, names)


def _valid(member) -> bool:
    return (
        isinstance(member, dict)
        and isinstance(member.get("user_id"), str)
        and 0 < len(member["user_id"]) <= 255
        and isinstance(member.get("roles"), list)
        and all(isinstance(role, str) for role in member["roles"])
    )


def _linked_with_roster(classroom: Classroom) -> tuple[LinkedClass, str]:
    """The class's link and its course's membership URL; ServiceError if it has none."""
    try:
        linked = LinkedClass.objects.select_related("registration", "classroom").get(
            classroom=classroom
        )
    except LinkedClass.DoesNotExist:
        raise ServiceError("This class is not linked to a course in an LMS.") from None
    url = memberships_url(linked)
    if not url:
        raise ServiceError(
            "The LMS has not offered this course's roster to learnapp. Turn on the Names and "
            "Role Provisioning service for learnapp in the LMS, then open learnapp once from "
            "the course.",
            detail=f"no memberships URL for context {linked.context_id}",
        )
    return linked, url


def ask_for_roster_sync(classroom: Classroom) -> bool:
    """Queue a roster sync for the background worker; False if one is already on its way.

    ServiceError at once if the class has no roster to sync, so the teacher is told now.
    """
    from .tasks import sync_roster_in_background

    linked, _url = _linked_with_roster(classroom)
    now = timezone.now()
    with transaction.atomic():
        linked = LinkedClass.objects.select_for_update().get(pk=linked.pk)
        if linked.roster_sync_waiting:
            return False
        linked.roster_sync_asked_at = now
        linked.save(update_fields=["roster_sync_asked_at"])
        transaction.on_commit(lambda: sync_roster_in_background.enqueue(linked.pk), robust=True)
    return True


def sync_roster(classroom: Classroom) -> SyncResult:
    """Bring the class's members up to the platform's roster. ServiceError if it cannot."""
    linked, url = _linked_with_roster(classroom)
    registration = linked.registration
    members = fetch_members(registration, url)
    try:
        result = _apply(linked, members)
    except IntegrityError:  # a launch or another sync made the same user or membership just now
        raise ServiceError(
            "Someone else was joining the class at the same moment. Sync again.",
            detail="integrity error while applying the roster",
        ) from None
    log.info(
        "LTI roster sync of class %s: %s learners and %s teachers added, %s updated, %s skipped",
        classroom.pk,
        result.learners_added,
        result.teachers_added,
        result.updated,
        result.skipped,
    )
    return result


def _apply(linked: LinkedClass, members: list[dict]) -> SyncResult:
    registration = linked.registration
    result = SyncResult()
    with transaction.atomic():
        # Locked as a launch locks it: the first teacher listed takes over a class a learner
        # opened first (provisioning.take_over).
        linked = (
            LinkedClass.objects.select_for_update().select_related("classroom").get(pk=linked.pk)
        )
        classroom = linked.classroom
        for member in members:
            if not _valid(member) or member.get("status", "Active") != "Active":
                result.skipped += 1
                continue
            role = launch_role(member["roles"])
            if role is None:
                result.skipped += 1
                continue
            user = _user_for(registration, member)
            if role:
                make_instructor(user)
                take_over(linked, user)
                _, added = Teaching.objects.update_or_create(
                    linked_class=linked, user=user, defaults={"role": role}
                )
                result.teachers_added += added
            else:
                _, added = Membership.objects.get_or_create(classroom=classroom, user=user)
                result.learners_added += added
            result.updated += not added
    return result
