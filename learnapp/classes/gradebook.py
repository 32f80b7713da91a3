"""The gradebook and item analysis, computed for a whole class in a fixed number of queries."""

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from learnapp.accounts.profiles import display_name
from learnapp.catalog.models import Question, QuestionVersion
from learnapp.catalog.variants import example, variant
from learnapp.learning.grading import finish_if_overdue, rulings_for
from learnapp.learning.models import Answer, Attempt, AttemptItem, Learner
from learnapp.learning.points import format_points, to_fraction
from learnapp.lti.models import GradedLink, LmsScore

from .assigning import Status, status_of, window_for
from .models import Assignment, AttemptFeedback, Classroom, Extension, LearnerGroup
from .option_counts import option_counts, option_text

# A best score under 60 % (or a missed assignment) raises the flag. A fraction, so that the
# comparison is exact: 6 of 10 is not flagged, 1499 of 2500 (59.96 %) is.
NEEDS_HELP_BELOW = Fraction(3, 5)


@dataclass
class Cell:
    status: str
    score: Fraction | None = None
    total: int | None = None
    is_late: bool = False
    attempts: int = 0
    attempt_id: int | None = None
    assigned: bool = True
    # The instructor replaced the best attempt's score (feedback.py); `score` is that grade.
    overridden: bool = False
    # The instructor's comment on that attempt, and why its grade was overridden (for the CSV).
    comment: str = ""
    override_reason: str = ""
    # Where the score is in its way to the LMS's gradebook (lti.models.LmsScore.Status), for an
    # assignment linked from an LMS with grades; "" otherwise.
    lms_status: str = ""

    @property
    def percent(self) -> float | None:
        return (
            round(float(100 * Fraction(self.score) / self.total), 1)
            if self.total and self.score is not None
            else None
        )

    @property
    def status_label(self) -> str:
        return Status.LABELS[self.status]

    @property
    def needs_help(self) -> bool:
        if not self.assigned:
            return False
        if self.status == Status.MISSED:
            return True
        # The exact share, not the percent rounded for display (59.96 would round up to 60.0).
        return bool(self.total) and self.score is not None and _below_bar(self.score, self.total)


@functools.lru_cache(maxsize=4096)
def _below_bar(score: Fraction, total: int) -> bool:
    # Few distinct (score, total) pairs in a class; a Fraction per cell is not cheap.
    return Fraction(score, total) < NEEDS_HELP_BELOW


# A stored score's text as a Fraction: a class's 10,000 scores take a few dozen distinct texts.
_stored = functools.lru_cache(maxsize=4096)(to_fraction)


@functools.lru_cache(maxsize=4096)
def _points(score: Fraction) -> str:
    # A class's scores take few distinct values; rounding each of 10,000 through Decimal is not.
    return format_points(score)


def cell_html(cell: Cell) -> str:
    """One cell's contents, as classes/gradebook.html showed them when it rendered each cell.

    Built here because the template language costs about 50 µs a cell, and a class of 500
    with 20 assignments has 10,000 of them.
    """
    if not cell.assigned:
        return '<span class="muted">not assigned</span>'
    if cell.score is not None:
        late = ' <span class="badge badge-medium">late</span>' if cell.is_late else ""
        if cell.overridden:
            late += ' <span class="badge badge-overridden">overridden</span>'
        return f"<strong>{_points(cell.score)}/{cell.total}</strong>{late}{_LMS.get(cell.lms_status, '')}"
    return f'<span class="status status-{escape(cell.status)}">{escape(cell.status_label)}</span>'


# A score's way to the LMS, in words (not colour alone); the title says what it means.
_LMS = {
    LmsScore.Status.SENT: ' <small class="lms-status lms-sent" title="Sent to the LMS\'s '
    'gradebook">✓ LMS: sent</small>',
    LmsScore.Status.PENDING: ' <small class="lms-status lms-pending" title="Waiting to be sent '
    'to the LMS; learnapp keeps trying for a day">… LMS: pending</small>',
    LmsScore.Status.FAILED: ' <small class="lms-status lms-failed" title="Not accepted by the '
    'LMS after a day of tries; a regrade or a new grade sends it again">✗ LMS: failed</small>',
}


@dataclass
class Row:
    user: object
    cells: list[Cell] = field(default_factory=list)
    # The learner's page in this class; built by string, not by a {% url %} per row.
    url: str = ""

    @property
    def needs_help(self) -> bool:
        return any(cell.needs_help for cell in self.cells)

    def cells_html(self) -> SafeString:
        """Every cell of the row as table cells, laid out as the template's loop laid them."""
        # Safe: cell_html escapes every value it puts in.
        return mark_safe("".join(_CELL.format(cell_html(cell)) for cell in self.cells))


@dataclass
class Gradebook:
    classroom: Classroom
    assignments: list[Assignment]
    rows: list[Row]


def _targets(assignments: list[Assignment]) -> dict[int, set[int] | None]:
    """Who each assignment is for: None for the whole class, else a set of user ids (2 queries)."""
    targets: dict[int, set[int] | None] = {a.pk: None for a in assignments}
    group_members = defaultdict(set)
    group_ids = {a.group_id for a in assignments if a.group_id}
    if group_ids:
        for group_id, user_id in LearnerGroup.members.through.objects.filter(
            learnergroup_id__in=group_ids
        ).values_list("learnergroup_id", "user_id"):
            group_members[group_id].add(user_id)
    chosen = defaultdict(set)
    for assignment_id, user_id in Assignment.learners.through.objects.filter(
        assignment_id__in=targets.keys()
    ).values_list("assignment_id", "user_id"):
        chosen[assignment_id].add(user_id)
    for assignment in assignments:
        if assignment.group_id:
            targets[assignment.pk] = group_members[assignment.group_id]
        elif chosen[assignment.pk]:
            targets[assignment.pk] = chosen[assignment.pk]
    return targets


# What the grid needs of an attempt, as a plain tuple (10,000 objects cost a tenth of the page):
# (pk, the grade that counts, total, submitted?, late?, override, comment, override reason,
# the LMS status of the learner's score on the assignment).
# The grade that counts is the instructor's override, else the score. "Submitted?" is whether,
# not when: 10,000 datetimes parsed from the database were a tenth of the page.
_PK, _COUNTED, _TOTAL, _SUBMITTED, _LATE, _OVERRIDE, _COMMENT, _REASON, _LMS_STATUS = range(9)


def _sittings(
    classroom: Classroom, in_scope: dict, with_lms: bool
) -> dict[tuple[int, int], list[tuple]]:
    """Every attempt in scope of a learner of the class, by (assignment id, user id), oldest
    first (three queries, four with `with_lms`, however many attempts).

    The attempts are read alone, straight from the cursor: the ORM's per-value converters cost
    more than the query at 10,000 attempts, and so did joining each row to its learner and its
    feedback. Who each learner is, the instructors' feedback (on a few attempts) and the LMS
    status come in queries of their own and are matched in memory. Scores are parsed once per
    distinct text. Without `with_lms` (no assignment in scope is linked from an LMS with
    grades, so no score can be on its way to one) the LMS status is not looked up at all.
    """
    users_of = dict(
        Learner.objects.filter(user__class_memberships__classroom=classroom).values_list(
            "pk", "user_id"
        )
    )
    feedback = {
        attempt_id: notes
        for attempt_id, *notes in AttemptFeedback.objects.filter(
            **{f"attempt__{name}": value for name, value in in_scope.items()}
        ).values_list("attempt_id", "override_score", "comment", "override_reason")
    }
    lms_status = (
        {
            (assignment_id, user_id): status
            for assignment_id, user_id, status in LmsScore.objects.filter(**in_scope).values_list(
                "assignment_id", "user_id", "status"
            )
        }
        if with_lms
        else {}
    )
    queryset = (
        Attempt.objects.filter(**in_scope)
        .order_by("pk")
        .annotate(is_submitted=ExpressionWrapper(Q(submitted_at__isnull=False), BooleanField()))
        .values_list(
            "pk", "assignment_id", "learner_id", "score", "total", "is_submitted", "is_late"
        )
    )
    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    no_feedback = (None, None, None)
    sittings: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    for pk, assignment_id, learner_id, score, total, submitted, late in found:
        user_id = users_of.get(learner_id)
        if user_id is None:
            continue  # no longer in the class: the gradebook has no row for them
        override, comment, reason = feedback.get(pk, no_feedback)
        score = None if score is None else _stored(score)
        if override is not None:
            override = _stored(override)
        sittings[(assignment_id, user_id)].append(
            (
                pk,
                score if override is None else override,
                total,
                bool(submitted),
                bool(late),
                override,
                comment,
                reason,
                lms_status.get((assignment_id, user_id)),
            )
        )
    return sittings


def _summary(mine: list[tuple]) -> tuple[str, tuple | None]:
    """A learner's status on an assignment they have attempted, and their best submission.

    The same rule as `assigning.status_of` for a learner with attempts (which needs no window).
    """
    if len(mine) == 1:
        # Nearly every cell: one attempt.
        only = mine[0]
        if not only[_SUBMITTED]:
            return Status.IN_PROGRESS, None
        return (Status.LATE if only[_LATE] else Status.SUBMITTED), only
    submitted = [s for s in mine if s[_SUBMITTED]]
    if not submitted:
        return Status.IN_PROGRESS, None
    status = Status.LATE if all(s[_LATE] for s in submitted) else Status.SUBMITTED
    # The best by the grade that counts: an override can raise or lower it.
    return status, max(submitted, key=lambda s: (s[_COUNTED] or 0, -s[_PK]))


# Stands for a user's id in the learner page's URL, reversed once per gradebook.
_USER_HOLE = 918273645546372819


@dataclass
class _Grid:
    """Everything a gradebook is made of, read in eight queries whatever the class's size."""

    now: datetime
    users: list
    assignments: list[Assignment]
    # Per assignment: (assignment, its pk, who it is for or None for everyone, the status of a
    # learner without attempts or an extension).
    columns: list[tuple]
    extensions: dict[tuple[int, int], Extension]
    # (assignment id, user id) -> (status, best submission or None), for learners with attempts.
    summaries: dict[tuple[int, int], tuple[str, tuple | None]]
    learner_url: list[str]

    def facts(self, user_pk: int):
        """Per assignment, for one learner: (assignment, assigned?, status, attempts, best)."""
        for assignment, assignment_pk, target, idle_status in self.columns:
            key = (assignment_pk, user_pk)
            summary = self.summaries.get(key)
            assigned = target is None or user_pk in target
            if summary is not None:
                yield assignment, assigned, *summary
                continue
            extension = self.extensions.get(key)
            if extension is not None:
                idle_status = status_of(window_for(assignment, extension), [], self.now)
            yield assignment, assigned, idle_status, None


def _plain_users(classroom: Classroom) -> list[tuple[int, str]]:
    """The class's learners as (pk, the name the instructor sees), in the gradebook's order:
    `display_name`'s rule on plain values (500 user instances were a seventh of the page)."""
    named = []
    for pk, username, first, last, chosen in (
        get_user_model()
        .objects.filter(class_memberships__classroom=classroom)
        .values_list("pk", "username", "first_name", "last_name", "profile__display_name")
    ):
        name = chosen or f"{first} {last}".strip() or username
        named.append((name.casefold(), username, pk, name))
    named.sort()
    return [(pk, name) for _key, _username, pk, name in named]


def _grid(
    classroom: Classroom, now: datetime | None, only: Assignment | None, plain: bool = False
) -> _Grid:
    now = now or timezone.now()
    in_scope = {"assignment": only} if only else {"assignment__classroom": classroom}
    # Attempts whose time ran out count as submitted with what they had.
    for attempt in Attempt.objects.filter(
        **in_scope, submitted_at__isnull=True, deadline_at__lte=now
    ):
        finish_if_overdue(attempt)
    # By the name the instructor sees (display names live in the profile, read with the users).
    users = (
        _plain_users(classroom)
        if plain
        else sorted(
            get_user_model()
            .objects.filter(class_memberships__classroom=classroom)
            .select_related("profile")
            .order_by("username"),
            key=lambda user: (display_name(user).casefold(), user.get_username()),
        )
    )
    assignments = (
        [only]
        if only
        else list(
            classroom.assignments.select_related("pattern")
            # Whether the LMS takes its scores (a link from a course with grades), for the header.
            .annotate(lti_linked=Exists(GradedLink.objects.filter(assignment=OuterRef("pk"))))
            .order_by("due_at", "pk")
        )
    )
    targets = _targets(assignments)
    extensions = {(e.assignment_id, e.user_id): e for e in Extension.objects.filter(**in_scope)}
    # A score goes to an LMS only through a graded link (deleting the link deletes its scores).
    # `only` comes from the caller without that annotation: look its scores up.
    with_lms = any(getattr(a, "lti_linked", True) for a in assignments)
    sittings = _sittings(classroom, in_scope, with_lms)
    # What is the same down a column is worked out once per assignment, not once per cell.
    columns = [
        (a, a.pk, targets[a.pk], status_of(window_for(a, None), [], now)) for a in assignments
    ]
    return _Grid(
        now=now,
        users=users,
        assignments=assignments,
        columns=columns,
        extensions=extensions,
        summaries={key: _summary(mine) for key, mine in sittings.items()},
        learner_url=reverse("classes:learner", args=[classroom.pk, _USER_HOLE]).split(
            str(_USER_HOLE)
        ),
    )


def build_gradebook(
    classroom: Classroom, now: datetime | None = None, only: Assignment | None = None
) -> Gradebook:
    """Every learner by every assignment (or `only` one): ten queries whatever the size
    (eleven for a class whose scores go to an LMS)."""
    grid = _grid(classroom, now, only)
    rows = []
    for user in grid.users:
        row = Row(user, url=str(user.pk).join(grid.learner_url))
        for _assignment, assigned, status, best in grid.facts(user.pk):
            cell = Cell(status=status, assigned=assigned)
            if best is not None:
                cell.score, cell.total, cell.is_late, cell.attempt_id = (
                    best[_COUNTED],
                    best[_TOTAL],
                    best[_LATE],
                    best[_PK],
                )
                cell.lms_status = best[_LMS_STATUS] or ""
                if best[_OVERRIDE] is not None or best[_COMMENT]:
                    cell.overridden = best[_OVERRIDE] is not None
                    cell.comment = best[_COMMENT] or ""
                    cell.override_reason = best[_REASON] or ""
            row.cells.append(cell)
        rows.append(row)
    return Gradebook(classroom, assignments=grid.assignments, rows=rows)


@dataclass
class GradebookPage:
    """The gradebook page's table, built as plain rows: (learner's URL, name, needs help?,
    the row's grade cells as HTML)."""

    classroom: Classroom
    assignments: list[Assignment]
    rows: list[tuple[str, str, bool, SafeString]]


def gradebook_page(classroom: Classroom, now: datetime | None = None) -> GradebookPage:
    """What classes/gradebook.html shows: the same cells as `build_gradebook`, without a `Cell`
    per cell. A cell's HTML and flag depend on a few values that take few distinct
    combinations in a class, so each combination is built (through `Cell`) once per page."""
    grid = _grid(classroom, now, None, plain=True)
    summaries, extensions, columns = grid.summaries, grid.extensions, grid.columns
    shown: dict[tuple, tuple[str, bool]] = {}
    rows = []
    for user_pk, name in grid.users:
        needs_help = False
        cells = []
        # The same as _Grid.facts, written out: this loop runs 10,000 times.
        for assignment, assignment_pk, target, status in columns:
            key = (assignment_pk, user_pk)
            assigned = target is None or user_pk in target
            summary = summaries.get(key)
            if summary is None:
                if extensions and key in extensions:
                    status = status_of(window_for(assignment, extensions[key]), [], grid.now)
                look = (assigned, status, None, None, False, False, "")
            else:
                status, best = summary
                look = (
                    (assigned, status, None, None, False, False, "")
                    if best is None
                    else (
                        assigned,
                        status,
                        best[_COUNTED],
                        best[_TOTAL],
                        best[_LATE],
                        best[_OVERRIDE] is not None,
                        best[_LMS_STATUS] or "",
                    )
                )
            seen = shown.get(look)
            if seen is None:
                cell = Cell(look[1], look[2], look[3], look[4], assigned=look[0])
                cell.overridden = look[5]
                cell.lms_status = look[6]
                seen = shown[look] = (_CELL.format(cell_html(cell)), cell.needs_help)
            cells.append(seen[0])
            if seen[1]:
                needs_help = True
        rows.append(
            (
                str(user_pk).join(grid.learner_url),
                name,
                needs_help,
                # Safe: cell_html escapes every value it puts in.
                mark_safe("".join(cells)),
            )
        )
    return GradebookPage(classroom, grid.assignments, rows)


# One grade cell as the template laid it out.
_CELL = '\n        <td class="grade-cell">{}</td>\n        '


@dataclass
class ItemStats:
    number: int
    question: Question
    version: QuestionVersion
    asked: int
    answered: int
    # The sum of credits (partial credit counts its share) and how many were fully right.
    points: Fraction
    right: int
    # What the most learners answered wrongly, named by the option's text (or misconception),
    # never by a letter: every learner saw the options in their own order.
    most_chosen_wrong: tuple[str, int] | None
    discrimination: float | None
    # The instructor's decision about the item, if any: "full_credit" or "drop".
    ruling: str = ""
    # A choice question's options by their text, with how many learners chose each.
    options: list = field(default_factory=list)

    @property
    def stem_html(self) -> str:
        # A template's stem differs per learner: show one example's values (the page says so).
        return example(self.version, self.version.stem_html)

    @property
    def varies(self) -> bool:
        return self.version.is_template

    @property
    def share_right(self) -> float | None:
        return round(float(100 * self.points / self.asked), 1) if self.asked else None


def _option_text(option: dict) -> str:
    text = option_text(option)
    label = option.get("misconception") or ""
    return f"{text} ({label})" if label and "{{" not in text else (label or text)


def describe_response(item: AttemptItem, response) -> str:
    """A canonical response in words, the same whichever order the learner saw."""
    version = item.question_version
    if version.qtype == "numeric":
        return str(response)
    options = {option["letter"]: option for option in variant(version, item.seed).options}
    if version.qtype == "multiple":
        return " + ".join(_option_text(options[letter]) for letter in sorted(response))
    if version.qtype == "ordering":
        return " → ".join(_option_text(options[letter])[:40] for letter in response)
    return _option_text(options[response])


def item_analysis(assignment: Assignment) -> list[ItemStats]:
    """Per question: share right, the commonest wrong answer and a discrimination index.

    Each learner's best submitted attempt counts once. Learners may have been asked different
    items (a draw from the pool), so each item is measured over the attempts that asked it. The
    discrimination index is the share right among the top 27 % of learners (by score) who were
    asked the item minus the share among the bottom 27 %: near zero or negative means the
    question does not separate who knows from who does not. Six queries whatever the size.
    """
    rulings = rulings_for(assignment.pk)
    best: dict[int, Attempt] = {}
    for attempt in Attempt.objects.filter(assignment=assignment, submitted_at__isnull=False):
        current = best.get(attempt.learner_id)
        if current is None or (attempt.score or 0) > (current.score or 0):
            best[attempt.learner_id] = attempt
    ranked = sorted(best.values(), key=lambda a: a.score or 0, reverse=True)
    band = max(1, round(len(ranked) * 0.27)) if len(ranked) >= 2 else 0
    upper = {a.pk for a in ranked[:band]}
    lower = {a.pk for a in ranked[-band:]} if band else set()

    answers = {
        (answer.attempt_id, answer.question_id): answer
        for answer in Answer.objects.filter(attempt__in=[a.pk for a in ranked]).only(
            "attempt_id", "question_id", "response", "credit", "is_correct"
        )
    }
    per_question: dict[int, list[AttemptItem]] = defaultdict(list)
    for item in AttemptItem.objects.filter(attempt__in=[a.pk for a in ranked]).select_related(
        "question_version", "question"
    ):
        per_question[item.question_id].append(item)

    order = {"easy": 0, "medium": 1, "hard": 2}
    questions = sorted(
        per_question.values(),
        key=lambda items: (
            order.get(items[0].difficulty, 3),
            min(item.number for item in items),
            items[0].question.position,
        ),
    )
    stats = []
    for number, items in enumerate(questions, start=1):
        given = [(item, answers.get((item.attempt_id, item.question_id))) for item in items]
        answered = [(item, answer) for item, answer in given if answer is not None]
        wrong = Counter(
            describe_response(item, answer.response)
            for item, answer in answered
            if answer.credit < 1 and answer.response is not None
        )

        def share(group: set[int], given=given) -> float | None:
            credits = [
                Fraction(answer.credit) if answer else Fraction(0)
                for item, answer in given
                if item.attempt_id in group
            ]
            return float(sum(credits) / len(credits)) if credits else None

        high, low = share(upper), share(lower)
        newest = max(items, key=lambda item: item.question_version_id)
        stats.append(
            ItemStats(
                number=number,
                question=newest.question,
                version=newest.question_version,
                asked=len(items),
                answered=len(answered),
                points=sum((Fraction(a.credit) for _, a in answered), Fraction(0)),
                right=sum(1 for _, a in answered if a.credit == 1),
                most_chosen_wrong=wrong.most_common(1)[0] if wrong else None,
                discrimination=round(high - low, 2)
                if band and high is not None and low is not None
                else None,
                ruling=rulings.get(newest.question_id, ""),
                options=option_counts(newest.question_version, [a.response for _, a in answered]),
            )
        )
    return stats
