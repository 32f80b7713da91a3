"""Recording and grading answers, starting and submitting tests. Plain functions over models."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from learnapp.catalog.models import Pattern, Question, QuestionVersion

from .models import Answer, Attempt, Learner, Mode, StrongRule

DIFFICULTY_ORDER = {"easy": 0, "medium": 1, "hard": 2}
# A day on one question is already a tab left open; the sum stops there.
MAX_TIME_PER_QUESTION_MS = 24 * 60 * 60 * 1000


class AnswerRejected(Exception):
    """A request that cannot be taken: the view answers with `status` and this message."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def check_choice(version: QuestionVersion, choice: str) -> str:
    letters = [option["letter"] for option in version.options]
    choice = (choice or "").strip().upper()
    if not choice:
        raise AnswerRejected("Choose one of the options first.")
    if choice not in letters:
        raise AnswerRejected(
            f"'{choice[:10]}' is not an option of this question; choose one of {', '.join(letters)}."
        )
    return choice


def record_practice_answer(
    learner: Learner,
    question: Question,
    choice: str,
    form_token: str,
    used_hint: bool,
    time_taken_ms: int | None,
) -> Answer:
    """Save a practice answer; the same choice sent again from the same form counts once.

    The form stays on the page after "Check" (htmx swaps only the feedback), so one form token
    can carry several choices: A, "Not quite", then B. Each new choice is a new answer; only a
    repeat of the choice the form last sent (a double click, a retried request) is a duplicate.
    """
    version = question.current_version
    choice = check_choice(version, choice)
    prefix = f"{form_token}."
    # Every practice answer to this question, newest first: a handful of rows at most.
    earlier = list(
        Answer.objects.filter(learner=learner, question=question, mode=Mode.PRACTICE).order_by(
            "-answered_at", "-pk"
        )
    )
    sent = [a for a in earlier if a.form_token.startswith(prefix)]
    # A repeat only if this form's last choice is also the learner's latest answer: a choice
    # made in another tab in between makes this one new again.
    if sent and earlier[0] is sent[0] and sent[0].choice == choice:
        return sent[0]
    # The n-th choice from this form: two copies of the same request race for the same token,
    # and the unique constraint lets exactly one of them in.
    answer = Answer(
        learner=learner,
        question=question,
        pattern_id=question.pattern_id,
        question_version=version,
        mode=Mode.PRACTICE,
        difficulty=version.difficulty,
        choice=choice,
        is_correct=choice == version.correct_letter,
        used_hint=used_hint,
        time_taken_ms=time_taken_ms,
    )
    for index in range(len(sent), len(sent) + 3):
        answer.form_token = f"{prefix}{index}"
        try:
            with transaction.atomic():
                answer.save(force_insert=True)
            return answer
        except IntegrityError:
            first = Answer.objects.get(learner=learner, form_token=answer.form_token)
            # The same request twice at once (double click, retry): the first answer stands.
            if first.choice == choice:
                return first
            answer.pk = None  # another choice got that place first: take the next one
    raise AnswerRejected("Too many answers at once from this form; reload the question.", 409)


def pattern_test_questions(pattern: Pattern) -> list[Question]:
    """A pattern's test: its active questions, easy to hard."""
    return sorted(
        pattern.questions.active().practice().exclude(current_version=None),
        key=lambda q: (DIFFICULTY_ORDER[q.difficulty], q.position),
    )


def start_attempt(learner: Learner, pattern: Pattern) -> Attempt:
    """Resume the learner's unfinished self-study test of this pattern, or start one."""
    unfinished = (
        Attempt.objects.in_progress()
        .filter(learner=learner, pattern=pattern, assignment__isnull=True)
        .order_by("-started_at")
        .first()
    )
    if unfinished:
        return unfinished
    questions = pattern_test_questions(pattern)
    return Attempt.objects.create(
        learner=learner,
        pattern=pattern,
        version_ids=[q.current_version_id for q in questions],
        total=len(questions),
    )


def attempt_versions(attempt: Attempt) -> list[QuestionVersion]:
    """The attempt's question versions in the order asked (one query)."""
    by_id = QuestionVersion.objects.select_related("question").in_bulk(attempt.version_ids)
    return [by_id[version_id] for version_id in attempt.version_ids]


def save_test_answer(
    attempt: Attempt, number: int, choice: str, time_taken_ms: int | None = None
) -> Answer:
    """Save (or change) the choice for question `number` of an unfinished attempt."""
    finish_if_overdue(attempt)
    if attempt.is_submitted and attempt.submitted_at == attempt.deadline_at:
        raise AnswerRejected(
            "Time is up: the test was submitted with the answers saved before the limit.", 409
        )
    if attempt.is_submitted:
        raise AnswerRejected("This test has been submitted; its answers can no longer change.", 409)
    if not 1 <= number <= len(attempt.version_ids):
        raise AnswerRejected(
            f"Question {number} is not part of this test (it has {len(attempt.version_ids)}).",
            404,
        )
    version = QuestionVersion.objects.get(pk=attempt.version_ids[number - 1])
    choice = check_choice(version, choice)
    with transaction.atomic():
        # Lock the attempt so an answer cannot slip in while another request submits it.
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.is_submitted:
            raise AnswerRejected(
                "This test has been submitted; its answers can no longer change.", 409
            )
        saved = {
            "choice": choice,
            "is_correct": choice == version.correct_letter,
            "question_version": version,
        }
        # Time on a question is the sum over visits: each report adds the time since the last.
        added = {}
        if time_taken_ms is not None:
            added["time_taken_ms"] = Least(
                Coalesce(F("time_taken_ms"), 0) + time_taken_ms, MAX_TIME_PER_QUESTION_MS
            )
        answer, _ = Answer.objects.update_or_create(
            attempt=attempt,
            question_id=version.question_id,
            defaults={**saved, **added},
            create_defaults={
                **saved,
                "time_taken_ms": time_taken_ms,
                "learner_id": attempt.learner_id,
                "pattern_id": attempt.pattern_id,
                "mode": Mode.TEST,
                "difficulty": version.difficulty,
            },
        )
    return answer


@dataclass(frozen=True)
class Verdict:
    is_strong: bool
    explanation: str


def judge(score: int, hard_right: int, rule: dict) -> Verdict:
    needed, hard_needed = rule["min_correct"], rule["min_hard_correct"]
    if score >= needed and hard_right >= hard_needed:
        return Verdict(
            True, f"{score} right (at least {needed} needed), {hard_right} of them hard."
        )
    missing = []
    if score < needed:
        missing.append(f"{needed - score} more right answer{'s' if needed - score != 1 else ''}")
    if hard_right < hard_needed:
        missing.append(f"at least {hard_needed} hard question right")
    return Verdict(False, f"Not yet: you need {' and '.join(missing)}.")


def finish_if_overdue(attempt: Attempt) -> bool:
    """Submit an attempt whose time ran out, with the answers saved so far. True if it did."""
    if not attempt.is_overdue(timezone.now()):
        return False
    submitted = submit_attempt(attempt.pk, attempt.learner_id, at=attempt.deadline_at)
    attempt.submitted_at = submitted.submitted_at
    return True


def submit_attempt(attempt_id: int, learner: Learner | int, at=None) -> Attempt:
    """Grade and close the attempt. Submitting twice (two tabs, a retry) gives the one result.

    `at` backdates an automatic submission to the moment the time ran out.
    """
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt_id, learner=learner)
        if attempt.is_submitted:
            return attempt
        versions = QuestionVersion.objects.in_bulk(attempt.version_ids)
        answers = {a.question_version_id: a for a in attempt.answers.all()}
        breakdown = {level: [0, 0] for level in DIFFICULTY_ORDER}
        for version_id in attempt.version_ids:
            level = versions[version_id].difficulty
            breakdown[level][1] += 1
            answer = answers.get(version_id)
            if answer is not None and answer.is_correct:
                breakdown[level][0] += 1
        rule = StrongRule.snapshot()
        score = sum(right for right, _ in breakdown.values())
        attempt.score = score
        attempt.breakdown = breakdown
        attempt.rule = rule
        attempt.is_strong = judge(score, breakdown["hard"][0], rule).is_strong
        attempt.submitted_at = at or timezone.now()
        attempt.is_late = attempt.due_at is not None and attempt.submitted_at > attempt.due_at
        attempt.save(
            update_fields=["score", "breakdown", "rule", "is_strong", "submitted_at", "is_late"]
        )
    return attempt
