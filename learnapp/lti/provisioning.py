"""What a validated resource-link launch does in learnapp: who, which class, where to go."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from lti_tool.lti_core.constants import ContextRole
from lti_tool.lti_core.utils import normalize_role
from lti_tool.models import LtiLaunch, LtiUser
from lti_tool.utils import sync_data_from_launch

from learnapp.accounts.profiles import new_platform_username, profile_for
from learnapp.accounts.roles import make_instructor
from learnapp.classes.models import Classroom, Membership

from .ags import target_view, tie_launch
from .models import LinkedClass, Teaching, platform_for
from .tool import LaunchRefused

TA_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
TARGET_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"

# The learnapp pages a link in the LMS may open: a lesson, a pattern's practice or test, an
# assignment. Anything else (the launch URL itself, another site) opens the class.
LANDING_VIEWS = {
    "catalog:pattern",
    "learning:practice_start",
    "learning:practice",
    "learning:test_intro",
    "classes:assignment",
}


@dataclass
class Landing:
    user: object
    classroom: Classroom
    teaches: bool
    url: str


def launch_role(roles: list[str]) -> str | None:
    """Teaching.Role for a teacher, "" for a learner, None for anyone else."""
    if TA_ROLE in roles:
        return Teaching.Role.TEACHING_ASSISTANT
    normalized = {normalize_role(role) for role in roles}
    if ContextRole.INSTRUCTOR in normalized or ContextRole.ADMINISTRATOR in normalized:
        return Teaching.Role.INSTRUCTOR
    if ContextRole.LEARNER in normalized:
        return ""
    return None


def platform_user(issuer: str, subject: str, lti_user: LtiUser, names: dict[str, str]):
    """The learnapp user for the platform's (issuer, subject), made if new; names kept current.

    Found by issuer and subject only: an email claim is the platform's say-so and would let
    one platform's user take over another account with the same address. `names` holds the
    given_name, family_name, name and email the platform shared (a launch's claims, a roster's
    member), each "" if withheld: a withheld one keeps what we had. A user the platform never
    named is shown by the platform's own id for them, which its teachers can look up, rather
    than by our random user name.
    """
    linked = (
        LtiUser.objects.filter(registration__issuer=issuer, sub=subject, auth_user__isnull=False)
        .select_related("auth_user")
        .first()
    )
    if linked is not None:
        user = linked.auth_user
    else:
        user = get_user_model()(username=new_platform_username())
        user.set_unusable_password()
        user.save()
    if lti_user.auth_user_id != user.pk:
        lti_user.auth_user = user
        lti_user.save(update_fields=["auth_user", "datetime_modified"])
    kept = (user.first_name, user.last_name, user.email)
    user.first_name = names["given_name"][:150] or user.first_name
    user.last_name = names["family_name"][:150] or user.last_name
    user.email = names["email"][:254] or user.email
    if (user.first_name, user.last_name, user.email) != kept:  # a launch writes only news
        user.save(update_fields=["first_name", "last_name", "email"])
    full_name = " ".join(filter(None, [user.first_name, user.last_name]))
    profile = profile_for(user)
    name = (names["name"] or full_name or profile.display_name or f"LMS user {subject}")[:120]
    if profile.display_name != name:
        profile.display_name = name
        profile.save(update_fields=["display_name"])
    return user


def _user_for(lti_launch: LtiLaunch):
    claim = lti_launch.get_claim
    names = {key: claim(key) or "" for key in ("given_name", "family_name", "name", "email")}
    return platform_user(claim("iss"), claim("sub"), lti_launch.user, names)


STAND_IN_NAME = "Instructor (from the LMS)"


def _stand_in_owner():
    """The owner of a class a learner opened first: a user nobody can sign in as."""
    user = get_user_model()(username=new_platform_username(), is_active=False)
    user.set_unusable_password()
    user.save()
    profile = profile_for(user)
    profile.display_name = STAND_IN_NAME
    profile.save(update_fields=["display_name"])
    return user


def take_over(linked: LinkedClass, teacher) -> None:
    """The first teacher of a class a learner opened first becomes its instructor.

    `linked` is locked (select_for_update) by the caller, with its classroom.
    """
    if not linked.awaiting_teacher:
        return
    classroom = linked.classroom
    stand_in_id = classroom.instructor_id
    classroom.instructor = teacher
    classroom.save(update_fields=["instructor"])
    linked.awaiting_teacher = False
    linked.save(update_fields=["awaiting_teacher"])
    get_user_model().objects.filter(pk=stand_in_id, is_active=False).delete()


def _class_for(lti_launch: LtiLaunch, user, role: str):
    context = lti_launch.context_claim or {}
    registration = lti_launch.registration
    title = (context.get("title") or context.get("label") or "Course")[:120]
    linked = (
        LinkedClass.objects.select_for_update()
        .select_related("classroom")
        .filter(registration=registration, context_id=context["id"])
        .first()
    )
    if linked is None:
        # A teacher's first launch makes the class theirs; a learner's first launch makes it
        # too, owned by a stand-in until a teacher comes (take_over).
        try:
            with transaction.atomic():
                classroom = Classroom.objects.create(
                    name=title, instructor=user if role else _stand_in_owner()
                )
                LinkedClass.objects.create(
                    registration=registration,
                    context_id=context["id"],
                    classroom=classroom,
                    awaiting_teacher=not role,
                )
        except IntegrityError:  # two first launches at once: the other one made it
            pass
        linked = (
            LinkedClass.objects.select_for_update()
            .select_related("classroom")
            .get(registration=registration, context_id=context["id"])
        )
    if role:
        make_instructor(user)
        take_over(linked, user)
        Teaching.objects.update_or_create(linked_class=linked, user=user, defaults={"role": role})
    else:
        Membership.objects.get_or_create(classroom=linked.classroom, user=user)
    return linked.classroom


# Claims the launch stores, with the longest value django-lti's and our columns hold: a longer
# one would be a database error (a 500) on PostgreSQL.
TEXT_CLAIMS = {
    "sub": 255,
    "name": 500,
    "given_name": 500,
    "family_name": 500,
    "email": 254,
    TARGET_CLAIM: 2000,
}
CONTEXT_CLAIMS = {"id": 255, "title": 500, "label": 255}
PLATFORM_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/tool_platform"


def _check_claims(lti_launch: LtiLaunch) -> None:
    """The claims used below have the shapes and sizes we store: signed is not well formed."""
    context = lti_launch.context_claim
    if not isinstance(context, dict) or not isinstance(context.get("id"), str) or not context["id"]:
        raise LaunchRefused(400, "The launch does not say which course it comes from.")
    values = [(claim, lti_launch.get_claim(claim), most) for claim, most in TEXT_CLAIMS.items()]
    values += [(f"context {c}", context.get(c), most) for c, most in CONTEXT_CLAIMS.items()]
    link = lti_launch.resource_link_claim or {}
    values += [
        ("resource link id", link.get("id"), 255),
        ("resource link title", link.get("title"), 500),
    ]
    platform = lti_launch.get_claim(PLATFORM_CLAIM)
    if platform is not None:
        guid = platform.get("guid") if isinstance(platform, dict) else None
        values.append(("tool platform guid", guid or 0, 255))
    wrong = [
        claim
        for claim, value, most in values
        if value is not None and (not isinstance(value, str) or len(value) > most)
    ]
    if wrong:
        raise LaunchRefused(400, "The launch's claims are malformed: " + ", ".join(wrong) + ".")


def provision(request: HttpRequest, lti_launch: LtiLaunch) -> Landing:
    """Records the launch (django-lti's models), then the user, their class and the landing."""
    roles = lti_launch.roles_claim
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise LaunchRefused(400, "The launch's roles claim is not a list of roles.")
    role = launch_role(roles)
    if role is None:
        raise LaunchRefused(
            403,
            "learnapp opens for a course's instructors, teaching assistants and learners; "
            "the platform gave none of these roles.",
        )
    _check_claims(lti_launch)
    with transaction.atomic():
        sync_data_from_launch(lti_launch)
        user = _user_for(lti_launch)
        classroom = _class_for(lti_launch, user, role)
    teaches = bool(role)
    url = landing_url(request, lti_launch.get_claim(TARGET_CLAIM) or "", classroom, user, teaches)
    # A graded link (AGS claim) opens an assignment, whose score goes back to the LMS: a
    # learner starts it from their assignments, not as a self-study test that would not count.
    if tie_launch(request, lti_launch, user, classroom, teaches) is not None and not teaches:
        url = reverse("classes:assigned")
    return Landing(user=user, classroom=classroom, teaches=teaches, url=url)


def frame_origins_for(lti_launch: LtiLaunch) -> list[str]:
    return platform_for(lti_launch.registration).framing_origins()


def landing_url(request: HttpRequest, target: str, classroom, user, teaches: bool) -> str:
    match = target_view(request, target)
    if match is not None and match.view_name in LANDING_VIEWS:
        # An assignment's page is its instructor's; a learner starts it from their list.
        if match.view_name == "classes:assignment" and not teaches:
            return reverse("classes:assigned")
        return urlsplit(target).path
    # Every teacher of the course (recorded in Teaching) may open the class, not only its owner.
    return classroom.get_absolute_url() if teaches else reverse("classes:assigned")
