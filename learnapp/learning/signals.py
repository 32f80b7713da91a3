from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .learners import join_visitor_progress


@receiver(user_logged_in)
def _join_visitor_progress(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        join_visitor_progress(request, user)
