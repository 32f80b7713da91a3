"""Small forms for what learners post: validation, ranges and reasons in one place."""

from django import forms

# Longer than an hour on one question in one go is a tab left open, not time on task.
MAX_TIMED_MS = 60 * 60 * 1000


class TestAnswerForm(forms.Form):
    """One test answer, from test-mode.js (JSON) or the plain form's navigation buttons."""

    number = forms.IntegerField(
        error_messages={
            "required": "Say which question this answer is for ('number').",
            "invalid": "'number' must be the question's number, a whole number.",
        }
    )
    choice = forms.CharField(required=False, max_length=10)
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

    def error_text(self) -> str:
        return " ".join(message for errors in self.errors.values() for message in errors)
