"""The course catalog: tracks, sections, patterns and their questions, as loaded from content/.

Everything here is written only by the content loader (learnapp.catalog.loader); requests only read.
Markdown is rendered and sanitized at load time and stored as HTML.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse

from .qtypes import QuestionType, Scoring
from .worked import lesson_parts


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
    # The lesson's self-check questions, [{"question_html": "...", "answer_html": "..."}] in
    # lesson order: spaced review brings them back as cards.
    self_checks = models.JSONField(default=list, blank=True)
    # The lesson's faded worked examples (learnapp.catalog.worked), with their answers: only the
    # check endpoint reads the answer, after the learner has given theirs.
    faded_examples = models.JSONField(default=list, blank=True)
    practice_title = models.CharField(max_length=200, blank=True)
    assessment_title = models.CharField(max_length=200, blank=True)
    # How many questions of each difficulty a test draws from the assessment pool, e.g.
    # {"easy": 3, "medium": 4, "hard": 3}; empty for a pattern without assessment.md.
    blueprint = models.JSONField(default=dict, blank=True)
    # Hash of lesson.md + practice.md + assessment.md (and the loader version): unchanged files
    # are not re-parsed.
    source_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatternQuerySet.as_manager()

    class Meta:
        ordering = ["position"]

    def get_absolute_url(self) -> str:
        return reverse("catalog:pattern", args=[self.slug])

    def lesson_parts(self) -> list[dict]:
        """The lesson HTML in pieces, each followed by the faded example that goes after it."""
        return lesson_parts(self.lesson_html, self.faded_examples)


class Difficulty(models.TextChoices):
    EASY = "easy", "Easy"
    MEDIUM = "medium", "Medium"
    HARD = "hard", "Hard"


class Pool(models.TextChoices):
    # The ten questions of practice.md, shown with hints and worked solutions.
    PRACTICE = "practice", "Practice set"
    # The questions of assessment.md, which tests draw from and practice never shows.
    ASSESSMENT = "assessment", "Assessment pool"
    # An instructor's own question (learnapp.authoring): asked only in that instructor's
    # custom quizzes, never in practice or a pattern's test.
    BANK = "bank", "Instructor's question"


class QuestionQuerySet(ActiveQuerySet):
    def practice(self):
        return self.filter(pool=Pool.PRACTICE)

    def assessment(self):
        return self.filter(pool=Pool.ASSESSMENT)

    def from_content(self):
        """Questions of the content files: the loader's, never an instructor's own."""
        return self.filter(owner__isnull=True)


class Question(models.Model):
    """A question's stable identity; its wording lives in versions."""

    pattern = models.ForeignKey(Pattern, on_delete=models.PROTECT, related_name="questions")
    key = models.SlugField(max_length=100, unique=True)  # the author's stable id
    pool = models.CharField(max_length=10, choices=Pool.choices, default=Pool.PRACTICE)
    position = models.PositiveSmallIntegerField()  # 1, 2, 3... within its file
    difficulty = models.CharField(max_length=10, choices=Difficulty.choices)
    current_version = models.ForeignKey(
        "QuestionVersion", on_delete=models.PROTECT, related_name="+", null=True
    )
    retired_at = models.DateTimeField(null=True, blank=True)
    # Set for a question an instructor wrote in the browser (learnapp.authoring); the content
    # loader reads and writes only questions without an owner.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="authored_questions",
    )

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["pattern", "pool", "position"]

    def __str__(self) -> str:
        return self.key


class QuestionVersion(models.Model):
    """One immutable wording of a question. Answers point here, so editing never rewrites them."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    source_hash = models.CharField(max_length=64)
    difficulty = models.CharField(max_length=10, choices=Difficulty.choices)
    qtype = models.CharField(max_length=10, choices=QuestionType.choices, default="single")
    scoring = models.CharField(max_length=20, choices=Scoring.choices, blank=True)
    # Keep the options in the written order (numbers in order, "all of the above").
    ordered = models.BooleanField(default=False)
    stem_html = models.TextField()
    # [{"letter": "A", "html": "...", "feedback_html": "...", "misconception": "..."}], in the
    # written (canonical) order; an ordering question's steps, in their correct order.
    options = models.JSONField()
    correct_letter = models.CharField(max_length=1, blank=True)  # single choice only
    # What qtypes.score needs besides correct_letter: multiple {"correct", "scoring"}; ordering
    # {"correct", "scoring"}; numeric {"value", "tolerance", "relative_tolerance", "unit",
    # "percent", "accept_fraction"} (value is an expression over the template's values).
    answer_spec = models.JSONField(default=dict, blank=True)
    # {"parameters": [...], "derived": [...]} for a template, whose HTML fields hold
    # {{name:format}} placeholders; empty otherwise. Render with variants.variant(version, seed).
    template = models.JSONField(default=dict, blank=True)
    solution_steps = models.JSONField()  # [html, ...] in order
    final_answer_html = models.TextField()
    quick_check_html = models.TextField()
    # The last (fullest) hint; `hints` holds every tier in order, ending with this one, and is
    # empty for versions loaded before hints had tiers (their one tier is hint_html).
    hint_html = models.TextField()
    hints = models.JSONField(default=list, blank=True)
    common_mistakes = models.JSONField()  # [html, ...]
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="unique_question_version")
        ]

    def __str__(self) -> str:
        return f"{self.question_id} v{self.number}"

    @property
    def is_template(self) -> bool:
        return bool(self.template)
