from django import forms

from learnapp.catalog.models import Pattern
from learnapp.catalog.parsing import ContentErrors

from . import aiken, bank, gift, qti
from .gift import ImportProblems
from .portable import ImportProblem

MAX_SOURCE_CHARS = 20_000
MAX_IMPORT_BYTES = 1_000_000

STARTER = """## Question 1
id: my-first-question
difficulty: medium

Write the question here. Markdown works: `code`, **bold**, lists.

### Options
- [x] The right answer
- [ ] A wrong answer
  Feedback: Why it tempts, and why it is wrong.
- [ ] Another wrong answer

### Solution
1. The first step of the worked solution.

### Final answer
The right answer
"""


def pattern_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Pattern.objects.active(),
        label="Pattern",
        help_text="The lesson this question practises; a quiz of it counts towards that pattern.",
        error_messages={"required": "Choose the pattern this question belongs to."},
    )


class QuestionForm(forms.Form):
    pattern = pattern_field()
    text = forms.CharField(
        label="Question (markdown)",
        max_length=MAX_SOURCE_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 22, "spellcheck": "true", "class": "source"}),
        help_text="Single choice, multiple answer, numeric entry, ordering or a template, in "
        "learnapp's question format (below). Problems are listed with their line numbers.",
        error_messages={"required": "Write the question."},
    )

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].replace("\r\n", "\n")
        try:
            self.parsed = bank.check(text)
        except ContentErrors as exc:
            self.content_errors = exc.errors
            raise forms.ValidationError(
                [f"Line {e.line}: {e.message}" if e.line else e.message for e in exc.errors]
            ) from None
        return text


FORMATS = [
    ("gift", "GIFT (Moodle): multiple choice, multiple answer, true/false, numeric"),
    ("aiken", "Aiken: single choice"),
    ("qti", "QTI 1.2 package (.zip, as Canvas exports)"),
]


class ImportForm(forms.Form):
    format = forms.ChoiceField(choices=FORMATS, label="Format", initial="gift")
    pattern = pattern_field()
    file = forms.FileField(
        required=False, label="File", help_text="A .txt or .gift file, or a QTI .zip."
    )
    text = forms.CharField(
        required=False,
        label="Or paste the questions",
        strip=False,
        max_length=MAX_IMPORT_BYTES,
        widget=forms.Textarea(attrs={"rows": 12, "class": "source"}),
    )

    def clean(self):
        cleaned = super().clean()
        upload, pasted, kind = cleaned.get("file"), cleaned.get("text"), cleaned.get("format")
        if not kind:
            return cleaned
        if upload is None and not (pasted or "").strip():
            raise forms.ValidationError("Choose a file or paste the questions.")
        if upload is not None and upload.size > MAX_IMPORT_BYTES:
            self.add_error("file", "The file is over 1 MB; import it in parts.")
            return cleaned
        try:
            if kind == "qti":
                if upload is None:
                    self.add_error("file", "A QTI package is a .zip file: choose it here.")
                    return cleaned
                cleaned["questions"] = qti.read_package(upload.read())
                return cleaned
            data = upload.read() if upload is not None else pasted.encode()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("file", "The file is not UTF-8 text.")
                return cleaned
            reader = gift if kind == "gift" else aiken
            cleaned["questions"] = reader.read(text.replace("\r\n", "\n"))
        except ImportProblems as exc:
            self.import_problems = exc.problems
            raise forms.ValidationError(
                [f"Line {p.line}: {p.message}" for p in exc.problems]
            ) from None
        except ImportProblem as exc:
            raise forms.ValidationError(f"Line {exc.line}: {exc.message}") from None
        return cleaned
