"""The course catalog: tracks, sections, patterns and their questions, as loaded from content/.

Everything here is written only by the content loader (learnapp.catalog.loader); requests only read.
Markdown is rendered and sanitized at load time and stored as HTML.
"""

from django.db import models
from django.urls import reverse


class ActiveQuerySet(models.QuerySet):
    def active(self):
        return self.filter(retired_at__isnull=True)


class PatternQuerySet(ActiveQuerySet):
    def catalog(self) -> list["Track"]:
        """Active tracks, each with `.listed_sections`, each with `.listed_patterns`: one query."""
        tracks: dict[int, Track] = {}
        sections: dict[int, Section] = {}
        for pattern in self.active().select_related("section__track").order_by("position"):
            section = sections.get(pattern.section_id)
            if section is None:
                section = sections[pattern.section_id] = pattern.section
                section.listed_patterns = []
                track = tracks.get(section.track_id)
                if track is None:
                    track = tracks[section.track_id] = section.track
                    track.listed_sections = []
                track.listed_sections.append(section)
            section.listed_patterns.append(pattern)
        return list(tracks.values())


class CatalogEntry(models.Model):
    """What tracks, sections and patterns share: a stable slug and their front matter."""

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    order = models.IntegerField(default=0)
    source_path = models.CharField(max_length=500)
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.title


class Track(CatalogEntry):
    pass


class Section(CatalogEntry):
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="sections")


class Pattern(CatalogEntry):
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="patterns")
    # Place in the whole catalog (track, section, pattern order), renumbered 1..n over active
    # patterns on every load, so previous/next is a single lookup.
    position = models.IntegerField(default=0, db_index=True)
    lesson_html = models.TextField()
    toc = models.JSONField(default=list)  # [{"level": 2, "id": "...", "title": "..."}]
    practice_title = models.CharField(max_length=200, blank=True)
    # Hash of lesson.md + practice.md (and the loader version): unchanged files are not re-parsed.
    source_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatternQuerySet.as_manager()

    class Meta:
        ordering = ["position"]

    def get_absolute_url(self) -> str:
        return reverse("catalog:pattern", args=[self.slug])


class Difficulty(models.TextChoices):
    EASY = "easy", "Easy"
    MEDIUM = "medium", "Medium"
    HARD = "hard", "Hard"


class Question(models.Model):
    """A question's stable identity; its wording lives in versions."""

    pattern = models.ForeignKey(Pattern, on_delete=models.PROTECT, related_name="questions")
    key = models.SlugField(max_length=100, unique=True)  # the author's stable id
    position = models.PositiveSmallIntegerField()  # 1..10 within the practice set
    difficulty = models.CharField(max_length=10, choices=Difficulty.choices)
    current_version = models.ForeignKey(
        "QuestionVersion", on_delete=models.PROTECT, related_name="+", null=True
    )
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        ordering = ["pattern", "position"]

    def __str__(self) -> str:
        return self.key


class QuestionVersion(models.Model):
    """One immutable wording of a question. Answers point here, so editing never rewrites them."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    source_hash = models.CharField(max_length=64)
    difficulty = models.CharField(max_length=10, choices=Difficulty.choices)
    stem_html = models.TextField()
    # [{"letter": "A", "html": "...", "feedback_html": "..."}], in display order.
    options = models.JSONField()
    correct_letter = models.CharField(max_length=1)
    solution_steps = models.JSONField()  # [html, ...] in order
    final_answer_html = models.TextField()
    quick_check_html = models.TextField()
    hint_html = models.TextField()
    common_mistakes = models.JSONField()  # [html, ...]
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="unique_question_version")
        ]

    def __str__(self) -> str:
        return f"{self.question_id} v{self.number}"
