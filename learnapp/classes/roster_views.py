"""An instructor adds learners to a class from a pasted list or a CSV file (roster.py)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from .access import classes_taught_by
from .roster import MAX_LINES, MAX_UPLOAD_BYTES, RosterErrors, add_learners, parse_csv, parse_pasted


class RosterForm(forms.Form):
    learners = forms.CharField(
        label="Names and emails",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=(
            "One learner a line: “Ana Lima &lt;ana@example.com&gt;” or “Ana Lima, "
            f"ana@example.com”. At most {MAX_LINES}."
        ),
    )
    csv_file = forms.FileField(
        label="Or a CSV file",
        required=False,
        help_text="Two columns, name and email; a header row is fine.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("learners", "").strip() and not cleaned.get("csv_file"):
            raise forms.ValidationError("Paste a list or choose a CSV file.")
        if cleaned.get("learners", "").strip() and cleaned.get("csv_file"):
            raise forms.ValidationError("Paste a list or choose a file, not both.")
        return cleaned


@require_http_methods(["GET", "POST"])
@login_required
def roster_add(request: HttpRequest, class_id: int) -> HttpResponse:
    classroom = get_object_or_404(classes_taught_by(request.user), pk=class_id)
    context = {"classroom": classroom, "errors": [], "outcome": None}
    if request.method == "GET":
        return render(request, "classes/roster_add.html", {**context, "form": RosterForm()})
    form = RosterForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return render(request, "classes/roster_add.html", context, status=400)
    try:
        upload = form.cleaned_data["csv_file"]
        entries = (
            parse_csv(upload.read(MAX_UPLOAD_BYTES + 1))
            if upload
            else parse_pasted(form.cleaned_data["learners"])
        )
        context["outcome"] = add_learners(classroom, entries, request.user)
    except RosterErrors as problem:
        context["errors"] = problem.errors
        context["source_id"] = "id_csv_file" if upload else "id_learners"
        return render(request, "classes/roster_add.html", context, status=400)
    return render(request, "classes/roster_add.html", {**context, "form": RosterForm()})
