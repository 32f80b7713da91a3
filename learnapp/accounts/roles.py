"""Roles: everyone is a learner; instructors are in the Instructors group; admins are superusers."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group

INSTRUCTORS_GROUP = "Instructors"


def is_instructor(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    if not hasattr(user, "_is_instructor"):
        user._is_instructor = (
            user.is_superuser or user.groups.filter(name=INSTRUCTORS_GROUP).exists()
        )
    return user._is_instructor


def make_instructor(user) -> None:
    group, _ = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
    user.groups.add(group)
    user._is_instructor = True
