import factory
from django.contrib.auth import get_user_model

from learnapp.catalog.models import Pattern, Question, QuestionVersion, Section, Track
from learnapp.learning.models import Learner


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track

    slug = factory.Sequence(lambda n: f"track-{n}")
    title = factory.Sequence(lambda n: f"Track {n}")
    source_path = factory.LazyAttribute(lambda o: f"content/{o.slug}")


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    track = factory.SubFactory(TrackFactory)
    slug = factory.Sequence(lambda n: f"section-{n}")
    title = factory.Sequence(lambda n: f"Section {n}")
    source_path = factory.LazyAttribute(lambda o: f"{o.track.source_path}/{o.slug}")


class PatternFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pattern

    section = factory.SubFactory(SectionFactory)
    slug = factory.Sequence(lambda n: f"pattern-{n}")
    title = factory.Sequence(lambda n: f"Pattern {n}")
    summary = "A short summary."
    position = factory.Sequence(lambda n: n + 1)
    lesson_html = '<h2 id="intro">Intro</h2><p>Lesson text.</p>'
    toc = factory.LazyFunction(lambda: [{"level": 2, "id": "intro", "title": "Intro"}])
    source_path = factory.LazyAttribute(lambda o: f"{o.section.source_path}/{o.slug}")
    source_hash = "0" * 64


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    pattern = factory.SubFactory(PatternFactory)
    key = factory.Sequence(lambda n: f"question-{n}")
    position = factory.Sequence(lambda n: n % 10 + 1)
    difficulty = "easy"


class QuestionVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuestionVersion
        skip_postgeneration_save = True

    question = factory.SubFactory(QuestionFactory)
    number = 1
    source_hash = "0" * 64
    difficulty = factory.SelfAttribute("question.difficulty")
    stem_html = "<p>Which option is right?</p>"
    options = factory.LazyFunction(
        lambda: [
            {"letter": letter, "html": f"Option {letter}", "feedback_html": ""} for letter in "ABCD"
        ]
    )
    correct_letter = "B"
    solution_steps = factory.LazyFunction(lambda: ["<p>Think.</p>", "<p>Pick B.</p>"])
    final_answer_html = "<p>Option B</p>"
    quick_check_html = "<p>B is right</p>"
    hint_html = "<p>Not A</p>"
    common_mistakes = factory.LazyFunction(lambda: ["Picking A"])

    @factory.post_generation
    def make_current(self, create, extracted, **kwargs):
        if create:
            self.question.current_version = self
            self.question.save(update_fields=["current_version"])


def make_question_set(pattern=None, **pattern_fields):
    """A pattern with ten questions: 3 easy, 4 medium, 3 hard; B is always right.

    Every hidden field carries a marker ("SECRET-...") so tests can prove it never leaks.
    """
    from learnapp.catalog.sample_tree import DIFFICULTY_OF

    pattern = pattern or PatternFactory(**pattern_fields)
    versions = []
    for position, difficulty in enumerate(DIFFICULTY_OF, start=1):
        question = QuestionFactory(
            pattern=pattern,
            position=position,
            difficulty=difficulty,
            key=f"{pattern.slug}-q{position}",
        )
        versions.append(
            QuestionVersionFactory(
                question=question,
                stem_html=f"<p>Stem of question {position}?</p>",
                options=[
                    {
                        "letter": letter,
                        "html": f"Option {letter} of {position}",
                        "feedback_html": "" if letter == "B" else f"SECRET-FEEDBACK-{letter}",
                    }
                    for letter in "ABCD"
                ],
                solution_steps=[f"<p>SECRET-STEP-{position}</p>"],
                final_answer_html=f"<p>SECRET-FINAL-{position}</p>",
                quick_check_html=f"<p>SECRET-QUICK-{position}</p>",
                hint_html=f"<p>SECRET-HINT-{position}</p>",
                common_mistakes=[f"SECRET-MISTAKE-{position}"],
            )
        )
    return pattern, versions


def make_instructor(**fields):
    from learnapp.accounts.roles import make_instructor as promote

    user = UserFactory(**fields)
    promote(user)
    return user


class ClassroomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "classes.Classroom"

    name = factory.Sequence(lambda n: f"Class {n}")
    instructor = factory.LazyFunction(make_instructor)


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "classes.Assignment"
        skip_postgeneration_save = True

    classroom = factory.SubFactory(ClassroomFactory)
    title = factory.Sequence(lambda n: f"Assignment {n}")
    pattern = factory.SubFactory(PatternFactory)
    opens_at = factory.LazyFunction(lambda: _now() - _days(1))
    due_at = factory.LazyFunction(lambda: _now() + _days(2))
    closes_at = factory.LazyFunction(lambda: _now() + _days(4))


def _now():
    from django.utils import timezone

    return timezone.now()


def _days(n):
    from datetime import timedelta

    return timedelta(days=n)


class PracticeAnswerFactory(factory.django.DjangoModelFactory):
    """A practice answer to a question version; right unless `is_correct=False`."""

    class Meta:
        model = "learning.Answer"

    learner = factory.LazyFunction(lambda: Learner.objects.create())
    question_version = factory.SubFactory(QuestionVersionFactory)
    question = factory.SelfAttribute("question_version.question")
    pattern = factory.SelfAttribute("question.pattern")
    mode = "practice"
    difficulty = factory.SelfAttribute("question_version.difficulty")
    is_correct = True
    choice = factory.LazyAttribute(
        lambda o: o.question_version.correct_letter if o.is_correct else "A"
    )


# -- answering tests: each attempt shows the options in its own order ---------------------------
# Tests name options by their canonical letter ("B" is right in make_question_set); these give
# the letter a learner of that attempt sees, which is what the test form posts.


def shown_letter(attempt, number: int, canonical: str) -> str:
    item = attempt.items.get(number=number)
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[item.option_order.index(canonical)]


def right_letter(attempt, number: int) -> str:
    """The shown letter of a single-choice item's right option."""
    item = attempt.items.select_related("question_version").get(number=number)
    return shown_letter(attempt, number, item.question_version.correct_letter)


def wrong_letter(attempt, number: int) -> str:
    """The shown letter of a wrong option of a single-choice item."""
    item = attempt.items.select_related("question_version").get(number=number)
    wrong = next(
        o["letter"]
        for o in item.question_version.options
        if o["letter"] != item.question_version.correct_letter
    )
    return shown_letter(attempt, number, wrong)


# -- assessment pools ----------------------------------------------------------------------------


def make_assessment_pool(pattern, easy: int = 6, medium: int = 8, hard: int = 6, **version_fields):
    """An assessment pool for `pattern` (B right, as in make_question_set), in bulk: a pool of
    2,000 takes a few queries, not thousands. Sets the blueprint to 3 easy, 4 medium, 3 hard."""
    from learnapp.catalog.models import Pool

    counts = {"easy": easy, "medium": medium, "hard": hard}
    questions = Question.objects.bulk_create(
        [
            Question(
                pattern=pattern,
                key=f"{pattern.slug}-pool-{level}-{n}",
                pool=Pool.ASSESSMENT,
                position=index,
                difficulty=level,
            )
            for index, (level, n) in enumerate(
                ((level, n) for level, count in counts.items() for n in range(count)), start=1
            )
        ]
    )
    fields = {
        "source_hash": "0" * 64,
        "correct_letter": "B",
        "solution_steps": ["<p>POOL-STEP</p>"],
        "final_answer_html": "<p>POOL-FINAL</p>",
        "quick_check_html": "<p>POOL-QUICK</p>",
        "hint_html": "<p>POOL-HINT</p>",
        "common_mistakes": ["POOL-MISTAKE"],
        **version_fields,
    }
    options = fields.pop("options", None) or [
        {"letter": letter, "html": f"Pool option {letter}", "feedback_html": ""}
        for letter in "ABCD"
    ]
    versions = QuestionVersion.objects.bulk_create(
        [
            QuestionVersion(
                question=question,
                number=1,
                difficulty=question.difficulty,
                stem_html=f"<p>Pool stem {question.key}?</p>",
                options=options,
                **fields,
            )
            for question in questions
        ]
    )
    for question, version in zip(questions, versions, strict=True):
        question.current_version = version
    Question.objects.bulk_update(questions, ["current_version"])
    pattern.blueprint = {"easy": 3, "medium": 4, "hard": 3}
    pattern.save(update_fields=["blueprint"])
    return questions


# -- a practice set with every question type -----------------------------------------------------
# The shipped practice sets stay the seed's ten single-choice questions; this small tree proves
# practice works for every type. Markers ("MULTI-FEEDBACK-B") let tests find each line.

PRACTICE_TYPES_SLUG = "every-type"

_PRACTICE_TAIL = """
### Solution
1. **Work it out.** SOLUTION-{key}

### Final answer
FINAL-{key}

### Quick check
QUICK-{key}

### Hint
HINT-{key}

### Common mistakes
- MISTAKE-{key}
"""

PRACTICE_TYPES_QUESTIONS = [
    """## Question 1
id: pt-single
difficulty: easy

Which header carries an API key to the sandbox?

### Options
- [ ] The `X-Key` header
  Feedback: SINGLE-FEEDBACK-A
- [x] The `Authorization` header, as a bearer token
- [ ] A cookie
  Feedback: SINGLE-FEEDBACK-C
""",
    """## Question 2
id: pt-multiple
difficulty: easy
type: multiple
scoring: partial

Which of these keep an API key out of source control?

### Options
- [x] An environment variable
- [ ] A constant in the code
  Feedback: MULTI-FEEDBACK-B
- [x] A secrets manager
- [ ] A comment next to the call
  Feedback: MULTI-FEEDBACK-D
""",
    """## Question 3
id: pt-numeric
difficulty: easy
type: numeric

A log shows 950 valid requests out of 1,000. What is the success rate, in percent?

### Answer
value: 95
tolerance: 0.05
percent: true
accept_fraction: true
""",
    """## Question 4
id: pt-ordering
difficulty: medium
type: ordering
scoring: partial

Put the steps of rotating a key in order.

### Steps
1. STEP-CREATE a new key
2. STEP-DEPLOY the new key
3. STEP-CHECK the old key is unused
4. STEP-REVOKE the old key
""",
    """## Question 5
id: pt-template
difficulty: medium

A log counts {{valid}} valid requests and {{failed}} failed ones. What is the success rate?

### Parameters
- valid: integer 900..990
- failed: integer 10..60

### Derived
- total = valid + failed
- rate = valid / total * 100 in 90..100
- twice = valid / (valid + 2 * failed) * 100

### Options
- [x] {{rate:.1f}}%
- [ ] {{twice:.1f}}%
  Misconception: counted the failures twice
- [ ] 100%
  Misconception: counted only the valid requests
""",
    """## Question 6
id: pt-numeric-template
difficulty: medium
type: numeric

A log counts {{valid}} valid requests and {{failed}} failed ones. What is the failure rate, in
percent?

### Parameters
- valid: integer 900..990
- failed: integer 10..60

### Derived
- rate = failed / (valid + failed) * 100 in 0..10

### Answer
value: rate
tolerance: 0.05
percent: true
""",
]


def practice_types_markdown() -> str:
    from learnapp.catalog.sample_tree import question_markdown

    questions = []
    for text in PRACTICE_TYPES_QUESTIONS:
        key = text.split("id: ", 1)[1].split("\n", 1)[0]
        questions.append(
            text
            + _PRACTICE_TAIL.format(key=key).replace("HINT-pt-template", "HINT for {{valid}} valid")
        )
    for number, difficulty in zip(range(7, 11), ["medium", "hard", "hard", "hard"], strict=True):
        questions.append(question_markdown(number, f"pt-q{number}", difficulty))
    return "---\ntitle: Every type\n---\n\n" + "\n".join(questions)


def write_practice_types_tree(root):
    """A content tree with one pattern whose practice set has every question type."""
    from learnapp.catalog.sample_tree import index_markdown, lesson_markdown

    pattern_dir = root / "track" / "section" / "pattern"
    pattern_dir.mkdir(parents=True)
    (root / "track" / "track.md").write_text(index_markdown("pt-track", "Track", 1))
    (root / "track" / "section" / "section.md").write_text(
        index_markdown("pt-section", "Section", 1)
    )
    (pattern_dir / "lesson.md").write_text(lesson_markdown(PRACTICE_TYPES_SLUG, "Every type", 1))
    (pattern_dir / "practice.md").write_text(practice_types_markdown())
    return root
