"""/lti/login/, /lti/launch/ and /lti/jwks/: thin views over tool.py and provisioning.py."""

import logging

from django.contrib.auth import login as auth_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import keys
from .embedding import allow_framing, embed_in
from .models import registered_frame_origins
from .provisioning import frame_origins_for, provision
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
        if not lti_launch.is_resource_launch:
            raise LaunchRefused(
                400,
                "learnapp opens links to its pages; choosing content from the course (deep "
                "linking) and other LTI messages are not supported yet.",
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


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(keys.jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response
