"""learnapp.sqlite: write transactions of several processes queue on a lock file.

Each test opens its own SQLite file with two connections, one per thread, as two gunicorn
workers would (flock() locks belong to an open file, so two connections in one process keep
each other out just as two processes do).
"""

import sqlite3
import threading

import pytest
from django.test import override_settings

from learnapp.sqlite.base import DatabaseWrapper

# SQLite's own busy timeout, far below how long the first writer holds its transaction here:
# a writer that relied on it would fail with "database is locked".
BUSY_TIMEOUT = 0.2


def connect(path, alias):
    return DatabaseWrapper(
        {
            "NAME": str(path),
            "ENGINE": "learnapp.sqlite",
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": BUSY_TIMEOUT,
            },
            "TIME_ZONE": None,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "TEST": {},
        },
        alias,
    )


def begin(connection):
    """What transaction.atomic() does on entering its outermost block."""
    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


def end(connection, commit=True):
    """...and on leaving it."""
    connection.commit() if commit else connection.rollback()
    connection.set_autocommit(True)


@pytest.fixture
def database(tmp_path, django_db_blocker):
    # Connections of its own to a file of its own, not the test database.
    with django_db_blocker.unblock():
        yield make_database(tmp_path)


def make_database(tmp_path):
    path = tmp_path / "site.sqlite3"
    setup = connect(path, "setup")
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE answer (who TEXT)")
    setup.close()
    return path


def in_thread(work):
    """Run work() in a thread of its own; the thread and a list that gets its error, if any."""
    errors = []

    def run():
        try:
            work()
        except Exception as exc:  # reported to the test
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, errors


def rows(path):
    with sqlite3.connect(path) as raw:
        return sorted(who for (who,) in raw.execute("SELECT who FROM answer"))


def test_a_write_waits_for_the_one_before_it_instead_of_failing_with_database_locked(database):
    first_wrote, let_first_commit = threading.Event(), threading.Event()
    second_started, second_done = threading.Event(), threading.Event()

    def first():
        connection = connect(database, "first")
        begin(connection)
        connection.cursor().execute("INSERT INTO answer VALUES ('first')")
        first_wrote.set()
        let_first_commit.wait(10)
        end(connection)
        connection.close()

    def second():
        connection = connect(database, "second")
        second_started.set()
        begin(connection)
        connection.cursor().execute("INSERT INTO answer VALUES ('second')")
        end(connection)
        connection.close()
        second_done.set()

    first_thread, first_errors = in_thread(first)
    assert first_wrote.wait(10)
    second_thread, second_errors = in_thread(second)
    assert second_started.wait(10)
    # Well past SQLite's busy timeout: the second writer is still waiting, not failed.
    second_done.wait(BUSY_TIMEOUT * 4)
    assert not second_errors
    assert not second_done.is_set()

    let_first_commit.set()
    first_thread.join(10)
    second_thread.join(10)
    assert not first_errors and not second_errors
    assert rows(database) == ["first", "second"]


def test_a_rolled_back_write_lets_the_next_one_in(database):
    holder = connect(database, "holder")
    begin(holder)
    holder.cursor().execute("INSERT INTO answer VALUES ('undone')")
    end(holder, commit=False)

    def next_writer():
        connection = connect(database, "next")
        begin(connection)
        connection.cursor().execute("INSERT INTO answer VALUES ('next')")
        end(connection)
        connection.close()

    thread, errors = in_thread(next_writer)
    thread.join(BUSY_TIMEOUT * 10)
    assert not thread.is_alive(), "the rolled-back transaction kept the lock file"
    assert not errors
    assert rows(database) == ["next"]
    holder.close()


@override_settings(SQLITE_CHECKPOINT_SECONDS=0)
def test_the_wal_is_copied_back_after_writes_so_it_does_not_grow(database):
    writer = connect(database, "writer")
    for number in range(50):
        begin(writer)
        writer.cursor().execute("INSERT INTO answer VALUES (?)", [f"answer {number}"])
        end(writer)
    with sqlite3.connect(database) as raw:
        _busy, frames_in_wal, _copied = raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    writer.close()
    # Each commit is checkpointed as it goes, so the WAL starts again from its first frame:
    # only the last transaction's pages are in it (without the checkpoints, 50 commits' worth).
    assert frames_in_wal <= 5
    assert len(rows(database)) == 50
