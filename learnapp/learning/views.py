import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core import signing
from django.db.models import OuterRef, Subquery
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from learnapp.catalog.models import Pattern, Question
from learnapp.catalog.pages import cached_fragment, cached_object
from learnapp.catalog.parsing import MAX_HINT_TIERS, QUESTIONS_PER_SET
from learnapp.catalog.qtypes import QuestionType
from learnapp.catalog.variants import variant
from learnapp.prepared import Prepared

from .forms import MAX_TIMED_MS, TestAnswerForm
from .grading import (
    AnswerRejected,
    attempt_items,
    autosave_target,
    breakdown_rows,
    finish_if_overdue,
    hard_fully_right,
    judge,
    record_practice_answer,
    rulings_for,
    save_test_answer,
    start_attempt,
    submit_attempt,
)
from .hints import record_hint_use, tiers_to_show
from .learners import current_learner
from .models import Answer, Attempt, AttemptItem, LessonRead, Mode, StrongRule
from .practising import (
    PracticeAnswerForm,
    feedback,
    new_seed,
    practice_item,
    read_order,
    read_seed,
    varies,
    widget,
)
from .presenting import question_page, review_entry, withheld_entry
from .progress import progress_page_context
from .regrade import regrade_notes
from .responses import ResponseError, Sent, moved
from .review import check_review_answer, mistakes_to_review
from .spaced import add_self_checks, next_due_card, servable, when_text
from .spaced import due_count as spaced_due_count
from .spaced import review as review_card
from .visibility import questions_under_test

FORM_SALT = "learnapp.practice-form"
HINT_SESSION_PREFIX = "hint:"
# How many tiers of a question's hint the learner has opened (hints.py).
HINTS_SESSION_PREFIX = "hints:"
REVIEW_SESSION_KEY = "review"


def _active_pattern(slug: str) -> Pattern:
    return get_object_or_404(Pattern.objects.active().select_related("section__track"), slug=slug)


PRACTICE_PATTERN_UNREAD = ("lesson_html", "toc", "self_checks", "faded_examples", "blueprint")

# Every practice GET and "Check" starts here: compiled once (learnapp.prepared).
_PRACTICE_QUESTION = Prepared(
    lambda slug, number: (
        Question.objects.active()
        .practice()
        .select_related("current_version", "pattern")
        # The lesson's parts are not shown around a question (nor its test's blueprint): a
        # Check would otherwise read and parse them every time.
        .defer(*(f"pattern__{name}" for name in PRACTICE_PATTERN_UNREAD))
        .filter(pattern__slug=slug, pattern__retired_at__isnull=True, position=number)[:1]
    ),
    str,
    int,
)


# Which question is there now, at which version: two columns through an index. The question
# itself, with its version and pattern, is then kept in process memory for that version, so a
# correction or a retirement is seen at once while a Check reads one narrow row.
_PRACTICE_QUESTION_NOW = Prepared(
    lambda slug, number: (
        Question.objects.active()
        .practice()
        .only("current_version_id")
        .filter(pattern__slug=slug, pattern__retired_at__isnull=True, position=number)[:1]
    ),
    str,
    int,
)


def _practice_question(slug: str, number: int) -> Question:
    now = _PRACTICE_QUESTION_NOW.first(slug, number)
    if now is None:
        raise Http404("No such practice question")
    key = ("practice-question", slug, number, now.pk, now.current_version_id)
    question = cached_object(key, lambda: _PRACTICE_QUESTION.first(slug, number))
    if question is None or question.current_version_id != now.current_version_id:
        # Corrected between the two reads: read it again. (What was kept under this key is
        # never asked for once the narrow read sees the new version, and expires.)
        question = _PRACTICE_QUESTION.first(slug, number)
        if question is None:
            raise Http404("No such practice question")
    return question


# Compiled once (learnapp.prepared): every autosave and test page reads its attempt first.
_OWN_ATTEMPT = Prepared(
    lambda pk, learner_id: Attempt.objects.filter(pk=pk, learner_id=learner_id), int, int
)
_OWN_ATTEMPT_WITH_RELATED = Prepared(
    lambda pk, learner_id: Attempt.objects.select_related(
        "pattern", "assignment__classroom"
    ).filter(pk=pk, learner_id=learner_id),
    int,
    int,
)


def _own_attempt(request: HttpRequest, attempt_id: int, with_related: bool = True) -> Attempt:
    """An attempt of the requesting learner; anyone else's is simply not found.

    An attempt whose time ran out is submitted here, whatever page the learner asks for.
    `with_related=False` skips the pattern and class, which autosave (every click) never reads.
    """
    learner = current_learner(request)
    if learner is None:
        raise Http404("No such test")
    query = _OWN_ATTEMPT_WITH_RELATED if with_related else _OWN_ATTEMPT
    attempt = query.first(attempt_id, learner.pk)
    if attempt is None:
        raise Http404("No such test")
    if finish_if_overdue(attempt):
        # The submission scored it: read back what it wrote (the result page shows it at once).
        attempt.refresh_from_db()
    return attempt


def _latest_practice_answers(learner, pattern_id: int) -> dict[int, Answer]:
    """The learner's latest practice answer to each question of the pattern, in one query.

    One row per question, found through the (learner, mode, question, answered_at) index,
    however many times the learner has answered.
    """
    if learner is None:
        return {}
    latest_per_question = (
        Question.objects.filter(pattern_id=pattern_id)
        .annotate(
            latest=Subquery(
                Answer.objects.filter(learner=learner, mode=Mode.PRACTICE, question=OuterRef("pk"))
                .order_by("-answered_at", "-pk")
                .values("pk")[:1]
            )
        )
        .values("latest")
    )
    return {a.question_id: a for a in Answer.objects.filter(pk__in=latest_per_question)}


def _review_queue(request: HttpRequest) -> list[list]:
    return request.session.get(REVIEW_SESSION_KEY) or []


# -- lessons ----------------------------------------------------------------------------------


@require_POST
def mark_read(request: HttpRequest, slug: str) -> HttpResponse:
    pattern = _active_pattern(slug)
    learner = current_learner(request, create=True)
    LessonRead.objects.bulk_create(
        [LessonRead(learner=learner, pattern=pattern)], ignore_conflicts=True
    )
    add_self_checks(learner, pattern, timezone.now())
    if request.htmx:
        return render(request, "learning/lesson_read.html#read", {"pattern": pattern, "read": True})
    messages.success(request, f"“{pattern.title}” is marked as read.")
    return redirect(pattern)


# -- practice ---------------------------------------------------------------------------------


@require_GET
def practice_start(request: HttpRequest, slug: str) -> HttpResponse:
    pattern = _active_pattern(slug)
    request.session.pop(REVIEW_SESSION_KEY, None)
    latest = _latest_practice_answers(current_learner(request), pattern.pk)
    positions = pattern.questions.active().practice().values_list("pk", "position")
    first_open = next((pos for pk, pos in positions if pk not in latest), 1)
    return redirect("learning:practice", slug=slug, number=first_open)


@dataclass(frozen=True)
class _Round:
    """Where a practice question sits: its set, or the "review my mistakes" queue."""

    review_index: int | None
    review_total: int
    next_url: str | None

    @property
    def suffix(self) -> str:
        return "?review=1" if self.review_index is not None else ""


def _round(request: HttpRequest, question: Question) -> _Round:
    review = _review_queue(request) if request.GET.get("review") else []
    here = [question.pattern.slug, question.position]
    if here in review:
        index = review.index(here)
        following = review[index + 1] if index + 1 < len(review) else None
        next_url = reverse("learning:practice", args=following) + "?review=1" if following else None
        return _Round(index, len(review), next_url)
    # Every practice set has exactly QUESTIONS_PER_SET questions: the loader checks.
    next_url = (
        reverse("learning:practice", args=[question.pattern.slug, question.position + 1])
        if question.position < QUESTIONS_PER_SET
        else None
    )
    return _Round(None, 0, next_url)


def _practice_url(item: AttemptItem, review: bool, order: list[str] | None = None) -> str:
    """The practice page showing this variant (and the steps in `order`) again."""
    question = item.question
    params = {}
    if review:
        params["review"] = "1"
    if varies(item.question_version):
        params["variant"] = str(item.seed)
    if order:
        params["order"] = "".join(order)
    url = reverse("learning:practice", args=[question.pattern.slug, question.position])
    return f"{url}?{urlencode(params)}" if params else url


def _feedback_context(
    request: HttpRequest, item: AttemptItem, answer: Answer | None, where: _Round | None = None
) -> dict:
    """What the feedback partial needs, without the overview's queries."""
    question = item.question
    version = item.question_version
    where = where or _round(request, question)
    shown = variant(version, item.seed)
    return {
        "pattern": question.pattern,
        "question": question,
        "version": version,
        "shown": shown,
        "answer": answer,
        "feedback": feedback(item, shown, answer) if answer else None,
        "next_url": where.next_url,
        "review_index": where.review_index,
        "review_total": where.review_total,
        "review_suffix": where.suffix,
    }


def _practice_context(
    request: HttpRequest,
    item: AttemptItem,
    answer: Answer | None,
    order: list[str] | None = None,
    error: str = "",
    typed: str = "",
    show_last: bool = False,
) -> dict:
    """The whole practice page: the feedback's context plus the set's overview and the form.

    `show_last`: a learner coming back to a question sees their last answer and its feedback,
    unless the wording changed since or it was a template's variant (its seed is not kept).
    """
    question = item.question
    pattern = question.pattern
    questions = list(pattern.questions.active().practice().values("pk", "position", "difficulty"))
    latest = _latest_practice_answers(current_learner(request), pattern.pk)
    last = latest.get(question.pk) if show_last and answer is None else None
    if (
        last
        and last.question_version_id == item.question_version.pk
        and not item.question_version.is_template
    ):
        answer = last
    overview = [
        {**q, "answer": latest.get(q["pk"]), "current": q["pk"] == question.pk} for q in questions
    ]
    # The variant's seed rides in the signed token, so the answer is graded against exactly
    # what this form showed; the version, so an answer to a since-corrected wording is refused.
    token = signing.dumps(
        {
            "q": question.pk,
            "v": item.question_version.pk,
            "s": item.seed,
            "n": secrets.token_hex(8),
            "t": int(time.time() * 1000),
        },
        salt=FORM_SALT,
    )
    shown_widget = widget(item, answer, order)
    if error:
        shown_widget["saved"]["value"] = typed
    return {
        **_feedback_context(request, item, answer),
        "widget": shown_widget,
        "error": error,
        "count": len(questions),
        "overview": overview,
        "answered": sum(1 for q in overview if q["answer"]),
        "hint_shown": request.session.get(f"{HINT_SESSION_PREFIX}{question.pk}", False),
        "hints_shown": request.session.get(f"{HINTS_SESSION_PREFIX}{question.pk}", 0)
        or int(request.session.get(f"{HINT_SESSION_PREFIX}{question.pk}", False)),
        "form_token": token,
        "returning": last is not None and answer is last,
    }


def _form_token(request: HttpRequest, question: Question) -> dict:
    """The practice form's signed token for this question; BadSignature if it is not one."""
    token = signing.loads(request.POST.get("form_token", ""), salt=FORM_SALT)
    if not isinstance(token, dict) or token.get("q") != question.pk:
        raise signing.BadSignature("a form token of another question")
    if not isinstance(token.get("s", 0), int) or not isinstance(token.get("n"), str):
        raise signing.BadSignature("a form token without its seed or nonce")
    return token


def _shown_from_query(request: HttpRequest, question: Question) -> tuple[AttemptItem, list]:
    """The variant (`?variant=`) and steps' order (`?order=`) to show, or fresh ones."""
    version = question.current_version
    seed = read_seed(request.GET["variant"]) if "variant" in request.GET else new_seed(version)
    item = practice_item(question, seed)
    order = []
    if request.GET.get("order") and version.qtype == QuestionType.ORDERING:
        order = read_order(item, list(request.GET["order"].strip().upper()))
    return item, order


@require_http_methods(["GET", "POST"])
def practice_question(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    question = _practice_question(slug, number)
    if request.method == "GET":
        try:
            item, order = _shown_from_query(request, question)
        except ResponseError as exc:
            return _rejected(request, str(exc))
        show_last = not ({"variant", "order", "again"} & request.GET.keys())
        context = _practice_context(request, item, None, order, show_last=show_last)
        return render(request, "learning/practice.html", context)

    try:
        token = _form_token(request, question)
    except signing.BadSignature:
        return _rejected(
            request, "This form has expired or was changed. Reload the question and try again."
        )
    if token.get("v", question.current_version_id) != question.current_version_id:
        return _rejected(
            request, "This question was corrected since you opened it: reload it to see it.", 409
        )
    item = practice_item(question, token.get("s", 0))
    form = PracticeAnswerForm(request.POST)
    if not form.is_valid():
        return _rejected(request, form.error_text())
    data = form.cleaned_data
    reviewing = bool(request.GET.get("review"))
    if data["move"]:
        # "Up" / "Down" without JavaScript: the same variant again, with the step moved.
        try:
            order = moved(read_order(item, data["order"]), data["move"])
        except ResponseError as exc:
            return _rejected(request, str(exc))
        url = _practice_url(item, reviewing, order) + "#steps"
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    elapsed = int(time.time() * 1000) - int(token.get("t", 0))
    try:
        answer = record_practice_answer(
            current_learner(request, create=True),
            item,
            Sent(data["choice"], data["choices"], data["value"], data["order"]),
            form_token=token["n"],
            used_hint=request.session.get(f"{HINT_SESSION_PREFIX}{question.pk}", False),
            time_taken_ms=elapsed if 0 <= elapsed <= MAX_TIMED_MS else None,
        )
    except AnswerRejected as exc:
        wants_json = "application/json" in request.headers.get("Accept", "")
        if exc.status == 400 and not request.htmx and not wants_json:
            # The same question again, with the reason and what was typed, to correct.
            context = _practice_context(
                request, item, None, _valid_order(item, data["order"]), str(exc), data["value"]
            )
            return render(request, "learning/practice.html", context, status=400)
        return _rejected(request, str(exc), exc.status)
    if request.htmx:
        return HttpResponse(_feedback_html(request, item, answer))
    return render(request, "learning/practice.html", _practice_context(request, item, answer))


def _feedback_html(request: HttpRequest, item: AttemptItem, answer: Answer) -> str:
    """The feedback partial after a Check. It shows only the answer's verdict on an immutable
    question version, so it is rendered once per everything it depends on (learnapp.catalog
    .pages.cached_fragment): a learner answering a question as others did gets the same HTML."""
    question = item.question
    where = _round(request, question)
    key = (
        "practice-feedback",
        item.question_version.pk,
        item.seed,
        tuple(item.option_order),
        repr(answer.response),
        answer.credit,
        answer.choice,
        answer.is_correct,
        question.pattern.slug,
        question.position,
        where,
    )
    return cached_fragment(
        key,
        lambda: render_to_string(
            "learning/practice.html#feedback",
            _feedback_context(request, item, answer, where),
            request=request,
        ),
    )


def _valid_order(item: AttemptItem, letters: list[str]) -> list[str]:
    try:
        return read_order(item, letters) if letters else []
    except ResponseError:
        return []


def _rejected(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    """A 4xx that says what was wrong, in the form the caller asked for."""
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"error": message}, status=status)
    template = "learning/rejected.html#message" if request.htmx else "learning/rejected.html"
    return render(request, template, {"message": message}, status=status)


@require_POST
def practice_hint(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Show the next tier of the question's hint (`tier`: 1 for the nudge) and record it."""
    question = _practice_question(slug, number)
    # The hint of the variant on screen: its seed is in the form the button belongs to.
    try:
        seed = _form_token(request, question).get("s", 0)
    except signing.BadSignature:
        seed = 0  # hints are no secret in practice: the question's first variant's will do
    tier = request.POST.get("tier", "1")
    if not tier.isascii() or not tier.isdigit() or not 1 <= int(tier) <= MAX_HINT_TIERS:
        return _rejected(request, f"'tier' must be a whole number from 1 to {MAX_HINT_TIERS}.")
    item = practice_item(question, seed)
    shown = variant(item.question_version, item.seed)
    key = f"{HINTS_SESSION_PREFIX}{question.pk}"
    tiers = tiers_to_show(int(tier), request.session.get(key, 0), len(shown.hints))
    # Kept in the session: the page shows these tiers again, and the next answer to this
    # question records that a hint was used.
    request.session[key] = tiers
    request.session[f"{HINT_SESSION_PREFIX}{question.pk}"] = True
    record_hint_use(current_learner(request, create=True), question, tiers)
    if request.htmx:
        context = {
            "pattern": question.pattern,
            "question": question,
            "shown": shown,
            "hints_shown": tiers,
            "form_token": request.POST.get("form_token", ""),
            "review_suffix": "?review=1" if request.GET.get("review") else "",
            "swapped": True,
        }
        return render(request, "learning/_hint.html", context)
    order = _valid_order(item, [letter.strip().upper() for letter in request.POST.getlist("order")])
    return redirect(_practice_url(item, bool(request.GET.get("review")), order) + "#hint")


# -- review my mistakes -----------------------------------------------------------------------


@require_GET
def review_mistakes(request: HttpRequest) -> HttpResponse:
    """Practise again every question whose latest answer (practice, or a test whose results
    the learner may see) was wrong."""
    mistakes = mistakes_to_review(current_learner(request), timezone.now())
    # Only practice questions can be practised again; a pool item's mistake leads to its test.
    queue = [[m.question.pattern.slug, m.question.position] for m in mistakes if m.practicable]
    request.session[REVIEW_SESSION_KEY] = queue
    return render(request, "learning/review.html", {"mistakes": mistakes, "queue": queue})


# -- spaced review ----------------------------------------------------------------------------

REVIEW_DUE_SALT = "learnapp.review-card"
# The pattern of the card reviewed last, so the next one comes from another (spaced.pick_next).
REVIEW_DUE_LAST = "review_due_last_pattern"


def _review_card_context(request: HttpRequest, card, due: int, error: str = "", typed="") -> dict:
    """A due card as the review page shows it: a fresh variant of a question, or a self-check."""
    context = {"card": card, "due": due, "error": error}
    if card is None:
        return context
    if card.question_id is None:
        context["self_check"] = card.pattern.self_checks[card.self_check]
        seed = 0
    else:
        version = card.question.current_version
        seed = new_seed(version)
        item = practice_item(card.question, seed)
        context["widget"] = widget(item, None)
        context["version"] = version
        context["shown"] = variant(version, seed)
        if error:
            context["widget"]["saved"]["value"] = typed
    context["form_token"] = signing.dumps(
        {"c": card.pk, "s": seed, "r": card.reviews}, salt=REVIEW_DUE_SALT
    )
    return context


@require_GET
def review_due(request: HttpRequest) -> HttpResponse:
    """The next card due for review, one at a time, interleaved across patterns."""
    learner = current_learner(request)
    card, due = (None, 0)
    if learner is not None:
        card, due = next_due_card(learner, timezone.now(), request.session.get(REVIEW_DUE_LAST))
    return render(request, "learning/review_due.html", _review_card_context(request, card, due))


@require_POST
def review_due_answer(request: HttpRequest, card_id: int) -> HttpResponse:
    """Check one review, schedule the card again and say when it comes back."""
    learner = current_learner(request)
    now = timezone.now()
    if learner is None:
        raise Http404("No such card")
    # Only a card the learner may see now: a test's card before its results are out is not found.
    card = get_object_or_404(
        servable(learner, now).select_related("question__current_version", "pattern"),
        pk=card_id,
    )
    try:
        token = signing.loads(request.POST.get("form_token", ""), salt=REVIEW_DUE_SALT)
        if not isinstance(token, dict) or token.get("c") != card.pk:
            raise signing.BadSignature("a token of another card")
    except signing.BadSignature:
        return _rejected(request, "This review form has expired or was changed. Reload it.")
    if token.get("r") != card.reviews:
        # Already reviewed from this page (a double click, a retry): counted once.
        return redirect("learning:review_due")
    context = {"card": card, "reviewed": True}
    if card.question_id is None:
        recalled = request.POST.get("recalled")
        if recalled not in ("yes", "no"):
            return _rejected(request, "Say whether you remembered the answer: yes or no.")
        right = recalled == "yes"
        context["self_check"] = card.pattern.self_checks[card.self_check]
    else:
        item = practice_item(card.question, int(token.get("s", 0)))
        form = PracticeAnswerForm(request.POST)
        if not form.is_valid():
            return _rejected(request, form.error_text())
        data = form.cleaned_data
        try:
            answer = check_review_answer(
                item, Sent(data["choice"], data["choices"], data["value"], data["order"])
            )
        except ResponseError as exc:
            due = spaced_due_count(learner, now)
            context = _review_card_context(request, card, due, str(exc), data["value"])
            return render(request, "learning/review_due.html", context, status=400)
        right = answer.is_correct
        shown = variant(item.question_version, item.seed)
        context.update(
            version=item.question_version, shown=shown, feedback=feedback(item, shown, answer)
        )
    outcome = review_card(card, right, now)
    request.session[REVIEW_DUE_LAST] = card.pattern_id
    context.update(
        right=right,
        comes_back=when_text(outcome.interval),
        due=spaced_due_count(learner, now),
    )
    return render(request, "learning/review_due.html", context)


# -- tests ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def test_intro(request: HttpRequest, slug: str) -> HttpResponse:
    pattern = _active_pattern(slug)
    if request.method == "POST":
        attempt = start_attempt(current_learner(request, create=True), pattern)
        return redirect("learning:test_question", attempt_id=attempt.pk, number=1)
    learner = current_learner(request)
    attempts = (
        list(
            Attempt.objects.filter(
                learner=learner, pattern=pattern, assignment__isnull=True
            ).order_by("-started_at")
        )
        if learner
        else []
    )
    return render(
        request,
        "learning/test_intro.html",
        {
            "pattern": pattern,
            "attempts": attempts,
            "unfinished": next((a for a in attempts if not a.is_submitted), None),
            "rule": StrongRule.snapshot(),
        },
    )


def _test_overview(attempt: Attempt) -> list[dict]:
    """Which questions have a saved answer: that they are answered, never whether right."""
    answered = set(attempt.answers.values_list("question_id", flat=True))
    return [
        {"number": number, "answered": question_id in answered}
        for number, question_id in attempt.items.order_by("number").values_list(
            "number", "question_id"
        )
    ]


def _quiz_title(attempt: Attempt) -> str:
    """A custom quiz's name, its assignment's title; "" for a pattern's test, named by its pattern.

    A custom quiz's questions may come from several patterns: naming the first would mislead.
    """
    assignment = attempt.assignment if attempt.assignment_id else None
    return assignment.title if assignment and assignment.question_ids else ""


def _question_page(
    request: HttpRequest, attempt: Attempt, number: int, error: str = "", typed: str = ""
) -> HttpResponse:
    item = attempt.items.select_related("question_version").filter(number=number).first()
    if item is None:
        raise Http404("No such question in this test")
    answer = attempt.answers.filter(question_id=item.question_id).first()
    question = question_page(item, answer)
    if error:
        question["saved"]["value"] = typed
    overview = _test_overview(attempt)
    return render(
        request,
        "learning/test_question.html",
        {
            "attempt": attempt,
            "pattern": attempt.pattern,
            "quiz_title": _quiz_title(attempt),
            "number": number,
            "count": attempt.total,
            # Plain values, not the QuestionVersion: the page gets nothing that knows the answer
            # (its correct letter, or feedback lines that would reveal the wrong options).
            "question": question,
            "options": question["options"],
            "error": error,
            "overview": overview,
            "answered": sum(1 for q in overview if q["answered"]),
        },
        status=400 if error else 200,
    )


@require_GET
def test_question(request: HttpRequest, attempt_id: int, number: int) -> HttpResponse:
    attempt = _own_attempt(request, attempt_id)
    if attempt.is_submitted:
        return redirect("learning:test_result", attempt_id=attempt.pk)
    return _question_page(request, attempt, number)


@require_POST
def test_answer(request: HttpRequest, attempt_id: int) -> HttpResponse:
    form = TestAnswerForm(request.POST)
    learner = current_learner(request)
    # The question with its attempt in one read, if the attempt is the learner's own and has
    # it; otherwise the attempt alone, which answers "no such test" (404) as on every page.
    item = (
        autosave_target(attempt_id, learner.pk, form.cleaned_data["number"])
        if learner is not None and form.is_valid()
        else None
    )
    attempt = item.attempt if item else _own_attempt(request, attempt_id, with_related=False)
    # From META: request.headers would build a dict of every header, on every autosave.
    wants_json = "application/json" in request.META.get("HTTP_ACCEPT", "")
    if not form.is_valid():
        if wants_json:
            return JsonResponse({"saved": False, "error": form.error_text()}, status=400)
        return _rejected(request, form.error_text())
    data = form.cleaned_data
    number, go, order = data["number"], data["go"], data["order"]
    if data["move"]:
        # "Move up" / "move down" without JavaScript: the new order is saved at once.
        try:
            order = moved(order, data["move"])
        except ResponseError as exc:
            return _rejected(request, str(exc))
    sent = Sent(data["choice"], data["choices"], data["value"], order)
    # The plain form's navigation buttons post here too; moving on without an answer is fine.
    if form.has_answer() or not go:
        try:
            save_test_answer(attempt, number, sent, time_taken_ms=data["elapsed_ms"], item=item)
        except AnswerRejected as exc:
            if wants_json:
                return JsonResponse({"saved": False, "error": str(exc)}, status=exc.status)
            if exc.status == 400 and 1 <= number <= attempt.total:
                # The same question again, with the reason and what was typed, to correct (the
                # page shows more of the attempt than autosave read).
                attempt = _own_attempt(request, attempt_id)
                return _question_page(request, attempt, number, str(exc), data["value"])
            return _rejected(request, str(exc), exc.status)
    if wants_json:
        return JsonResponse({"saved": True, "number": number})
    if data["move"]:
        return redirect(reverse("learning:test_question", args=[attempt.pk, number]) + "#steps")
    go = go or "next"
    if go == "submit" or (go == "next" and number >= attempt.total):
        return redirect("learning:test_submit", attempt_id=attempt.pk)
    target = number - 1 if go == "previous" else number + 1
    target = max(1, min(target, attempt.total))
    return redirect("learning:test_question", attempt_id=attempt.pk, number=target)


@require_http_methods(["GET", "POST"])
def test_submit(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = _own_attempt(request, attempt_id)
    if request.method == "POST" or attempt.is_submitted:
        submit_attempt(attempt.pk, current_learner(request))
        return redirect("learning:test_result", attempt_id=attempt.pk)
    overview = _test_overview(attempt)
    return render(
        request,
        "learning/test_submit.html",
        {
            "attempt": attempt,
            "pattern": attempt.pattern,
            "quiz_title": _quiz_title(attempt),
            "overview": overview,
            "unanswered": [q["number"] for q in overview if not q["answered"]],
            "count": attempt.total,
        },
    )


def _assigned_attempts_left(attempt: Attempt) -> int | None:
    """How many more attempts the attempt's assignment allows; None for self-study.

    Only the count is decided here: whether the assignment is still open (extensions included)
    is for the classes app's start view to say, which it does when the learner presses "start".
    """
    if attempt.assignment_id is None:
        return None
    used = Attempt.objects.filter(
        assignment_id=attempt.assignment_id, learner_id=attempt.learner_id
    ).count()
    return max(attempt.assignment.attempts_allowed - used, 0)


def _time_ran_out(attempt: Attempt) -> dict:
    """Whether the clock submitted the attempt, and then which questions were left unanswered.

    An attempt the clock submits is stamped with its deadline (finish_if_overdue); one the
    learner submits is stamped earlier.
    """
    ran_out = attempt.deadline_at is not None and attempt.submitted_at >= attempt.deadline_at
    unanswered = (
        list(
            attempt.items.exclude(question_id__in=attempt.answers.values("question_id"))
            .order_by("number")
            .values_list("number", flat=True)
        )
        if ran_out
        else []
    )
    return {"ran_out": ran_out, "unanswered": unanswered}


@require_GET
def test_result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = _own_attempt(request, attempt_id)
    if not attempt.is_submitted:
        return redirect("learning:test_question", attempt_id=attempt.pk, number=1)
    if not attempt.results_visible(timezone.now()):
        return render(
            request,
            "learning/test_submitted.html",
            {
                "attempt": attempt,
                "attempts_left": _assigned_attempts_left(attempt),
                **_time_ran_out(attempt),
            },
        )
    answers = {a.question_id: a for a in attempt.answers.all()}
    rulings = rulings_for(attempt.assignment_id)
    # An earlier attempt may have asked a question of an assigned test open now: its answer
    # waits until that test is submitted.
    under_test = questions_under_test(attempt.learner_id, timezone.now())
    review = [
        withheld_entry(item)
        if item.question_id in under_test
        else review_entry(item, answers.get(item.question_id), rulings.get(item.question_id, ""))
        for item in attempt_items(attempt)
    ]
    verdict = judge(attempt.score, hard_fully_right(attempt), attempt.rule)
    return render(
        request,
        "learning/test_result.html",
        {
            "attempt": attempt,
            "pattern": attempt.pattern,
            "quiz_title": _quiz_title(attempt),
            "attempts_left": _assigned_attempts_left(attempt),
            "review": review,
            "withheld": any(entry.get("withheld") for entry in review),
            "verdict": verdict,
            "breakdown": breakdown_rows(attempt),
            "regrades": regrade_notes(attempt),
            **_time_ran_out(attempt),
        },
    )


# -- progress ---------------------------------------------------------------------------------


@require_GET
def my_progress(request: HttpRequest) -> HttpResponse:
    return render(
        request, "learning/progress.html", progress_page_context(current_learner(request))
    )
