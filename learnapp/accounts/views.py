from django.contrib import admin, messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from . import throttle
from .forms import LoginForm, SignupForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        response = super().form_valid(form)
        throttle.remember_device(response, form.get_user().get_username())
        return response

    def form_invalid(self, form: LoginForm) -> HttpResponse:
        _without_autofocus(form)
        return _refused(super().form_invalid(form), form.refusal)


def _without_autofocus(form) -> None:
    """After a failed submit focus belongs to the error summary, not to a field that was fine."""
    for field in form.fields.values():
        field.widget.attrs.pop("autofocus", None)


@never_cache
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's own log-in page behind the site's throttle: same counters, same refusal.

    AccountsConfig.ready() gives the admin site the throttled form, so the password check is
    gated there; this adds what only a view can, the 429 and the device cookie.
    """
    response = admin.site.login(request)
    if request.method == "POST" and response.status_code == 302:
        # The admin answers a log-in POST with a redirect only when its form was valid.
        throttle.remember_device(response, request.user.get_username())
        return response
    form = (getattr(response, "context_data", None) or {}).get("form")
    return _refused(response, getattr(form, "refusal", None))


def _refused(response: HttpResponse, refusal: throttle.Refusal | None) -> HttpResponse:
    # The form already carries the explanation; the status and Retry-After tell scripts.
    if refusal:
        response.status_code = 429
        response["Retry-After"] = str(refusal.wait)
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
            messages.success(
                request,
                f"Welcome to learnapp, {user.get_username()}! Your progress so far is kept in "
                "your account.",
            )
            return redirect(next_url or "catalog:home")
        _without_autofocus(form)
    else:
        form = SignupForm()
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


def _safe_next_url(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""
