"""The access log's batch write: plain rows through the cursor, exactly what the API logged."""

import contextlib
import threading

import pytest
from django.db.models.signals import post_init
from django.test import override_settings

from learnapp.sandbox import accesslog
from learnapp.sandbox.models import AccessLogEntry

pytestmark = pytest.mark.django_db

MODELS = "/sandbox/api/models"


@pytest.fixture
def buffered_log():
    accesslog.flush()
    with override_settings(SANDBOX_LOG_BUFFER=100, SANDBOX_LOG_FLUSH_SECONDS=1):
        yield
    accesslog._rows.clear()


@pytest.fixture
def entries_built():
    built = []

    def count(sender, instance, **kwargs):
        built.append(instance)

    post_init.connect(count, sender=AccessLogEntry)
    yield built
    post_init.disconnect(count, sender=AccessLogEntry)


def test_a_batch_is_written_without_a_model_instance_per_row(
    client, key_and_raw, buffered_log, entries_built
):
    key, raw = key_and_raw
    for _ in range(3):
        assert client.get(MODELS, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    client.get(MODELS)  # no key: a row of nobody's, status 401
    assert accesslog.flush() == 4
    # bulk_create built an instance and prepared each field of every row: most of the write.
    assert entries_built == []
    rows = list(AccessLogEntry.objects.order_by("pk"))
    assert [(r.key_id, r.learner_id, r.status) for r in rows] == [
        (key.pk, key.learner_id, 200),
        (key.pk, key.learner_id, 200),
        (key.pk, key.learner_id, 200),
        (None, None, 401),
    ]
    first = rows[0]
    assert (first.method, first.path, first.outcome, first.category) == (
        "GET",
        MODELS,
        "ok",
        "valid",
    )
    assert first.created_at.tzinfo is not None and first.latency_ms >= 0


def test_a_flush_waits_for_a_batch_the_flusher_thread_is_still_writing(monkeypatch):
    # At a graceful stop, atexit's flush found the buffer empty while the flusher thread (a
    # daemon, killed right after) still had a batch uncommitted: those rows were lost.
    started, release, committed = threading.Event(), threading.Event(), []

    def slow_write(batch):
        started.set()
        release.wait(10)
        committed.extend(batch)

    monkeypatch.setattr(accesslog, "_write", slow_write)
    # No database here: only the handing over of the batch between the two threads.
    monkeypatch.setattr(accesslog, "_write_turn", contextlib.nullcontext)
    monkeypatch.setattr(accesslog, "_rows", [{"row": 1}, {"row": 2}])
    flusher = threading.Thread(target=accesslog.flush)
    flusher.start()
    assert started.wait(10)
    threading.Timer(0.1, release.set).start()
    accesslog.flush()  # as atexit does
    assert committed == [{"row": 1}, {"row": 2}]
    flusher.join(10)
