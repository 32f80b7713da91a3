from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from learnapp.accounts.roles import is_instructor
from learnapp.catalog.loader import _version
from learnapp.catalog.models import Question
from learnapp.catalog.parsing import ContentErrors
from learnapp.catalog.variants import variant
from learnapp.classes.access import classes_taught_by_exactly, taught_filter
from learnapp.classes.models import Assignment

from . import bank, gift, qti
from .forms import STARTER, ImportForm, QuestionForm
from .gift import ImportProblems
from .portable import Unportable, from_version, local_key


def _instructor(request: HttpRequest) -> None:
    if not is_instructor(request.user):
        raise PermissionDenied("Only instructors write questions.")


def _own_custom_quiz(request: HttpRequest, assignment_id: int) -> Assignment:
    """A custom quiz of a class the user teaches; anyone else gets a 404."""
    return get_object_or_404(
        Assignment.objects.select_related("classroom").filter(
            taught_filter(request.user, "classroom"), pattern__isnull=True
        ),
        pk=assignment_id,
    )


@login_required
@require_GET
def bank_list(request: HttpRequest) -> HttpResponse:
    _instructor(request)
    questions = (
        bank.questions_for(request.user)
        .select_related("pattern", "current_version")
        .annotate(version_count=Count("versions"))
        .order_by("pattern__position", "key")
    )
    quizzes = Assignment.objects.filter(
        classroom__in=classes_taught_by_exactly(request.user), pattern__isnull=True
    ).select_related("classroom")
    return render(
        request,
        "authoring/bank.html",
        {"questions": [(q, local_key(q.key)) for q in questions], "quizzes": quizzes},
    )


def _preview(form: QuestionForm) -> dict | None:
    """What a learner would see of a valid question (a template shows one variant), with the
    answer marked, as the review after a test shows it."""
    parsed = getattr(form, "parsed", None)
    if parsed is None:
        return None
    version = _version(Question(key=parsed.key), parsed, 1)
    shown = variant(version, 1)
    correct = shown.answer.get("correct", [])
    return {
        "version": version,
        "shown": shown,
        "correct": set(correct if isinstance(correct, list) else [correct]),
    }


def _editor(request: HttpRequest, question: Question | None) -> HttpResponse:
    if request.method == "POST":
        form = QuestionForm(request.POST)
        valid = form.is_valid()
        if valid and request.POST.get("action") == "save":
            saved = bank.save_question(
                request.user, form.cleaned_data["pattern"], form.cleaned_data["text"], question
            )
            messages.success(request, f"Saved “{local_key(saved.key)}”.")
            return redirect("authoring:bank")
        status = 200 if valid else 400
    else:
        initial = {"text": STARTER}
        if question is not None:
            initial = {"text": bank.source_of(question), "pattern": question.pattern}
        form = QuestionForm(initial=initial)
        status = 200
    context = {"form": form, "question": question, "preview": _preview(form)}
    if request.htmx:
        return render(request, "authoring/editor.html#preview", context, status=200)
    return render(request, "authoring/editor.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def question_new(request: HttpRequest) -> HttpResponse:
    _instructor(request)
    try:
        return _editor(request, None)
    except ContentErrors as exc:  # the id is taken: shown like any other problem
        return _taken(request, None, exc)


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, question_id: int) -> HttpResponse:
    _instructor(request)
    question = bank.owned_question(request.user, question_id)
    try:
        return _editor(request, question)
    except ContentErrors as exc:
        return _taken(request, question, exc)


def _taken(request: HttpRequest, question, exc: ContentErrors) -> HttpResponse:
    form = QuestionForm(request.POST)
    form.is_valid()
    for error in exc.errors:
        form.add_error("text", f"Line {error.line}: {error.message}")
    return render(
        request,
        "authoring/editor.html",
        {"form": form, "question": question, "preview": None},
        status=400,
    )


@login_required
@require_POST
def question_retire(request: HttpRequest, question_id: int) -> HttpResponse:
    _instructor(request)
    question = bank.owned_question(request.user, question_id)
    bank.retire(question)
    messages.success(request, f"“{local_key(question.key)}” is out of your bank.")
    return redirect("authoring:bank")


@login_required
@require_http_methods(["GET", "POST"])
def import_questions(request: HttpRequest) -> HttpResponse:
    _instructor(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = bank.import_questions(
                request.user, form.cleaned_data["pattern"], form.cleaned_data["questions"]
            )
        except ImportProblems as exc:
            for problem in exc.problems:
                form.add_error(None, f"Line {problem.line}: {problem.message}")
        else:
            messages.success(
                request,
                f"Imported: {result.created} new, {result.updated} updated, "
                f"{result.unchanged} unchanged.",
            )
            return redirect("authoring:bank")
    return render(
        request,
        "authoring/import.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


def _portable_quiz(assignment: Assignment):
    by_id = Question.objects.select_related("current_version", "current_version__question").in_bulk(
        assignment.question_ids
    )
    portable, skipped = [], []
    for pk in assignment.question_ids:
        question = by_id.get(pk)
        if question is None or question.current_version is None:
            continue
        try:
            portable.append(from_version(question.current_version))
        except Unportable as reason:
            skipped.append(f"{local_key(question.key)}: {reason}")
    return portable, skipped


@login_required
@require_GET
def export_gift(request: HttpRequest, assignment_id: int) -> HttpResponse:
    _instructor(request)
    assignment = _own_custom_quiz(request, assignment_id)
    portable, skipped = _portable_quiz(assignment)
    header = "".join(f"// left out: {line}\n" for line in skipped)
    response = HttpResponse(header + gift.write(portable), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="quiz-{assignment.pk}.gift.txt"'
    return response


@login_required
@require_GET
def export_qti(request: HttpRequest, assignment_id: int) -> HttpResponse:
    _instructor(request)
    assignment = _own_custom_quiz(request, assignment_id)
    portable, _ = _portable_quiz(assignment)
    ident = f"learnapp_quiz_{assignment.pk}"
    response = HttpResponse(
        qti.write_package(assignment.title, ident, portable), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="quiz-{assignment.pk}-qti.zip"'
    return response
