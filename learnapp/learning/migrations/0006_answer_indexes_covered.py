import django.db.models.deletion
from django.db import migrations, models

# The two indexes Django made for these foreign keys (the same names on SQLite and PostgreSQL).
# Dropped by name rather than by AlterField, which on SQLite would copy the whole answers table
# to rebuild it; on PostgreSQL they go CONCURRENTLY, so answers keep being written meanwhile.
INDEXES = {
    "learning_answer_learner_id_fc4f2069": "learner_id",
    "learning_answer_attempt_id_4249cc95": "attempt_id",
}


def _concurrently(schema_editor) -> str:
    return " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""


def drop_indexes(apps, schema_editor):
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX{_concurrently(schema_editor)} IF EXISTS {name}")


def create_indexes(apps, schema_editor):
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX{_concurrently(schema_editor)} IF NOT EXISTS {name}"
            f' ON learning_answer ("{column}")'
        )


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("learning", "0005_review_cards_and_hint_uses"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
            state_operations=[
                migrations.AlterField(
                    model_name="answer",
                    name="attempt",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="answers",
                        to="learning.attempt",
                    ),
                ),
                migrations.AlterField(
                    model_name="answer",
                    name="learner",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="answers",
                        to="learning.learner",
                    ),
                ),
            ],
        )
    ]
