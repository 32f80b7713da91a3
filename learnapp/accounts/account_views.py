"""The account page (name, email, time zone, reminders) and the reminder emails' opt-out link."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from learnapp.timezones import COOKIE, time_zone_names

from .profile_forms import ProfileForm
from .profiles import profile_for, turn_reminders_off, user_from_reminders_off_token


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def account(request: HttpRequest) -> HttpResponse:
    profile = profile_for(request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=profile, user=request.user)
        if form.is_valid():
            with transaction.atomic():
                form.save()
            messages.success(request, "Your account details are saved.")
            return redirect("accounts:account")
    else:
        initial = {}
        if not profile.time_zone and request.COOKIES.get(COOKIE) in time_zone_names():
            # Offer the browser's zone rather than UTC; nothing is saved until they say so.
            initial["time_zone"] = request.COOKIES[COOKIE]
        form = ProfileForm(instance=profile, user=request.user, initial=initial)
    return render(request, "accounts/account.html", {"form": form})


# The link in reminder emails works without logging in: the signed token is the credential.
# GET only asks (mail scanners follow links); the POST turns reminders off, and is exempt from
# CSRF so that mail clients' one-click unsubscribe (RFC 8058) can send it. The worst a forged
# POST can do is what the link's owner asked for.
@require_http_methods(["GET", "POST"])
@csrf_exempt
@never_cache
def reminders_off(request: HttpRequest, token: str) -> HttpResponse:
    user = user_from_reminders_off_token(token)
    if user is None:
        return render(
            request,
            "notifications/reminders_off.html",
            {"invalid": True},
            status=400,
        )
    done = request.method == "POST"
    if done:
        turn_reminders_off(user)
    return render(request, "notifications/reminders_off.html", {"done": done, "recipient": user})
