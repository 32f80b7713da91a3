import math
from typing import Any

from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from . import throttle
from .forms import SignupForm


class LoginView(auth_views.LoginView):
    """Django's log-in, refusing attempts with 429 while a throttle counter is over its limit.

    Attempts are counted here rather than from the user_login_failed signal because the count
    has to come before the password check (see throttle.py), and a refused attempt must not reach
    authenticate() at all, whatever password it carries.
    """

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        # A form missing either field fails validation before any password is checked, so it is
        # no guess and isn't counted.
        if username.strip() and request.POST.get("password"):
            wait = throttle.start_attempt(username, throttle.client_ip(request))
            if wait:
                return self.refuse(username, wait)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        throttle.attempt_succeeded(form.cleaned_data["username"], throttle.client_ip(self.request))
        return super().form_valid(form)

    def refuse(self, username: str, wait: int) -> HttpResponse:
        form = self.get_form_class()(self.request, initial={"username": username})
        context = self.get_context_data(form=form, retry_minutes=math.ceil(wait / 60))
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(wait)
        return response


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("password1", "password2")
@never_cache
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("catalog:home")
    next_url = _safe_next_url(request)
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            user = form.save()
            # login() sends user_logged_in, whose receivers move the visitor's anonymous progress
            # into the new account.
            login(request, user)
            return redirect(next_url or "catalog:home")
    else:
        form = SignupForm()
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/account.html")


def _safe_next_url(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""
