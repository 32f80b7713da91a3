from django import template

from learnapp.accounts.profiles import display_name as _display_name
from learnapp.accounts.profiles import is_platform_user

register = template.Library()


@register.filter
def display_name(user) -> str:
    """`{{ user|display_name }}`: select the profile with the users, or each name costs a query."""
    return _display_name(user)


@register.filter
def from_lms(user) -> bool:
    """`{% if user|from_lms %}`: a user made for an LMS's user, whose user name means nothing
    to anyone, so a page says where they came from instead."""
    return is_platform_user(user)
