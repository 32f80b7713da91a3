"""Who is learning: the Learner behind a request, for visitors and account holders alike."""

from django.db import transaction
from django.dispatch import Signal
from django.http import HttpRequest

from .models import Answer, Attempt, Learner, LessonRead

# Sent (source=, target=) inside the merge, before the visitor's Learner is deleted, so that other
# apps holding rows of that Learner (sandbox keys, say) can move them too.
learner_merged = Signal()

SESSION_KEY = "learner_id"
SESSION_USER_KEY = "learner_user_id"


def current_learner(request: HttpRequest, create: bool = False) -> Learner | None:
    """The request's Learner; None for a visitor who has done nothing yet (unless `create`).

    The id is kept in the session, so most requests need no query to know who is learning.
    """
    if hasattr(request, "_learner") and (request._learner is not None or not create):
        return request._learner
    session = request.session
    user_id = request.user.pk if request.user.is_authenticated else None
    learner_id = session.get(SESSION_KEY)
    learner = None
    if learner_id and session.get(SESSION_USER_KEY) == user_id:
        learner = Learner(pk=learner_id, user_id=user_id)
    elif user_id is not None:
        learner, _ = Learner.objects.get_or_create(user_id=user_id)
    elif create:
        learner = Learner.objects.create()
    # Write only on change: an unchanged session is not saved again at the end of the request.
    if learner is not None and (learner_id, session.get(SESSION_USER_KEY)) != (learner.pk, user_id):
        session[SESSION_KEY] = learner.pk
        session[SESSION_USER_KEY] = user_id
    request._learner = learner
    return learner


@transaction.atomic
def merge_learner(source: Learner, target: Learner) -> None:
    """Move a visitor's progress into an account: every row moves once, nothing is copied."""
    if source.pk == target.pk:
        return
    already_read = LessonRead.objects.filter(learner=target).values("pattern_id")
    LessonRead.objects.filter(learner=source, pattern_id__in=already_read).delete()
    LessonRead.objects.filter(learner=source).update(learner=target)
    Answer.objects.filter(learner=source).update(learner=target)
    Attempt.objects.filter(learner=source).update(learner=target)
    learner_merged.send(sender=Learner, source=source, target=target)
    source.delete()


def join_visitor_progress(request: HttpRequest, user) -> None:
    """On log-in or sign-up: the visitor's Learner (if any) joins the account's."""
    session = request.session
    visitor_id = session.get(SESSION_KEY) if session.get(SESSION_USER_KEY) is None else None
    target, _ = Learner.objects.get_or_create(user=user)
    if visitor_id:
        source = Learner.objects.filter(pk=visitor_id, user__isnull=True).first()
        if source is not None:
            merge_learner(source, target)
    session[SESSION_KEY] = target.pk
    session[SESSION_USER_KEY] = user.pk
    request._learner = target
