"""An instructor's own questions: who may use them, and writing them through the loader's rules.

They are catalog Questions with an owner, in the 'bank' pool: practice and pattern tests never
draw them (those read the practice and assessment pools), the content loader never reads or
retires them. Their owner edits them here; the assignment form of a class offers the questions
of everyone who teaches that class (its instructor and co-teachers, classes.access), and nobody
else's. Learners meet them only inside an assignment that asks them.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from learnapp.accounts.roles import is_instructor
from learnapp.catalog.loader import _version
from learnapp.catalog.models import Pattern, Pool, Question
from learnapp.catalog.parsing import ContentError, ContentErrors, parse_question_blocks
from learnapp.classes.access import teachers_of

from .models import Source
from .portable import ImportProblem, PortableQuestion, local_key, to_markdown

EDITOR_PATH = "question"  # how the editor's text is named in its messages ("question:12: ...")


def questions_for(user) -> QuerySet[Question]:
    """The instructor's own questions that an assignment may ask: active, with a version."""
    if not is_instructor(user):
        return Question.objects.none()
    return (
        Question.objects.active().filter(owner=user, pool=Pool.BANK).exclude(current_version=None)
    )


def questions_for_class(classroom) -> QuerySet[Question]:
    """The questions of everyone who teaches `classroom` that its custom quizzes may ask."""
    return (
        Question.objects.active()
        .filter(owner__in=teachers_of(classroom).values("pk"), pool=Pool.BANK)
        .exclude(current_version=None)
    )


def owned_question(user, question_id: int) -> Question:
    """One of the user's own questions, or a 404: nobody else learns that it exists."""
    return get_object_or_404(
        Question.objects.filter(owner=user, pool=Pool.BANK).select_related(
            "current_version", "pattern"
        ),
        pk=question_id,
    )


def stored_key(user, key: str) -> str:
    # Content ids are lower-case letters, digits and hyphens; the underscore keeps an
    # instructor's ids apart from them (and from each other's) in the one unique column.
    return f"u{user.pk}_{key}"


def source_of(question: Question) -> str:
    source = Source.objects.filter(version_id=question.current_version_id).first()
    return source.text if source else ""


def check(text: str):
    """The question as the loader would read it, or ContentErrors with line-numbered problems."""
    questions = parse_question_blocks(EDITOR_PATH, text)
    if len(questions) != 1:
        raise ContentErrors(
            [
                ContentError(EDITOR_PATH, q.line, "write one question at a time")
                for q in questions[1:]
            ]
        )
    return questions[0]


def save_question(user, pattern: Pattern, text: str, question: Question | None = None) -> Question:
    """Create the question, or give it a new version when its text changed.

    Raises ContentErrors (nothing saved) when the text has a problem or its id is taken.
    """
    parsed = check(text)
    with transaction.atomic():
        return _save_parsed(user, pattern, parsed, text, question)


def _save_parsed(user, pattern: Pattern, parsed, text: str, question: Question | None):
    key = stored_key(user, parsed.key)
    clash = Question.objects.filter(key=key)
    if question is not None:
        clash = clash.exclude(pk=question.pk)
    if clash.exists():
        raise ContentErrors(
            [
                ContentError(
                    EDITOR_PATH, parsed.line, f"you already have a question with id '{parsed.key}'"
                )
            ]
        )
    if question is None:
        question = Question.objects.create(
            pattern=pattern,
            key=key,
            pool=Pool.BANK,
            position=1,
            difficulty=parsed.difficulty,
            owner=user,
        )
    current = question.current_version
    question.key, question.pattern, question.difficulty = key, pattern, parsed.difficulty
    if current is None or current.source_hash != parsed.source_hash:
        # A new version, as the loader makes: attempts keep the version they were asked.
        version = _version(question, parsed, (current.number if current else 0) + 1)
        version.save()
        Source.objects.create(version=version, text=text)
        question.current_version = version
    question.save(update_fields=["key", "pattern", "difficulty", "current_version"])
    return question


def retire(question: Question) -> None:
    """Out of the bank and the picker; attempts and assignments that asked it keep it."""
    from django.utils import timezone

    question.retired_at = timezone.now()
    question.save(update_fields=["retired_at"])


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def import_questions(user, pattern: Pattern, questions: list[PortableQuestion]) -> ImportResult:
    """Save imported questions through the editor's own checks: all of them, or none.

    Problems are reported at the line of the imported file where the question starts. A question
    whose id the instructor already has gets a new version, so importing again updates.
    """
    problems: list[ImportProblem] = []
    parsed_all = []
    for question in questions:
        text = to_markdown(question)
        try:
            parsed_all.append((check(text), text))
        except ContentErrors as exc:
            problems.extend(
                ImportProblem(question.line, f"question '{question.key}': {error.message}")
                for error in exc.errors
            )
    if problems:
        from .gift import ImportProblems

        raise ImportProblems(problems)
    result = ImportResult()
    with transaction.atomic():
        existing = {
            local_key(q.key): q
            for q in Question.objects.filter(owner=user, pool=Pool.BANK).select_related(
                "current_version"
            )
        }
        for parsed, text in parsed_all:
            before = existing.get(parsed.key)
            old_version = before.current_version_id if before else None
            if before is not None and before.retired_at is not None:
                before.retired_at = None
                before.save(update_fields=["retired_at"])
            saved = _save_parsed(user, pattern, parsed, text, before)
            if before is None:
                result.created += 1
            elif saved.current_version_id != old_version:
                result.updated += 1
            else:
                result.unchanged += 1
    return result
