"""/lti/login/, /lti/launch/ and /lti/jwks/: thin views over tool.py and provisioning.py."""

import logging

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from learnapp.classes.access import classes_taught_by
from learnapp.classes.models import Classroom

from . import deep_linking, keys, nrps
from .embedding import allow_framing, embed_in
from .models import origin_of, registered_frame_origins
from .provisioning import frame_origins_for, provision
from .services import ServiceError
from .tool import LaunchRefused, login_redirect, validate_launch

log = logging.getLogger("learnapp.lti")

AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _refused(request: HttpRequest, refused: LaunchRefused, step: str) -> HttpResponse:
    # The reason and pylti1p3's own words; never the id_token, which is a bearer credential
    # for as long as it is valid.
    log.warning(
        "LTI %s refused (%s): %s | %s",
        step,
        refused.status,
        refused.reason,
        refused.detail,
    )
    new_window_url = ""
    if refused.new_window_query:
        new_window_url = f"{reverse('lti:login')}?{refused.new_window_query}"
    response = render(
        request,
        "lti/refused.html",
        {"reason": refused.reason, "new_window_url": new_window_url, "status": refused.status},
        status=refused.status,
    )
    # The page is shown inside the LMS's frame, so any registered platform may frame it; it
    # holds nothing but the message and a link.
    allow_framing(response, registered_frame_origins())
    return response


@csrf_exempt  # the platform posts here, from its own site
@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    try:
        return login_redirect(request)
    except LaunchRefused as refused:
        return _refused(request, refused, "login")


@csrf_exempt  # the platform's form posts the id_token here; the token and state prove it
@never_cache
@require_POST
def launch(request: HttpRequest) -> HttpResponse:
    try:
        lti_launch = validate_launch(request)
        if lti_launch.is_deep_link_launch:
            return deep_link_launch(request, lti_launch)
        if not lti_launch.is_resource_launch:
            raise LaunchRefused(
                400,
                "learnapp opens links to its pages and lets instructors choose them (deep "
                "linking); other LTI messages are not supported.",
            )
        landing = provision(request, lti_launch)
    except LaunchRefused as refused:
        return _refused(request, refused, "launch")
    auth_login(request, landing.user, backend=AUTH_BACKEND)
    embed_in(request.session, frame_origins_for(lti_launch))
    log.info(
        "LTI launch: user %s in class %s, landing on %s",
        landing.user.pk,
        landing.classroom.pk,
        landing.url,
    )
    return redirect(landing.url)


def deep_link_launch(request: HttpRequest, lti_launch) -> HttpResponse:
    """An instructor's deep-linking launch: logged in to the class, on to the picker."""
    asked = deep_linking.check_request(lti_launch)
    landing = provision(request, lti_launch)
    auth_login(request, landing.user, backend=AUTH_BACKEND)
    embed_in(request.session, frame_origins_for(lti_launch))
    key = deep_linking.remember(request, lti_launch, asked, landing.classroom)
    log.info("LTI deep linking: user %s in class %s", landing.user.pk, landing.classroom.pk)
    return redirect("lti:deep_link", key=key)


@never_cache
@require_http_methods(["GET", "POST"])
def deep_link(request: HttpRequest, key: str) -> HttpResponse:
    """The picker, and (POST) the signed answer posted back to the platform."""
    entry = deep_linking.waiting_request(request, key) if request.user.is_authenticated else None
    if entry is None:
        return _refused(
            request,
            LaunchRefused(
                403,
                "This choice is no longer waiting: it was sent already, or it was started in "
                "another browser session. Start adding learnapp content from the course again.",
            ),
            "deep linking",
        )
    classroom = get_object_or_404(Classroom, pk=entry["classroom"])
    error = ""
    if request.method == "POST":
        choice = deep_linking.find_choice(classroom, request.POST.get("item", ""))
        if choice is not None:
            token = deep_linking.response_jwt(request, entry, choice)
            deep_linking.forget(request, key)
            log.info("LTI deep linking: user %s chose %s", request.user.pk, choice.value)
            response = render(
                request,
                "lti/deep_link_return.html",
                {"return_url": entry["return_url"], "jwt": token, "choice": choice},
            )
            deep_linking.allow_form_action(response, origin_of(entry["return_url"]))
            return response
        error = "Choose one of the items below."
    assignments, patterns = deep_linking.choices_for(classroom)
    return render(
        request,
        "lti/deep_link.html",
        {
            "classroom": classroom,
            "assignments": assignments,
            "patterns": patterns,
            "error": error,
            "chosen": request.POST.get("item", ""),
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def roster_sync(request: HttpRequest, class_id: int) -> HttpResponse:
    """The instructor's "Sync roster from the LMS": the platform's members join the class."""
    classroom = get_object_or_404(classes_taught_by(request.user), pk=class_id)
    try:
        queued = nrps.ask_for_roster_sync(classroom)
    except ServiceError as error:
        log.warning("LTI roster sync of class %s refused: %s", classroom.pk, error)
        messages.error(request, f"The roster could not be synced: {error.message}")
    else:
        messages.info(
            request,
            "The roster is being synced from the LMS: reload this page in a moment to see who "
            "joined."
            if queued
            else "A roster sync is already on its way: reload this page in a moment.",
        )
    return redirect(classroom.get_absolute_url())


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(keys.jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response
