from django import template

from learnapp.accounts.profiles import display_name as _display_name

register = template.Library()


@register.filter
def display_name(user) -> str:
    """`{{ user|display_name }}`: select the profile with the users, or each name costs a query."""
    return _display_name(user)
