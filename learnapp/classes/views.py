from collections.abc import Iterator
from fractions import Fraction

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from learnapp.accounts.profiles import display_name
from learnapp.accounts.roles import is_instructor
from learnapp.catalog.models import Pattern, Question
from learnapp.catalog.variants import example, variant
from learnapp.csvexport import csv_download
from learnapp.learning.forms import TestAnswerForm
from learnapp.learning.grading import AnswerRejected, judge, rulings_for
from learnapp.learning.hints import hints_used
from learnapp.learning.models import (
    Answer,
    Attempt,
    AttemptItem,
    ItemRuling,
    Learner,
    StrongRule,
)
from learnapp.learning.points import format_points, points_number
from learnapp.learning.presenting import question_page, review_entry
from learnapp.learning.progress import Mastery, class_progress, progress_page_context
from learnapp.learning.regrade import rule_on_item
from learnapp.learning.responses import ResponseError, Sent, moved, response_shown

from . import preview
from .access import (
    classes_taught_by,
    classes_taught_by_exactly,
    taught_filter,
    teachers_of,
    teaches,
)
from .assigning import (
    Status,
    assigned_to,
    refresh_attempt_windows,
    start_assigned_attempt,
    status_of,
    window_for,
)
from .feedback import counted_score, feedback_for, mark_reviewed, save_feedback
from .forms import (
    AssignmentForm,
    ClassroomForm,
    ClassWideExtensionForm,
    CoTeacherForm,
    ExtensionForm,
    FeedbackForm,
    GroupForm,
    JoinForm,
    RulingForm,
    question_text,
    stem_text,
)
from .gradebook import build_gradebook, describe_response, gradebook_page, item_analysis
from .landing import landing_for
from .models import (
    Assignment,
    Classroom,
    ClassTeacher,
    Extension,
    InstructorInvite,
    Membership,
)

# -- access helpers: every lookup by id goes through one of these ------------------------------


def _taught_class(request: HttpRequest, class_id: int) -> Classroom:
    """A class the user teaches (admins see every class); anyone else gets a 404."""
    return get_object_or_404(classes_taught_by(request.user), pk=class_id)


def _taught_assignment(request: HttpRequest, assignment_id: int) -> Assignment:
    assignments = Assignment.objects.select_related("classroom", "pattern", "group").filter(
        taught_filter(request.user, "classroom")
    )
    return get_object_or_404(assignments, pk=assignment_id)


def _learner_in_class(classroom: Classroom, user_id: int):
    return get_object_or_404(
        get_user_model().objects.select_related("profile"),
        pk=user_id,
        class_memberships__classroom=classroom,
    )


def _instructors_only(request: HttpRequest) -> None:
    if not is_instructor(request.user):
        raise PermissionDenied("Only instructors can do this.")


# -- classes -----------------------------------------------------------------------------------


@login_required
@require_GET
def class_list(request: HttpRequest) -> HttpResponse:
    return render(request, "classes/class_list.html", _class_list_context(request, ClassroomForm()))


def _class_list_context(request: HttpRequest, form: ClassroomForm) -> dict:
    teaching = is_instructor(request.user)
    return {
        "teaching": teaching,
        "taught": classes_taught_by_exactly(request.user) if teaching else [],
        "memberships": Membership.objects.filter(user=request.user).select_related(
            "classroom__instructor__profile"
        ),
        "form": form,
        "join_form": JoinForm(),
    }


@login_required
@require_POST
def class_create(request: HttpRequest) -> HttpResponse:
    _instructors_only(request)
    form = ClassroomForm(request.POST)
    if not form.is_valid():
        return render(
            request, "classes/class_list.html", _class_list_context(request, form), status=400
        )
    classroom = form.save(commit=False)
    classroom.instructor = request.user
    classroom.save()
    messages.success(
        request, f"Class “{classroom.name}” created. Share its join code: {classroom.join_code}."
    )
    return redirect(classroom)


@login_required
@require_GET
def class_detail(request: HttpRequest, class_id: int) -> HttpResponse:
    return _class_page(request, _taught_class(request, class_id))


def _class_page(
    request: HttpRequest,
    classroom: Classroom,
    teacher_form: CoTeacherForm | None = None,
    status: int = 200,
) -> HttpResponse:
    co_teachers = {
        row.user_id for row in ClassTeacher.objects.filter(classroom=classroom).only("user_id")
    }
    members = (
        Membership.objects.filter(classroom=classroom)
        .select_related("user__profile")
        .order_by("user__username")
    )
    return render(
        request,
        "classes/class_detail.html",
        {
            "classroom": classroom,
            "members": members,
            "groups": classroom.groups.prefetch_related(
                Prefetch("members", get_user_model().objects.select_related("profile"))
            ),
            "assignments": classroom.assignments.select_related("pattern", "group"),
            "group_form": GroupForm(classroom=classroom),
            "join_url": request.build_absolute_uri(f"/classes/join/{classroom.join_code}/"),
            "teachers": [
                (teacher, teacher.pk in co_teachers) for teacher in teachers_of(classroom)
            ],
            "teacher_form": teacher_form or CoTeacherForm(classroom=classroom),
        },
        status=status,
    )


@login_required
@require_POST
def member_remove(request: HttpRequest, class_id: int, user_id: int) -> HttpResponse:
    classroom = _taught_class(request, class_id)
    user = _learner_in_class(classroom, user_id)
    Membership.objects.filter(classroom=classroom, user=user).delete()
    messages.success(request, f"{display_name(user)} is no longer in “{classroom.name}”.")
    return redirect(classroom)


@login_required
@require_POST
def group_create(request: HttpRequest, class_id: int) -> HttpResponse:
    classroom = _taught_class(request, class_id)
    form = GroupForm(request.POST, classroom=classroom)
    if form.is_valid():
        try:
            form.save()
            messages.success(request, f"Group “{form.instance.name}” created.")
        except IntegrityError:
            messages.error(request, "This class already has a group of that name.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(classroom)


@login_required
@require_POST
def teacher_add(request: HttpRequest, class_id: int) -> HttpResponse:
    """Add a co-teacher, by user name or email; the class page shows why not otherwise."""
    classroom = _taught_class(request, class_id)
    form = CoTeacherForm(request.POST, classroom=classroom)
    if not form.is_valid():
        return _class_page(request, classroom, teacher_form=form, status=400)
    user = form.cleaned_data["who"]
    ClassTeacher.objects.get_or_create(
        classroom=classroom, user=user, defaults={"added_by": request.user}
    )
    messages.success(request, f"{display_name(user)} now teaches “{classroom.name}” with you.")
    return redirect(classroom)


@login_required
@require_POST
def teacher_remove(request: HttpRequest, class_id: int, user_id: int) -> HttpResponse:
    """Remove a co-teacher (the class's instructor stays; a co-teacher may leave)."""
    classroom = _taught_class(request, class_id)
    row = get_object_or_404(
        ClassTeacher.objects.select_related("user__profile"), classroom=classroom, user_id=user_id
    )
    row.delete()
    if row.user_id == request.user.pk:
        messages.success(request, f"You no longer teach “{classroom.name}”.")
        return redirect("classes:list")
    messages.success(request, f"{display_name(row.user)} no longer teaches “{classroom.name}”.")
    return redirect(classroom)


# -- joining -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, code: str = "") -> HttpResponse:
    form = JoinForm(request.POST or None, initial={"code": code})
    if request.method == "POST" and form.is_valid():
        classroom = Classroom.objects.filter(join_code=form.cleaned_data["code"]).first()
        if classroom is None:
            form.add_error("code", "No class has this code. Check it with your instructor.")
        elif teaches(request.user, classroom):
            form.add_error("code", "You teach this class.")
        else:
            _, created = Membership.objects.get_or_create(classroom=classroom, user=request.user)
            messages.success(
                request,
                f"You joined “{classroom.name}”."
                if created
                else f"You are already in “{classroom.name}”.",
            )
            return redirect("classes:assigned")
    status = 400 if request.method == "POST" else 200
    return render(request, "classes/join.html", {"form": form}, status=status)


@login_required
@require_POST
def leave(request: HttpRequest, class_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, classroom_id=class_id, user=request.user)
    name = membership.classroom.name
    membership.delete()
    messages.success(request, f"You left “{name}”.")
    return redirect("classes:list")


# -- assignments: instructor side --------------------------------------------------------------


def _assignment_form(
    request: HttpRequest, classroom: Classroom, instance=None, locked: bool = False
) -> AssignmentForm:
    # The question filter is part of the form: its "Show" button re-shows the form with what
    # was typed (an instructor loses nothing) and the question list narrowed; GET links work too.
    filtering = request.method == "POST" and "filter" in request.POST
    where = request.POST if filtering else request.GET
    return AssignmentForm(
        None if filtering else (request.POST or None),
        instance=instance,
        classroom=classroom,
        locked=locked,
        difficulty=where.get("difficulty", ""),
        pattern_slug=where.get("bank_pattern", ""),
        typed=request.POST if filtering else None,
        user=request.user,
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_create(request: HttpRequest, class_id: int) -> HttpResponse:
    classroom = _taught_class(request, class_id)
    form = _assignment_form(request, classroom)
    if form.is_bound and form.is_valid():
        assignment = form.save()
        messages.success(request, f"“{assignment.title}” is assigned.")
        return redirect(assignment)
    return render(
        request,
        "classes/assignment_form.html",
        {"classroom": classroom, "form": form, "editing": False},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_edit(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """Edit an assignment; once a learner has started, only what their attempt does not use."""
    assignment = _taught_assignment(request, assignment_id)
    locked = assignment.attempts.exists()
    form = _assignment_form(request, assignment.classroom, instance=assignment, locked=locked)
    if form.is_bound and form.is_valid():
        form.save()
        moved = refresh_attempt_windows(assignment) if locked else 0
        messages.success(
            request,
            "Assignment updated."
            + (f" {moved} attempt{pluralize(moved)} follow the new times." if moved else ""),
        )
        return redirect(assignment)
    return render(
        request,
        "classes/assignment_form.html",
        {
            "classroom": assignment.classroom,
            "form": form,
            "editing": True,
            "locked": locked,
            "assignment": assignment,
        },
        status=400 if form.is_bound else 200,
    )


def _assignment_page(
    request: HttpRequest,
    assignment: Assignment,
    extension_form: ExtensionForm | None = None,
    everyone_form: ClassWideExtensionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    book = build_gradebook(assignment.classroom, only=assignment)
    return render(
        request,
        "classes/assignment_detail.html",
        {
            "assignment": assignment,
            "classroom": assignment.classroom,
            "rows": [(row.user, row.cells[0]) for row in book.rows],
            "extensions": assignment.extensions.select_related("user").order_by("user__username"),
            "extension_form": extension_form or ExtensionForm(classroom=assignment.classroom),
            "everyone_form": everyone_form or ClassWideExtensionForm(assignment=assignment),
            "has_attempts": assignment.attempts.exists(),
        },
        # A refused extension re-renders the page with the form's reasons, as a 400.
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_detail(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """The assignment's learners; a POST grants (or changes) one learner's extension."""
    assignment = _taught_assignment(request, assignment_id)
    if request.method == "GET":
        initial = {}
        user_id = request.GET.get("extend", "").strip()
        if user_id.isdigit() and len(user_id) < 19:
            # "Change" on an extension: the form comes filled with that learner's times.
            extension = assignment.extensions.filter(user_id=int(user_id)).first()
            if extension:
                initial = {
                    "user": extension.user_id,
                    "due_at": extension.due_at,
                    "closes_at": extension.closes_at,
                }
        form = ExtensionForm(initial=initial, classroom=assignment.classroom)
        return _assignment_page(request, assignment, extension_form=form)
    form = ExtensionForm(request.POST, classroom=assignment.classroom)
    if not form.is_valid():
        return _assignment_page(request, assignment, extension_form=form, status=400)
    data = form.cleaned_data
    Extension.objects.update_or_create(
        assignment=assignment,
        user=data["user"],
        defaults={"due_at": data["due_at"], "closes_at": data["closes_at"]},
    )
    refresh_attempt_windows(assignment, data["user"])
    messages.success(
        request,
        f"{display_name(data['user'])} now has until "
        f"{timezone.localtime(data['due_at']):%d %b %H:%M} (closes "
        f"{timezone.localtime(data['closes_at']):%d %b %H:%M}).",
    )
    return redirect(assignment)


@login_required
@require_POST
def extension_remove(request: HttpRequest, assignment_id: int, user_id: int) -> HttpResponse:
    assignment = _taught_assignment(request, assignment_id)
    extension = get_object_or_404(
        Extension.objects.select_related("user"), assignment=assignment, user_id=user_id
    )
    user = extension.user
    extension.delete()
    refresh_attempt_windows(assignment, user)
    messages.success(
        request, f"{display_name(user)}'s extension is removed: the class's times apply."
    )
    return redirect(assignment)


@login_required
@require_POST
def extend_all(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """Move the due and close times for everyone, attempts in progress included."""
    assignment = _taught_assignment(request, assignment_id)
    form = ClassWideExtensionForm(request.POST, assignment=assignment)
    if not form.is_valid():
        return _assignment_page(request, assignment, everyone_form=form, status=400)
    assignment.due_at = form.cleaned_data["due_at"]
    assignment.closes_at = form.cleaned_data["closes_at"]
    assignment.save(update_fields=["due_at", "closes_at"])
    moved = refresh_attempt_windows(assignment)
    messages.success(
        request,
        f"Everyone now has until {timezone.localtime(assignment.due_at):%d %b %H:%M}"
        + (f"; {moved} attempt{pluralize(moved)} follow the new times." if moved else "."),
    )
    return redirect(assignment)


@login_required
@require_GET
def item_analysis_view(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _taught_assignment(request, assignment_id)
    return render(
        request,
        "classes/item_analysis.html",
        {
            "assignment": assignment,
            "classroom": assignment.classroom,
            "items": item_analysis(assignment),
        },
    )


def _asked_question(assignment: Assignment, question_id: int) -> Question:
    """A question some attempt at the assignment asked; any other id is not found."""
    return get_object_or_404(
        Question.objects.select_related("current_version"),
        pk=question_id,
        pk__in=AttemptItem.objects.filter(attempt__assignment=assignment).values("question_id"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_regrade(request: HttpRequest, assignment_id: int, question_id: int) -> HttpResponse:
    """Give everyone full credit for a question, drop it, or withdraw that: confirm, then do.

    GET asks for confirmation (it changes nothing); POST regrades every submitted attempt.
    """
    assignment = _taught_assignment(request, assignment_id)
    question = _asked_question(assignment, question_id)
    form = RulingForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        return render(
            request,
            "classes/item_regrade.html",
            {"assignment": assignment, "classroom": assignment.classroom, "form": form},
            status=400,
        )
    label = dict(form.fields["ruling"].choices)[form.cleaned_data["ruling"]]
    if request.method == "POST":
        changed = rule_on_item(assignment, question.pk, form.ruling_or_none(), request.user)
        messages.success(
            request,
            f"Decision on “{question_text(question, 60)}”: {label.lower()}. "
            f"{changed} submitted attempt{'s' if changed != 1 else ''} regraded.",
        )
        return redirect("classes:items", assignment_id=assignment.pk)
    affected = (
        Attempt.objects.submitted()
        .filter(assignment=assignment, items__question_id=question.pk)
        .count()
    )
    return render(
        request,
        "classes/item_regrade.html",
        {
            "assignment": assignment,
            "classroom": assignment.classroom,
            "question": question,
            # A template's wording with one example's values: each learner saw their own.
            "stem_html": example(question.current_version, question.current_version.stem_html),
            "varies": question.current_version.is_template,
            "form": form,
            "ruling": form.cleaned_data["ruling"],
            "ruling_label": label,
            "current": ItemRuling.objects.filter(assignment=assignment, question=question)
            .values_list("ruling", flat=True)
            .first(),
            "affected": affected,
        },
    )


@login_required
@require_GET
def gradebook(request: HttpRequest, class_id: int) -> HttpResponse:
    classroom = _taught_class(request, class_id)
    return render(request, "classes/gradebook.html", {"book": gradebook_page(classroom)})


@login_required
@require_GET
def gradebook_csv(request: HttpRequest, class_id: int) -> StreamingHttpResponse:
    classroom = _taught_class(request, class_id)
    book = build_gradebook(classroom)

    def rows() -> Iterator[list]:
        header = ["username", "name", "needs_help"]
        for a in book.assignments:
            header += [
                f"{a.title} score",
                f"{a.title} total",
                f"{a.title} percent",
                f"{a.title} late",
                f"{a.title} status",
                f"{a.title} overridden",
                f"{a.title} override reason",
                f"{a.title} comment",
            ]
            if getattr(a, "lti_linked", False):  # scores go to an LMS: sent, pending or failed
                header.append(f"{a.title} LMS")
        yield header
        for row in book.rows:
            line = [row.user.username, display_name(row.user), int(row.needs_help)]
            for a, cell in zip(book.assignments, row.cells, strict=True):
                line += [
                    "" if cell.score is None else points_number(cell.score),
                    "" if cell.total is None else cell.total,
                    "" if cell.percent is None else cell.percent,
                    int(cell.is_late),
                    cell.status if cell.assigned else "not-assigned",
                    # The score above is the overridden grade when this is 1.
                    int(cell.overridden),
                    cell.override_reason,
                    cell.comment,
                ]
                if getattr(a, "lti_linked", False):
                    line.append(cell.lms_status)
            yield line

    return csv_download(rows(), f"gradebook-{classroom.pk}.csv")


@login_required
@require_GET
def learner_detail(request: HttpRequest, class_id: int, user_id: int) -> HttpResponse:
    classroom = _taught_class(request, class_id)
    user = _learner_in_class(classroom, user_id)
    attempts = list(
        Attempt.objects.filter(assignment__classroom=classroom, learner__user=user)
        .select_related("assignment")
        .order_by("assignment__due_at", "started_at")
    )
    answers = {
        (a.attempt_id, a.question_id): a for a in Answer.objects.filter(attempt__in=attempts)
    }
    assignments = {a.pk: a.assignment_id for a in attempts}
    rulings = {
        (r.assignment_id, r.question_id): r.get_ruling_display()
        for r in ItemRuling.objects.filter(assignment__classroom=classroom)
    }
    by_attempt: dict[int, list[dict]] = {}
    for item in AttemptItem.objects.filter(attempt__in=attempts).select_related(
        "question_version", "question__pattern"
    ):
        answer = answers.get((item.attempt_id, item.question_id))
        qtype = item.question_version.qtype
        given = answer is not None and answer.response not in (None, "", [])
        by_attempt.setdefault(item.attempt_id, []).append(
            {
                "number": item.number,
                "question": item.question,
                # The wording the learner saw, with their own variant's values (the item keeps
                # the draw's seed), not the question's internal key or a template's blanks.
                "text": stem_text(variant(item.question_version, item.seed).stem_html, 120),
                # In the letters this learner saw: what they would quote when asking about it.
                "response": response_shown(item, qtype, answer.response) if given else "",
                # ...and what those letters said, in their variant.
                "response_text": describe_response(item, answer.response)
                if given and qtype != "numeric"
                else "",
                "answer": answer,
                "credit": format_points(answer.credit) if answer else None,
                "ruling": rulings.get((assignments[item.attempt_id], item.question_id), ""),
            }
        )
    return render(
        request,
        "classes/learner_detail.html",
        {
            "classroom": classroom,
            "learner_user": user,
            "attempts": [(a, by_attempt.get(a.pk, [])) for a in attempts],
            "hints_used": _hints_by_text(user),
        },
    )


def _hints_by_text(user) -> tuple[list[dict], int]:
    """The hint tiers the learner opened per practice question, each question named by its
    wording (one more query), not by its internal id."""
    rows, total = hints_used(user)
    wording = {
        q.key: question_text(q, 100)
        for q in Question.objects.filter(
            key__in=[row["question__key"] for row in rows]
        ).select_related("current_version")
    }
    for row in rows:
        row["text"] = wording.get(row["question__key"], "")
    return rows, total


@login_required
@require_GET
def learner_progress(request: HttpRequest, class_id: int, user_id: int) -> HttpResponse:
    """The learner's own progress page, as they see it, for their instructor."""
    classroom = _taught_class(request, class_id)
    user = _learner_in_class(classroom, user_id)
    learner = Learner.objects.filter(user=user).first()
    context = progress_page_context(learner, for_instructor=True)
    # "Last test" opens a class attempt where the instructor reads it, on the learner's page in
    # this class; the learner's own result page is theirs alone (a 404 for anyone else).
    class_attempts = set(
        Attempt.objects.filter(assignment__classroom=classroom, learner=learner).values_list(
            "pk", flat=True
        )
    )
    context.update(
        {
            "viewing_as_instructor": True,
            "learner_user": user,
            "classroom": classroom,
            "class_attempts": class_attempts,
        }
    )
    return render(request, "learning/progress.html", context)


@login_required
@require_GET
def class_mastery(request: HttpRequest, class_id: int) -> HttpResponse:
    """Mastery of each pattern across the class."""
    classroom = _taught_class(request, class_id)
    users = list(
        get_user_model()
        .objects.filter(class_memberships__classroom=classroom)
        .select_related("profile")
        .order_by("username")
    )
    patterns = list(Pattern.objects.active())
    progress = class_progress([u.pk for u in users])
    rows = [(user, [progress.get(user.pk, {}).get(p.pk) for p in patterns]) for user in users]
    totals = []
    for index, pattern in enumerate(patterns):
        counts = {key: 0 for key in Mastery.LABELS}
        for _, cells in rows:
            counts[cells[index].mastery if cells[index] else Mastery.NOT_STARTED] += 1
        totals.append((pattern, counts))
    return render(
        request,
        "classes/mastery.html",
        {
            "classroom": classroom,
            "patterns": patterns,
            "rows": rows,
            "totals": totals,
            "labels": Mastery.LABELS,
        },
    )


# -- feedback and grade overrides --------------------------------------------------------------


def _taught_attempt(request: HttpRequest, attempt_id: int) -> Attempt:
    """A submitted or open attempt at an assignment of a class the user teaches; else 404."""
    attempts = (
        Attempt.objects.select_related("assignment__classroom", "learner__user", "pattern")
        .filter(assignment__isnull=False)
        .filter(taught_filter(request.user, "assignment__classroom"))
    )
    return get_object_or_404(attempts, pk=attempt_id)


@login_required
@require_http_methods(["GET", "POST"])
def attempt_feedback(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Comment on a learner's attempt and, with a reason, override its grade."""
    attempt = _taught_attempt(request, attempt_id)
    feedback = feedback_for(attempt)
    form = FeedbackForm(request.POST or None, attempt=attempt, feedback=feedback)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        save_feedback(
            attempt,
            request.user,
            data["comment"].strip(),
            data["override_score"],
            data["override_reason"],
        )
        messages.success(request, "Feedback saved.")
        return redirect("classes:attempt_feedback", attempt_id=attempt.pk)
    if request.method == "GET" and attempt.is_submitted:
        mark_reviewed(attempt)
    return render(
        request,
        "classes/attempt_feedback.html",
        {
            "attempt": attempt,
            "assignment": attempt.assignment,
            "classroom": attempt.assignment.classroom,
            "learner_user": attempt.learner.user,
            "feedback": feedback,
            "counted": counted_score(attempt, feedback),
            "history": attempt.grade_overrides.select_related("changed_by"),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


# -- preview as a learner ----------------------------------------------------------------------


def _preview_or_start(request: HttpRequest, assignment: Assignment):
    run = preview.load(request.session, assignment)
    if run is None:
        preview.start(request.session, assignment)
        run = preview.load(request.session, assignment)
    return run


@login_required
@require_http_methods(["GET", "POST"])
def preview_start(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """Begin (POST: begin again, with a new draw) a preview; it records nothing."""
    assignment = _taught_assignment(request, assignment_id)
    if request.method == "POST":
        preview.start(request.session, assignment)
    run = _preview_or_start(request, assignment)
    if not run or not run.items:
        messages.error(request, "This quiz has no questions to show.")
        return redirect(assignment)
    return redirect("classes:preview_question", assignment_id=assignment.pk, number=1)


def _preview_question_page(
    request: HttpRequest, assignment: Assignment, run, number: int, error: str = ""
) -> HttpResponse:
    item = run.items[number - 1]
    question = question_page(item, run.answer(number))
    overview = [{"number": n, "answered": n in run.responses} for n in range(1, run.total + 1)]
    return render(
        request,
        "classes/preview_question.html",
        {
            "assignment": assignment,
            "classroom": assignment.classroom,
            "number": number,
            "count": run.total,
            "question": question,
            "options": question["options"],
            "error": error,
            "overview": overview,
            "answered": len(run.responses),
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def preview_question(request: HttpRequest, assignment_id: int, number: int) -> HttpResponse:
    assignment = _taught_assignment(request, assignment_id)
    run = _preview_or_start(request, assignment)
    if run is None or not 1 <= number <= run.total:
        raise Http404("No such question in this preview")
    if request.method == "GET":
        return _preview_question_page(request, assignment, run, number)
    form = TestAnswerForm(request.POST)
    if not form.is_valid():
        return _preview_question_page(request, assignment, run, number, form.error_text())
    data = form.cleaned_data
    order = data["order"]
    if data["move"]:
        try:
            order = moved(order, data["move"])
        except ResponseError as exc:
            return _preview_question_page(request, assignment, run, number, str(exc))
    sent = Sent(data["choice"], data["choices"], data["value"], order)
    if form.has_answer() or not data["go"]:
        try:
            preview.answer(request.session, assignment, run, number, sent)
        except ResponseError as exc:
            return _preview_question_page(request, assignment, run, number, str(exc))
    if data["move"]:
        return redirect(
            reverse("classes:preview_question", args=[assignment.pk, number]) + "#steps"
        )
    go = data["go"] or "next"
    if go == "submit" or (go == "next" and number >= run.total):
        preview.submit(request.session, assignment)
        return redirect("classes:preview_result", assignment_id=assignment.pk)
    target = max(1, min(number - 1 if go == "previous" else number + 1, run.total))
    return redirect("classes:preview_question", assignment_id=assignment.pk, number=target)


@login_required
@require_GET
def preview_result(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """The result page's layout with the preview's answers: score, verdict and review."""
    assignment = _taught_assignment(request, assignment_id)
    run = preview.load(request.session, assignment)
    if run is None:
        return redirect("classes:preview", assignment_id=assignment.pk)
    counted = run.tally(assignment)
    rulings = rulings_for(assignment.pk)
    review = [
        review_entry(item, run.answer(number), rulings.get(item.question_id, ""))
        for number, item in enumerate(run.items, start=1)
    ]
    rule = StrongRule.for_tally(counted)
    return render(
        request,
        "classes/preview_result.html",
        {
            "assignment": assignment,
            "classroom": assignment.classroom,
            "score": counted.score,
            "total": counted.total,
            "verdict": judge(counted.score, counted.hard_fully_right, rule),
            "rule": rule,
            "breakdown": [
                (level, Fraction(values[0]), values[1], values[2])
                for level, values in counted.breakdown.items()
            ],
            "review": review,
        },
    )


# -- the instructor's landing page -------------------------------------------------------------


@login_required
@require_GET
def after_login(request: HttpRequest) -> HttpResponse:
    """Where logging in leads (LOGIN_REDIRECT_URL): instructors to their day, others home."""
    if is_instructor(request.user):
        return redirect("classes:home")
    return redirect("catalog:home")


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    _instructors_only(request)
    return render(
        request, "classes/home.html", {"landing": landing_for(request.user, timezone.now())}
    )


# -- the learner's side ------------------------------------------------------------------------


@login_required
@require_GET
def assigned(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    assignments = list(assigned_to(request.user).select_related("classroom", "pattern"))
    extensions = {
        e.assignment_id: e
        for e in Extension.objects.filter(user=request.user, assignment__in=assignments)
    }
    attempts: dict[int, list[Attempt]] = {}
    for attempt in Attempt.objects.filter(assignment__in=assignments, learner__user=request.user):
        attempts.setdefault(attempt.assignment_id, []).append(attempt)
    items = []
    for assignment in assignments:
        window = window_for(assignment, extensions.get(assignment.pk))
        mine = attempts.get(assignment.pk, [])
        status = status_of(window, mine, now)
        for attempt in mine:
            attempt.assignment = assignment  # what results_visible reads, without a query
        # Scores only where the assignment lets the learner see them (visibility.py).
        shown = [a for a in mine if a.is_submitted and a.results_visible(now)]
        items.append(
            {
                "best": max(shown, key=lambda a: (a.score or 0, a.pk), default=None),
                "results_hidden": any(a.is_submitted for a in mine) and not shown,
                "assignment": assignment,
                "window": window,
                "status": status,
                "status_label": Status.LABELS[status],
                "attempts_used": len(mine),
                "last": mine[-1] if mine else None,
                "can_start": status in (Status.NOT_STARTED, Status.IN_PROGRESS)
                or (
                    status in (Status.SUBMITTED, Status.LATE)
                    and len(mine) < assignment.attempts_allowed
                    and now < window.last_moment
                ),
                "time_left": window.due_at - now if now < window.due_at else None,
            }
        )
    return render(request, "classes/assigned.html", {"items": items, "now": now})


@login_required
@require_POST
def assignment_start(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = get_object_or_404(assigned_to(request.user), pk=assignment_id)
    try:
        attempt = start_assigned_attempt(assignment, request.user)
    except AnswerRejected as exc:
        messages.error(request, str(exc))
        return redirect("classes:assigned")
    return redirect("learning:test_question", attempt_id=attempt.pk, number=1)


# -- instructor invitations --------------------------------------------------------------------


@login_required
@require_POST
def invite_create(request: HttpRequest) -> HttpResponse:
    if not request.user.is_superuser:
        raise PermissionDenied("Only admins invite instructors.")
    invite = InstructorInvite.objects.create(created_by=request.user)
    messages.success(
        request,
        f"Invitation link (valid 14 days, once): {request.build_absolute_uri(f'/classes/invite/{invite.token}/')}",
    )
    return redirect("classes:list")


@login_required
@require_http_methods(["GET", "POST"])
def invite_accept(request: HttpRequest, token: str) -> HttpResponse:
    invite = InstructorInvite.objects.filter(token=token).first()
    if invite is None or not invite.is_usable():
        raise Http404("This invitation does not exist or has been used or expired.")
    if request.method == "POST":
        if not invite.claim(request.user):
            raise Http404("This invitation has just been used.")
        messages.success(request, "You are now an instructor: create your first class.")
        return redirect("classes:list")
    return render(request, "classes/invite.html", {"invite": invite})
