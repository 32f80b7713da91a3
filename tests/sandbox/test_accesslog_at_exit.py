"""A worker's held access-log rows are written when it exits, even if it never used the database.

A gunicorn worker that only answered requests without a key (counted in Redis, never in the
database) holds their rows with no connection open. On PostgreSQL the first connection opens the
connection pool, which starts threads, and Python refuses new threads once the interpreter is
shutting down: the rows were lost at a graceful stop.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from learnapp.sandbox.models import AccessLogEntry

ROOT = Path(__file__).resolve().parents[2]

WORKER = """
import django
django.setup()
from django.utils import timezone
from learnapp.sandbox import accesslog
for _ in range(3):
    accesslog.add(
        learner_id=None, key=None, key_prefix="", created_at=timezone.now(), method="GET",
        path="/sandbox/api/models", status=401, outcome="missing_token", category="no_credentials",
        source="http", latency_ms=1.0, retry_after=None,
    )
# A normal exit, as a worker's after SIGTERM: atexit writes what is held.
"""


@pytest.mark.django_db(transaction=True)
def test_rows_held_by_a_worker_that_never_opened_a_connection_are_written_at_exit():
    if connection.vendor != "postgresql":
        pytest.skip("the connection pool (and its threads) is PostgreSQL's")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "learnapp.settings",
        "DATABASE_URL": url,
        "LEARNAPP_SANDBOX_LOG_BUFFER": "100",
        "LEARNAPP_SANDBOX_LOG_FLUSH_MS": "1000",
    }
    done = subprocess.run(
        [sys.executable, "-c", WORKER],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "could not be written" not in done.stderr, done.stderr
    assert AccessLogEntry.objects.filter(outcome="missing_token").count() == 3
