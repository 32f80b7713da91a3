"""Attempts started before draws were stored keep showing exactly what they showed."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("learning", "0002_attempt_assignment_attempt_deadline_at_and_more")]
AFTER = [("learning", "0003_attempt_items_and_exact_credit")]


def latest_catalog(executor) -> list[tuple[str, str]]:
    # The catalog stays as it is; its models' state must include its latest columns (a
    # catalog migration added later would otherwise leave a NOT NULL column unfilled).
    return [node for node in executor.loader.graph.leaf_nodes() if node[0] == "catalog"]


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema(transactional_db):
    # Later tests need every table, including those of migrations after AFTER.
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_an_old_attempt_keeps_its_questions_in_order_with_the_options_as_written():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE + latest_catalog(executor)).apps
    Track = old.get_model("catalog", "Track")
    Section = old.get_model("catalog", "Section")
    Pattern = old.get_model("catalog", "Pattern")
    Question = old.get_model("catalog", "Question")
    Version = old.get_model("catalog", "QuestionVersion")
    Learner = old.get_model("learning", "Learner")
    Attempt = old.get_model("learning", "Attempt")
    Answer = old.get_model("learning", "Answer")
    track = Track.objects.create(slug="t", title="T", source_path="t")
    section = Section.objects.create(slug="s", title="S", source_path="s", track=track)
    pattern = Pattern.objects.create(
        slug="p", title="P", source_path="p", section=section, lesson_html="", source_hash="0"
    )
    versions = []
    for position, level in enumerate(["hard", "easy"], start=1):
        question = Question.objects.create(
            pattern=pattern, key=f"q{position}", position=position, difficulty=level
        )
        versions.append(
            Version.objects.create(
                question=question,
                number=1,
                source_hash="0",
                difficulty=level,
                stem_html="<p>?</p>",
                options=[{"letter": x, "html": x} for x in "ABC"],
                correct_letter="C",
                solution_steps=[],
                final_answer_html="",
                quick_check_html="",
                hint_html="",
                common_mistakes=[],
            )
        )
    learner = Learner.objects.create()
    attempt = Attempt.objects.create(
        learner=learner, pattern=pattern, version_ids=[v.pk for v in versions], score=1, total=2
    )
    for version, choice in zip(versions, "CA", strict=True):
        Answer.objects.create(
            learner=learner,
            question_id=version.question_id,
            pattern=pattern,
            question_version=version,
            mode="test",
            attempt=attempt,
            difficulty=version.difficulty,
            choice=choice,
            is_correct=choice == "C",
        )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    items = new.get_model("learning", "AttemptItem").objects.filter(attempt_id=attempt.pk)
    assert list(
        items.order_by("number").values_list(
            "number", "question_version_id", "difficulty", "seed", "option_order"
        )
    ) == [
        (1, versions[0].pk, "hard", 0, ["A", "B", "C"]),
        (2, versions[1].pk, "easy", 0, ["A", "B", "C"]),
    ]
    answers = new.get_model("learning", "Answer").objects.order_by("pk")
    assert [(a.response, str(a.credit)) for a in answers] == [("C", "1"), ("A", "0")]
    assert str(new.get_model("learning", "Attempt").objects.get().score) == "1"
