import re
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator

from learnapp.accounts.profiles import display_name, is_platform_user
from learnapp.authoring.bank import questions_for_class
from learnapp.catalog.models import Pattern, Question
from learnapp.catalog.variants import example, generic
from learnapp.learning.points import format_points

from .access import teachers_of
from .models import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    MAX_ATTEMPTS_ALLOWED,
    MAX_TIME_LIMIT_MINUTES,
    Assignment,
    Classroom,
    LearnerGroup,
    validate_class_date,
)

DATETIME_WIDGET = forms.DateTimeInput(
    attrs={
        "type": "datetime-local",
        "min": f"{EARLIEST_YEAR}-01-01T00:00",
        "max": f"{LATEST_YEAR}-12-31T23:59",
    },
    format="%Y-%m-%dT%H:%M",
)


# The largest id a 64-bit integer column holds. A posted id past it would make SQLite raise
# OverflowError inside Django's `id IN (...)` query (a 500) instead of "not a valid choice".
MAX_ID = 2**63 - 1


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for pk in value:
            text = str(pk).strip()
            if not (text.isascii() and text.isdigit() and int(text) <= MAX_ID):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


def class_date_field(label: str | None = None) -> forms.DateTimeField:
    return forms.DateTimeField(
        widget=DATETIME_WIDGET, label=label, validators=[validate_class_date]
    )


class ClassroomForm(forms.ModelForm):
    class Meta:
        model = Classroom
        fields = ["name"]
        # On the Classes page, next to a join code field, a bare "Name" reads as the user's own.
        labels = {"name": "Class name"}


class JoinForm(forms.Form):
    code = forms.CharField(
        max_length=12,
        label="Join code",
        help_text="Eight letters and digits, from your instructor.",
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper().replace(" ", "").replace("-", "")


class GroupForm(forms.ModelForm):
    class Meta:
        model = LearnerGroup
        fields = ["name", "members"]
        widgets = {"members": forms.CheckboxSelectMultiple}
        field_classes = {"members": IdMultipleChoiceField}

    def __init__(self, *args, classroom: Classroom, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.classroom = classroom
        self.fields["members"].queryset = classroom_learners(classroom)
        self.fields["members"].label_from_instance = _learner_label


class CoTeacherForm(forms.Form):
    """Add someone who teaches the class with you: an instructor's account, by name or email."""

    who = forms.CharField(
        label="User name or email",
        max_length=254,
        help_text="They must have an instructor's account. They will see this class, its "
        "gradebook, learners and assignments as you do, and their questions can be asked in "
        "its quizzes.",
        error_messages={"required": "Write the co-teacher's user name or email."},
    )

    def __init__(self, *args, classroom: Classroom, **kwargs):
        super().__init__(*args, **kwargs)
        self.classroom = classroom

    def clean_who(self):
        from django.contrib.auth import get_user_model

        from learnapp.accounts.roles import is_instructor

        who = self.cleaned_data["who"].strip()
        users = get_user_model().objects.filter(Q(username__iexact=who) | Q(email__iexact=who))
        found = list(users[:2])
        if not found:
            raise forms.ValidationError(f"No account is called or uses {who}.")
        if len(found) > 1:
            raise forms.ValidationError(f"More than one account matches {who}: use a user name.")
        user = found[0]
        if not is_instructor(user):
            raise forms.ValidationError(
                f"{display_name(user)} is not an instructor: an admin can invite them first."
            )
        if teachers_of(self.classroom).filter(pk=user.pk).exists():
            raise forms.ValidationError(f"{display_name(user)} already teaches this class.")
        if self.classroom.memberships.filter(user=user).exists():
            raise forms.ValidationError(
                f"{display_name(user)} is a learner in this class: remove them first."
            )
        return user


def classroom_learners(classroom: Classroom):
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(class_memberships__classroom=classroom)
        .select_related("profile")
        .order_by("username")
    )


def _learner_label(user) -> str:
    # Rosters show names (issue 11.6); the user name tells two Ana Limas apart, or for someone
    # from an LMS (whose user name is ours alone) their email.
    name = display_name(user)
    tell_apart = user.email if is_platform_user(user) else user.get_username()
    return name if tell_apart in ("", name) else f"{name} ({tell_apart})"


# How long an assignment runs when the instructor does not say otherwise.
DEFAULT_DAYS_TO_DUE = 7

# What would change an attempt a learner has already started: once anyone has, these stay.
LOCKED_ONCE_STARTED = ("pattern", "questions", "time_limit_minutes", "attempts_allowed")
LOCKED_NOTE = (
    "Learners have started this assignment, so this can no longer change: "
    "their attempts were drawn and timed under it."
)


def default_times(now: datetime | None = None) -> dict[str, datetime]:
    """Opens now, due in a week, closes at the due time: in the viewer's own time zone.

    Whole minutes (the field shows no seconds); the week is added to the local wall-clock
    time, so "due at 14:00 next Tuesday" stays 14:00 across a change to summer time.
    """
    opens = timezone.localtime(now or timezone.now()).replace(second=0, microsecond=0)
    due = (opens.replace(tzinfo=None) + timedelta(days=DEFAULT_DAYS_TO_DUE)).replace(
        tzinfo=opens.tzinfo
    )
    return {"opens_at": opens, "due_at": due, "closes_at": due}


def stem_text(stem_html: str, length: int = 90) -> str:
    """A question's wording as plain text, shortened: how an instructor recognises it.

    A template's placeholders are named rather than shown raw (each learner saw own values).
    """
    return Truncator(" ".join(strip_tags(generic(stem_html)).split())).chars(length)


def question_text(question: Question, length: int = 90) -> str:
    version = question.current_version
    if not version:
        return question.key
    # A template reads with one example's values rather than with its values' names.
    text = stem_text(example(version, version.stem_html), length) or question.key
    return f"{text} (numbers vary per learner)" if version.is_template else text


class AssignmentForm(forms.ModelForm):
    """Either a pattern's test or questions picked from the bank; for a class, a group or people."""

    questions = IdMultipleChoiceField(
        queryset=Question.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For a custom quiz: the questions, asked in catalog order.",
    )
    opens_at = class_date_field("Opens at")
    due_at = class_date_field("Due at")
    closes_at = class_date_field("Closes at")
    time_limit_minutes = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_TIME_LIMIT_MINUTES,
        label="Time limit (minutes)",
        help_text=f"From 1 to {MAX_TIME_LIMIT_MINUTES} (a day); leave empty for no limit.",
    )
    attempts_allowed = forms.IntegerField(
        initial=1,
        min_value=1,
        max_value=MAX_ATTEMPTS_ALLOWED,
        help_text=f"From 1 to {MAX_ATTEMPTS_ALLOWED}.",
    )

    class Meta:
        model = Assignment
        fields = [
            "title",
            "pattern",
            "questions",
            "group",
            "learners",
            "opens_at",
            "due_at",
            "closes_at",
            "accept_late",
            "time_limit_minutes",
            "attempts_allowed",
            "results_visibility",
        ]
        widgets = {"learners": forms.CheckboxSelectMultiple}
        field_classes = {"learners": IdMultipleChoiceField}
        labels = {"pattern": "Pattern's test", "learners": "Only these learners"}
        help_texts = {
            "pattern": "Assign this pattern's ten-question test, or leave empty and pick questions.",
            "group": "Leave empty (and no learners ticked) to assign to the whole class.",
        }

    def __init__(
        self,
        *args,
        classroom: Classroom,
        difficulty: str = "",
        pattern_slug: str = "",
        locked: bool = False,
        typed=None,
        user=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.instance.classroom = classroom
        self.locked = locked
        # The question filter's choice, shown selected again.
        self.bank_pattern, self.bank_difficulty = pattern_slug, difficulty
        if self.instance.pk is None:
            for name, value in default_times().items():
                self.initial.setdefault(name, value)
        self.fields["pattern"].queryset = Pattern.objects.active()
        self.fields["group"].queryset = classroom.groups.all()
        self.fields["learners"].queryset = classroom_learners(classroom)
        self.fields["learners"].label_from_instance = _learner_label
        self.fields["title"].error_messages["required"] = "Give the assignment a title."
        # The assessment pool only: a quiz of practice questions could be learned, worked
        # solutions and all, in practice.
        bank = (
            Question.objects.active()
            .assessment()
            .filter(pattern__retired_at__isnull=True)
            .select_related("pattern", "current_version")
            .order_by("pattern__position", "position")
        )
        # The own questions (learnapp.authoring) of everyone who teaches the class join the pool's.
        bank = bank | questions_for_class(classroom).filter(pattern__retired_at__isnull=True)
        chosen = self.instance.question_ids or []
        if typed is not None:
            # Questions ticked before filtering stay listed (and ticked) whatever the filter.
            chosen = [*chosen, *(int(v) for v in typed.getlist("questions") if v.isdigit())]
        if difficulty:
            bank = bank.filter(Q(difficulty=difficulty) | Q(pk__in=chosen))
        if pattern_slug:
            bank = bank.filter(Q(pattern__slug=pattern_slug) | Q(pk__in=chosen))
        self.fields["questions"].queryset = bank
        # The teachers' own questions sit among the pool's; "Yours" (or a co-teacher's name)
        # finds them in the list.
        you = user.pk if user is not None else classroom.instructor_id
        teachers = {t.pk: t for t in teachers_of(classroom)}

        def whose(q) -> str:
            if q.owner_id is None:
                return ""
            if q.owner_id == you:
                return "Yours · "
            owner = teachers.get(q.owner_id)
            return f"{display_name(owner)}'s · " if owner else ""

        self.fields["questions"].label_from_instance = lambda q: (
            f"{whose(q)}"
            f"{q.pattern.title} · {q.get_difficulty_display().lower()}: {question_text(q)}"
        )
        if chosen:
            self.initial["questions"] = chosen
        for field in self.fields.values():
            if field.required:
                field.widget.attrs["aria-required"] = "true"
        if typed is not None:
            # Filtering the questions re-shows the form as typed, unbound: nothing is judged
            # (no errors) before the instructor presses "Assign".
            for name, field in self.fields.items():
                if field.disabled:
                    continue
                self.initial[name] = field.widget.value_from_datadict(
                    typed, None, self.add_prefix(name)
                )
        if locked:
            # Only what the assignment already asks: a pattern or question retired since must
            # not make the unchanged value "not a valid choice".
            self.fields["pattern"].queryset = Pattern.objects.filter(pk=self.instance.pattern_id)
            self.fields["questions"].queryset = bank.model.objects.filter(
                pk__in=chosen
            ).select_related("pattern", "current_version")
            for name in LOCKED_ONCE_STARTED:
                # Shown greyed out with the reason; a value posted anyway is refused in clean().
                self.fields[name].disabled = True
                self.fields[name].help_text = LOCKED_NOTE

    def _posted_change(self, name: str) -> bool:
        """Whether a POST sent a value for a locked field that differs from the saved one.

        A browser sends nothing for a disabled field; only a hand-made request sends one.
        """
        field = self.fields[name]
        if name not in self.data:
            return False
        posted = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
        if name == "questions":
            return sorted(str(v) for v in posted) != sorted(
                str(v) for v in self.instance.question_ids
            )
        saved = {
            "pattern": self.instance.pattern_id,
            "time_limit_minutes": self.instance.time_limit_minutes,
            "attempts_allowed": self.instance.attempts_allowed,
        }[name]
        return (posted or "").strip() != ("" if saved is None else str(saved))

    def clean(self):
        cleaned = super().clean()
        if self.locked:
            for name in LOCKED_ONCE_STARTED:
                if self._posted_change(name):
                    self.add_error(name, f"Not changed. {LOCKED_NOTE}")
            return self._clean_times_and_people(cleaned)
        pattern, questions = cleaned.get("pattern"), cleaned.get("questions")
        if not pattern and not questions and "pattern" not in self.errors:
            self.add_error(
                "pattern",
                "Choose what to assign: a pattern's test here, or questions from the bank below.",
            )
        elif pattern and questions:
            self.add_error(
                "pattern",
                "Choose a pattern's test or pick questions, not both: clear one of them.",
            )
        return self._clean_times_and_people(cleaned)

    def _clean_times_and_people(self, cleaned: dict) -> dict:
        opens, due, closes = (
            cleaned.get("opens_at"),
            cleaned.get("due_at"),
            cleaned.get("closes_at"),
        )
        # Said at a field, so the error summary can link to it.
        if opens and due and closes and not opens < due <= closes:
            self.add_error(
                "due_at",
                "The times must run: opens, then due, then closes (or closes at the due time).",
            )
        if cleaned.get("group") and cleaned.get("learners"):
            self.add_error("learners", "Assign to a group or to chosen learners, not both.")
        return cleaned

    def save(self, commit: bool = True) -> Assignment:
        assignment = super().save(commit=False)
        # A started assignment keeps its questions, in their order (the field is locked).
        if not self.locked:
            questions = self.cleaned_data.get("questions")
            assignment.question_ids = [q.pk for q in questions] if questions else []
        if commit:
            assignment.save()
            self.save_m2m()
        return assignment


class ExtensionForm(forms.Form):
    user = forms.ModelChoiceField(queryset=None, label="Learner")
    due_at = class_date_field("New due time")
    closes_at = class_date_field("New close time")

    def __init__(self, *args, classroom: Classroom, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = classroom_learners(classroom)
        self.fields["user"].label_from_instance = _learner_label
        for field in self.fields.values():
            field.widget.attrs["aria-required"] = "true"

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("due_at")
            and cleaned.get("closes_at")
            and cleaned["closes_at"] < cleaned["due_at"]
        ):
            self.add_error("closes_at", "The close time cannot come before the due time.")
        return cleaned


class ClassWideExtensionForm(forms.Form):
    """New due and close times for everyone (a learner's own later extension still counts)."""

    # It shares the assignment page with the one-learner form: its own field names and ids.
    prefix = "everyone"

    due_at = class_date_field("New due time")
    closes_at = class_date_field("New close time")

    def __init__(self, *args, assignment: Assignment, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        self.initial.setdefault("due_at", assignment.due_at)
        self.initial.setdefault("closes_at", assignment.closes_at)
        for field in self.fields.values():
            field.widget.attrs["aria-required"] = "true"

    def clean(self):
        cleaned = super().clean()
        due, closes = cleaned.get("due_at"), cleaned.get("closes_at")
        if due and due <= self.assignment.opens_at:
            self.add_error("due_at", "The due time must come after the assignment opens.")
        if due and closes and closes < due:
            self.add_error("closes_at", "The close time cannot come before the due time.")
        return cleaned


class RulingForm(forms.Form):
    """An instructor's decision about one question of an assignment, from item analysis."""

    WITHDRAW = "withdraw"

    ruling = forms.ChoiceField(
        choices=[
            ("full_credit", "Give everyone full credit"),
            ("drop", "Drop it from the score"),
            (WITHDRAW, "Withdraw the decision"),
        ],
        error_messages={
            "required": "Say what to do with the question: full credit, drop or withdraw.",
            "invalid_choice": "'%(value)s' is not a decision: choose full credit, drop or withdraw.",
        },
    )

    def ruling_or_none(self) -> str | None:
        ruling = self.cleaned_data["ruling"]
        return None if ruling == self.WITHDRAW else ruling


GRADE_TEXT = re.compile(r"\d{1,4}(\.\d{1,4})?")


class FeedbackForm(forms.Form):
    """A comment for the learner, and a grade that replaces the score, with the reason."""

    comment = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Comment for the learner",
        help_text="Shown on their result page when the assignment's results are shown.",
    )
    override_score = forms.CharField(
        required=False,
        max_length=20,
        label="Grade override (points)",
        help_text="Leave empty to keep the computed score.",
    )
    override_reason = forms.CharField(
        required=False,
        max_length=300,
        label="Reason for the override",
        help_text="Required with an override; the learner sees it.",
    )

    def __init__(self, *args, attempt, feedback=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.attempt = attempt
        self.previous = feedback.override_score if feedback else None
        if feedback is not None:
            self.initial.setdefault("comment", feedback.comment)
            self.initial.setdefault(
                "override_score",
                "" if feedback.override_score is None else format_points(feedback.override_score),
            )
            self.initial.setdefault("override_reason", feedback.override_reason)
        self.fields["override_score"].help_text = (
            # The example stays inside the range it follows ("0 to 6, such as 7.5" misled).
            f"From 0 to {attempt.total}, such as {max(attempt.total - 1, 0)}.5. "
            + self.fields["override_score"].help_text
        )
        self.fields["override_score"].widget.attrs["inputmode"] = "decimal"

    def clean_override_score(self) -> Fraction | None:
        text = self.cleaned_data["override_score"].strip().replace(",", ".")
        if not text:
            return None
        # Digits and a point only: "1e999999" would be a number too, and a costly one.
        if not GRADE_TEXT.fullmatch(text):
            raise forms.ValidationError("Type the grade as a number of points, such as 7 or 7.5.")
        value = Fraction(Decimal(text))
        if not 0 <= value <= self.attempt.total:
            raise forms.ValidationError(
                f"The grade must be from 0 to {self.attempt.total} points, this attempt's total."
            )
        return value

    def clean(self):
        cleaned = super().clean()
        override = cleaned.get("override_score")
        reason = (cleaned.get("override_reason") or "").strip()
        cleaned["override_reason"] = reason
        if override is not None and override != self.previous and not reason:
            self.add_error("override_reason", "Say why the grade is overridden.")
        return cleaned
