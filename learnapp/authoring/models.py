"""The markdown an instructor wrote for each version of their own questions.

The question and its versions are catalog.Question/QuestionVersion (with an owner), so tests,
grading, regrading and item analysis treat them as any other; only the source text, which the
editor opens again, lives here.
"""

from django.db import models

from learnapp.catalog.models import QuestionVersion


class Source(models.Model):
    version = models.OneToOneField(
        QuestionVersion, on_delete=models.CASCADE, related_name="authored_source"
    )
    text = models.TextField()

    def __str__(self) -> str:
        return f"source of {self.version}"
