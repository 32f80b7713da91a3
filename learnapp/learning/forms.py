"""Small forms for what learners post: validation, ranges and reasons in one place."""

from django import forms
from django.forms.forms import DeclarativeFieldsMetaclass

# Longer than an hour on one question in one go is a tab left open, not time on task.
MAX_TIMED_MS = 60 * 60 * 1000


class LetterListField(forms.Field):
    """Repeated letters (checkboxes ticked, or steps in order): at most 26, one letter each."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[str]:
        if not value:
            return []
        if not isinstance(value, list | tuple) or len(value) > 26:
            raise forms.ValidationError(f"'{self.label}' lists at most 26 letters.")
        letters = [str(v).strip().upper() for v in value]
        if not all(
            len(letter) == 1 and letter.isascii() and letter.isalpha() for letter in letters
        ):
            raise forms.ValidationError(f"'{self.label}' lists option letters, such as A and C.")
        return letters


class _SharedFields(dict):
    """A form class's fields, shared by its instances instead of deep-copied for each one."""

    def __deepcopy__(self, memo):
        return self


class _SharedFieldsMetaclass(DeclarativeFieldsMetaclass):
    def __new__(mcs, name, bases, attrs):
        new_class = super().__new__(mcs, name, bases, attrs)
        new_class.base_fields = _SharedFields(new_class.base_fields)
        return new_class


class SharedFieldsForm(forms.Form, metaclass=_SharedFieldsMetaclass):
    """A form that only validates what was posted: no instance changes its fields.

    Django copies every field (its widget, messages and validators) into each new form so that
    one instance may change its own; these forms never do, and the copies took two thirds of
    the validation's time on every practice Check and test autosave.
    """


class ResponseForm(SharedFieldsForm):
    """What a learner sends for one question, by its type, in the letters shown to them."""

    choice = forms.CharField(required=False, max_length=10)
    choices = LetterListField(required=False, label="choices")
    value = forms.CharField(required=False, max_length=40, strip=False)
    order = LetterListField(required=False, label="order")
    # An ordering question's "move up" / "move down" buttons without JavaScript: "up:B".
    move = forms.RegexField(
        required=False,
        regex=r"^(up|down):[A-Z]$",
        error_messages={"invalid": "'move' must be up:<letter> or down:<letter>."},
    )

    def error_text(self) -> str:
        return " ".join(message for errors in self.errors.values() for message in errors)


class TestAnswerForm(ResponseForm):
    """One test answer, from test-mode.js (JSON) or the plain form's navigation buttons."""

    number = forms.IntegerField(
        error_messages={
            "required": "Say which question this answer is for ('number').",
            "invalid": "'number' must be the question's number, a whole number.",
        }
    )
    # Set by the multiple-answer form: with no box ticked, the answer is cleared, not skipped.
    clear = forms.BooleanField(required=False)
    go = forms.ChoiceField(
        required=False,
        choices=[("next", "next"), ("previous", "previous"), ("submit", "submit")],
        error_messages={"invalid_choice": "'go' must be next, previous or submit."},
    )
    # Milliseconds spent on the question since the last report: the server adds them up.
    elapsed_ms = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_TIMED_MS,
        error_messages={
            "invalid": "'elapsed_ms' must be a whole number of milliseconds.",
            "min_value": f"'elapsed_ms' must be between 0 and {MAX_TIMED_MS} milliseconds.",
            "max_value": f"'elapsed_ms' must be between 0 and {MAX_TIMED_MS} milliseconds.",
        },
    )

    def has_answer(self) -> bool:
        data = self.cleaned_data
        return bool(
            data["choice"] or data["choices"] or data["value"].strip() or data["order"]
        ) or bool(data["clear"])
