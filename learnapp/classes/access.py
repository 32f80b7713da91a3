"""Who teaches a class: the one rule every instructor page asks.

A class is taught by its instructor (the one who made it), by the co-teachers they added
(ClassTeacher) and by the teachers an LMS launch recorded for a course linked to it
(lti.Teaching). Admins see every class. Every view that opens a class, an assignment, an
attempt or a custom quiz by id filters through `classes_taught_by`, and everything else asks
`teaches` or `teachers_of`: there is no other check.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from .models import Classroom, ClassTeacher


def _taught_q(user, path: str = "") -> Q:
    """Rows whose class (reached by `path`, e.g. "assignment__classroom"; "" for a class
    itself) `user` teaches."""
    co_taught = ClassTeacher.objects.filter(user=user).values("classroom_id")
    # The LTI app's table, by its reverse names: a linked course's platform teachers.
    lti_taught = Classroom.objects.filter(lti_link__teachers__user=user).values("pk")
    if not path:
        return Q(instructor=user) | Q(pk__in=co_taught) | Q(pk__in=lti_taught)
    return (
        Q(**{f"{path}__instructor": user})
        | Q(**{f"{path}__in": co_taught})
        | Q(**{f"{path}__in": lti_taught})
    )


def taught_filter(user, path: str = "") -> Q:
    """A Q for rows whose class (reached by `path`, e.g. "assignment__classroom") `user`
    teaches; admins: everything."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    return _taught_q(user, path)


def classes_taught_by(user) -> QuerySet[Classroom]:
    """The classes `user` teaches (every class for an admin)."""
    return Classroom.objects.filter(taught_filter(user))


def classes_taught_by_exactly(user) -> QuerySet[Classroom]:
    """The classes `user` teaches, not counting an admin's reach: their own list of classes."""
    if not user.is_authenticated:
        return Classroom.objects.none()
    return Classroom.objects.filter(_taught_q(user))


def teaches(user, classroom: Classroom) -> bool:
    """Whether `user` teaches `classroom` (an admin is not a teacher here)."""
    if not user.is_authenticated:
        return False
    if classroom.instructor_id == user.pk:
        return True
    return classes_taught_by_exactly(user).filter(pk=classroom.pk).exists()


def teachers_of(classroom: Classroom) -> QuerySet:
    """Everyone who teaches `classroom`: its instructor first, then the others by name."""
    return (
        get_user_model()
        .objects.filter(
            Q(pk=classroom.instructor_id)
            | Q(pk__in=ClassTeacher.objects.filter(classroom=classroom).values("user_id"))
            | Q(pk__in=Classroom.objects.filter(pk=classroom.pk).values("lti_link__teachers__user"))
        )
        .select_related("profile")
        .order_by("username")
    )
