"""The sandbox's pages: keys, the playground, the access log and the challenges."""

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from learnapp.learning.learners import current_learner
from learnapp.learning.models import Learner

from . import accesslog, keys, logs, metrics, ratelimit, reveal
from . import challenges as challenge_checks
from . import playground as pg
from .forms import KeyForm, MetricsForm, PlaygroundForm, RotateForm
from .models import AccessLogEntry, Category, SandboxKey, Source
from .models import create_key as make_key
from .models import rotate_key as make_rotation

MAX_LIVE_KEYS = 25
RECENT = 10


def _own_key(request: HttpRequest, key_id: str) -> SandboxKey:
    """A key of the requesting learner; anyone else's is simply not found."""
    learner = current_learner(request)
    if learner is None:
        raise Http404("No such key")
    return get_object_or_404(
        SandboxKey.objects.select_related("replaced_by"), key_id=key_id, learner=learner
    )


def _new_visitor_wait(request: HttpRequest) -> int | None:
    """Seconds to wait if this request would make one new sandbox learner too many from its
    address (a client without cookies makes one with every request); None to go ahead."""
    if current_learner(request) is not None:
        return None
    usage = ratelimit.hit_new_visitor(ratelimit.client_address(request))
    return None if usage.allowed else usage.reset


def _too_many_visitors(wait: int) -> str:
    return (
        f"Too many new visitors from your address in the last minute. Wait {wait} seconds and "
        "try again, and keep cookies on for this site: they keep your keys and log together."
    )


def _refused(response: HttpResponse, wait: int) -> HttpResponse:
    response.status_code = 429
    response["Retry-After"] = str(wait)
    return response


def _key_cap_refusal(learner_id: int) -> str | None:
    """Why the learner may not get one more working key, or None. Call inside a transaction:
    the learner's row is locked so that two requests at once cannot both take the last slot."""
    Learner.objects.select_for_update().filter(pk=learner_id).first()
    working = SandboxKey.objects.filter(learner_id=learner_id).working(timezone.now()).count()
    if working < MAX_LIVE_KEYS:
        return None
    return (
        f"You have {working} keys that still work (at most {MAX_LIVE_KEYS}), counting keys in a "
        "rotation's overlap window; revoke some first."
    )


def _shown_once(response: HttpResponse) -> HttpResponse:
    # The page with a new key in it must not be kept by the browser or any cache.
    add_never_cache_headers(response)
    return response


# -- keys -------------------------------------------------------------------------------------


def _home(request: HttpRequest, form: KeyForm, created: tuple | None = None) -> HttpResponse:
    learner = current_learner(request)
    now = timezone.now()
    own_keys = list(SandboxKey.objects.of(learner).select_related("replaced_by"))
    return render(
        request,
        "sandbox/home.html",
        {
            "form": form,
            "keys": [(key, key.status(now)) for key in own_keys],
            "created": created,
        },
    )


def _revealed(request: HttpRequest, key: SandboxKey | None) -> tuple | None:
    """(key, raw) when `key` was just created for this browser: once, on the page after."""
    raw = reveal.take(request, key) if key is not None else None
    return (key, raw) if raw else None


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    created = None
    key_id = reveal.pending_key_id(request)
    if key_id:
        created = _revealed(
            request, SandboxKey.objects.of(current_learner(request)).filter(key_id=key_id).first()
        )
    response = _home(request, KeyForm(), created)
    reveal.forget(request, response)
    return _shown_once(response) if created else response


@require_http_methods(["GET", "POST"])
def create_key(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return redirect("sandbox:home")
    form = KeyForm(request.POST)
    if not form.is_valid():
        return _home(request, form)
    wait = _new_visitor_wait(request)
    if wait:
        form.add_error(None, _too_many_visitors(wait))
        return _refused(_home(request, form), wait)
    learner = current_learner(request, create=True)
    data = form.cleaned_data
    with transaction.atomic():
        refusal = _key_cap_refusal(learner.pk)
        if refusal:
            form.add_error(None, refusal)
            return _home(request, form)
        key, raw = make_key(
            learner,
            name=data["name"],
            scopes=data["scopes"],
            rate_limit_per_minute=data["rate_limit_per_minute"],
            expires_at=timezone.now() + timedelta(seconds=data["expires_in"])
            if data["expires_in"]
            else None,
            allowed_networks=data["allowed_networks"],
        )
    # Redirect, so that a reload shows the page again instead of creating another key.
    response = redirect("sandbox:home")
    reveal.seal(request, response, key, raw)
    return response


def _key_context(request: HttpRequest, key: SandboxKey) -> dict:
    now = timezone.now()
    accesslog.flush()  # the rows this process still holds show too
    requests = AccessLogEntry.objects.filter(key=key).order_by("-created_at", "-pk")
    context = {
        "key": key,
        "status": key.status(now),
        "recent": list(requests[:RECENT]),
        "rotate_form": RotateForm(),
        "replaces": SandboxKey.objects.filter(replaced_by=key).first(),
    }
    if key.replaced_by_id:
        since = requests.filter(created_at__gte=key.rotation_started_at)
        context["rotation"] = {
            "new": key.replaced_by,
            "old_requests": since.count(),
            "old_last_seen": since.values_list("created_at", flat=True).first(),
            "old_failed": since.filter(status__gte=400).count(),
            "new_requests": AccessLogEntry.objects.filter(key=key.replaced_by).count(),
            "new_ok": AccessLogEntry.objects.filter(
                key=key.replaced_by, status__gte=200, status__lt=300
            ).count(),
            "window_open": not key.is_revoked(now),
        }
    return context


@require_safe
def key_detail(request: HttpRequest, key_id: str) -> HttpResponse:
    key = _own_key(request, key_id)
    context = _key_context(request, key)
    if key.replaced_by_id and reveal.pending_key_id(request) == key.replaced_by.key_id:
        context["created"] = _revealed(request, key.replaced_by)
    response = render(request, "sandbox/key.html", context)
    reveal.forget(request, response)
    return _shown_once(response) if context.get("created") else response


@require_POST
def rotate_key(request: HttpRequest, key_id: str) -> HttpResponse:
    key = _own_key(request, key_id)
    if key.status() != "active":
        messages.error(request, "Only an active key can be rotated.")
        return redirect("sandbox:key", key_id=key.key_id)
    form = RotateForm(request.POST)
    if not form.is_valid():
        context = _key_context(request, key)
        context["rotate_form"] = form
        return render(request, "sandbox/key.html", context)
    with transaction.atomic():
        refusal = _key_cap_refusal(key.learner_id)
        if refusal:
            messages.error(request, refusal)
            return redirect("sandbox:key", key_id=key.key_id)
        new, raw = make_rotation(key, timedelta(seconds=form.cleaned_data["overlap"]))
    response = redirect("sandbox:key", key_id=key.key_id)
    reveal.seal(request, response, new, raw)
    return response


@require_http_methods(["GET", "POST"])
def revoke_key(request: HttpRequest, key_id: str) -> HttpResponse:
    key = _own_key(request, key_id)
    if key.is_revoked():
        messages.info(request, "That key is already revoked.")
        return redirect("sandbox:key", key_id=key.key_id)
    if request.method == "POST":
        key.revoke()
        messages.success(request, f"{key.prefix} is revoked. It will never work again.")
        return redirect("sandbox:key", key_id=key.key_id)
    return render(request, "sandbox/revoke.html", {"key": key})


# -- playground -------------------------------------------------------------------------------


def _recent(learner) -> list[AccessLogEntry]:
    accesslog.flush()  # the rows this process still holds show too
    return list(AccessLogEntry.objects.of(learner)[:RECENT])


def _composed_from(form: PlaygroundForm, rows: list[tuple[str, str]]) -> pg.Composed:
    data = form.cleaned_data
    path, _, query_in_path = data["path"].partition("?")
    query = "&".join(q for q in (query_in_path, data["query"].lstrip("?")) if q)
    return pg.Composed(
        method=data["method"],
        path=path,
        query=query,
        headers=rows,
        body=data["body"],
        repeat=data["repeat"],
    )


def _field_rows(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    # Two empty rows to add headers without JavaScript.
    return [*headers, ("", ""), ("", "")][: pg.MAX_HEADER_ROWS]


def _playground_fields(composed: pg.Composed) -> PlaygroundForm:
    return PlaygroundForm(
        initial={
            "method": composed.method,
            "path": composed.path,
            "query": composed.query,
            "body": composed.body,
            "repeat": composed.repeat,
        }
    )


def _send(request: HttpRequest, composed: pg.Composed, key: str) -> dict:
    """Send the composed request and describe the answer; nothing in it holds the key."""
    learner = current_learner(request, create=True)
    filled = composed.filled(key)
    responses = pg.send(request, filled, learner.pk)
    response = pg.show(responses[-1])
    base = request.build_absolute_uri("/").rstrip("/")
    curl = pg.segments(pg.curl(filled, base))
    return {
        "response": response,
        "teaching": pg.teaching(response),
        "statuses": [r.status_code for r in responses],
        "curl": curl,
        "python": pg.segments(pg.python(filled, base)),
        "has_key": any(is_key for is_key, _ in curl),
    }


@require_http_methods(["GET", "POST"])
def playground(request: HttpRequest) -> HttpResponse:
    context: dict = {"presets": pg.PRESETS, "result": None}
    if request.method == "GET":
        preset = pg.PRESETS_BY_SLUG.get(request.GET.get("preset", ""))
        composed = preset.request if preset else pg.PRESETS[0].request
        context.update(
            form=_playground_fields(composed), rows=_field_rows(composed.headers), preset=preset
        )
        if request.htmx and preset:
            return render(request, "sandbox/playground.html#fields", context)
        context["recent"] = _recent(current_learner(request))
        return render(request, "sandbox/playground.html", context)

    form = PlaygroundForm(request.POST)
    rows = pg.header_rows(request.POST)
    errors = pg.header_errors(rows)
    composed = None
    if form.is_valid():
        composed = _composed_from(form, rows)
        if pg.api_view(composed.path) is None:
            errors.append("The playground sends requests to paths under /sandbox/api/ only.")
        if composed.uses_key() and not form.cleaned_data["key"]:
            errors.append("The request uses {key}, but the key field is empty: paste a key.")
    else:
        errors += [e for field_errors in form.errors.values() for e in field_errors]
    status = 200
    wait = None if errors else _new_visitor_wait(request)
    if wait:
        errors.append(_too_many_visitors(wait))
    if errors:
        status = 429 if wait else 400
        # An error message may quote what was typed, and that may be a key.
        context["errors"] = [keys.mask_keys(e) for e in errors]
    else:
        context["result"] = _send(request, composed, form.cleaned_data["key"])
        context["key_note"] = pg.key_note(
            pg.PRESETS_BY_SLUG.get(request.POST.get("preset", "")),
            form.cleaned_data["key"],
            current_learner(request),
            request.META.get("REMOTE_ADDR", ""),
            timezone.now(),
        )
    context["recent"] = _recent(current_learner(request))
    if request.htmx:
        response = render(request, "sandbox/playground.html#result", context, status=status)
        return _refused(response, wait) if wait else response
    # Without JavaScript the whole page comes back: the fields as sent with keys masked, and
    # the key field empty (it is never rendered back).
    if composed is None:
        composed = pg.Composed(path=request.POST.get("path", "")[:300], headers=rows)
    shown = composed.masked()
    context.update(
        form=_playground_fields(shown),
        rows=_field_rows(shown.headers),
        key_was_sent=bool(request.POST.get("key")),
        preset=pg.PRESETS_BY_SLUG.get(request.POST.get("preset", "")),
    )
    response = render(request, "sandbox/playground.html", context, status=status)
    return _refused(response, wait) if wait else response


# -- access log -------------------------------------------------------------------------------

LOG_PAGE_SIZE = 50
STATUS_FILTERS = {
    "2xx": (200, 300),
    "4xx": (400, 500),
    "400": (400, 401),
    "401": (401, 402),
    "403": (403, 404),
    "429": (429, 430),
}


@require_safe
def access_log(request: HttpRequest) -> HttpResponse:
    learner = current_learner(request)
    now = timezone.now()
    period = request.GET.get("period", logs.DEFAULT_PERIOD)
    if period not in logs.PERIODS:
        period = logs.DEFAULT_PERIOD
    start = logs.since(period, now)
    rows, total, verdict = logs.summary(learner, start)

    filters = {
        "status": request.GET.get("status", ""),
        "category": request.GET.get("category", ""),
        "source": request.GET.get("source", ""),
        "key": request.GET.get("key", ""),
    }
    entries = logs.entries(learner, start)
    if filters["status"] in STATUS_FILTERS:
        low, high = STATUS_FILTERS[filters["status"]]
        entries = entries.filter(status__gte=low, status__lt=high)
    if filters["category"] in Category.values:
        entries = entries.filter(category=filters["category"])
    if filters["source"] in Source.values:
        entries = entries.filter(source=filters["source"])
    if filters["key"]:
        entries = entries.filter(key__key_id=filters["key"])
    page = Paginator(entries, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "periods": [(value, label) for value, (label, _) in logs.PERIODS.items()],
        "period": period,
        "rows": rows,
        "total": total,
        "verdict": verdict,
        "thresholds": logs.THRESHOLDS,
        "unauthorized_definition": logs.UNAUTHORIZED_USE,
        "filters": filters,
        "status_filters": list(STATUS_FILTERS),
        "categories": Category.choices,
        "sources": Source.choices,
        "keys": list(SandboxKey.objects.of(learner).values_list("key_id", "name")),
        "page": page,
        "page_query": query.urlencode(),
    }
    if request.htmx:
        return render(request, "sandbox/log.html#entries", context)
    return render(request, "sandbox/log.html", context)


# -- metrics ----------------------------------------------------------------------------------


@require_safe
def metrics_page(request: HttpRequest) -> HttpResponse:
    form = MetricsForm(request.GET)
    valid = form.is_valid()
    period = (valid and form.cleaned_data["period"]) or logs.DEFAULT_PERIOD
    budget = (valid and form.cleaned_data["budget"]) or metrics.DEFAULT_BUDGET
    panels, count = metrics.panels(
        current_learner(request), logs.since(period, timezone.now()), budget
    )
    context = {
        "form": form,
        "periods": [(value, label) for value, (label, _) in logs.PERIODS.items()],
        "period": period,
        "budget": budget,
        "panels": panels,
        "count": count,
        "max_rows": metrics.MAX_ROWS,
    }
    # A mistyped budget still shows the page, with the defaults and the form's reason.
    return render(request, "sandbox/metrics.html", context, status=200 if valid else 400)


# -- challenges -------------------------------------------------------------------------------


@require_safe
def challenges(request: HttpRequest) -> HttpResponse:
    done = challenge_checks.refresh(current_learner(request))
    items = [(c, c.slug in done) for c in challenge_checks.CHALLENGES]
    return render(
        request,
        "sandbox/challenges.html",
        {"items": items, "done": len(done), "count": len(items)},
    )
