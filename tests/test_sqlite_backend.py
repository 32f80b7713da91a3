"""learnapp.sqlite: write transactions of several processes queue on a lock file.

Each test opens its own SQLite file with two connections, one per thread, as two gunicorn
workers would (flock() locks belong to an open file, so two connections in one process keep
each other out just as two processes do).
"""

import fcntl
import os
import sqlite3
import threading

import pytest
from django.test import override_settings

from learnapp.sqlite.base import DatabaseWrapper

# How long a writer waits for the lock file, and then for SQLite's own lock (seconds).
BUSY_TIMEOUT = 0.2


def connect(path, alias, timeout=BUSY_TIMEOUT):
    return DatabaseWrapper(
        {
            "NAME": str(path),
            "ENGINE": "learnapp.sqlite",
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": timeout,
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


def write(path, who: str, timeout: float = BUSY_TIMEOUT, before_commit=lambda: None) -> None:
    """One write transaction on a connection of its own, as one worker's request makes it."""
    connection = connect(path, who, timeout=timeout)
    begin(connection)
    connection.cursor().execute("INSERT INTO answer VALUES (%s)", [who])
    before_commit()
    end(connection)
    connection.close()


def lock_file_is_free(path) -> bool:
    """Whether another process could take the writers' lock file now."""
    fd = os.open(f"{path}-writers.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def test_a_write_transaction_holds_the_writers_lock_file_until_it_commits(database):
    writer = connect(database, "writer")
    begin(writer)
    writer.cursor().execute("INSERT INTO answer VALUES ('held')")
    # Every other writer (another worker process) queues here rather than in SQLite.
    assert not lock_file_is_free(database)
    end(writer)
    assert lock_file_is_free(database)
    assert rows(database) == ["held"]
    writer.close()


def test_a_writer_queued_behind_another_goes_on_when_it_commits(database):
    first_wrote, let_first_commit = threading.Event(), threading.Event()
    second_done = threading.Event()

    def hold_until_told():
        first_wrote.set()
        let_first_commit.wait(10)

    def second():
        write(database, "second", timeout=10)
        second_done.set()

    first_thread, first_errors = in_thread(
        lambda: write(database, "first", timeout=10, before_commit=hold_until_told)
    )
    assert first_wrote.wait(10)
    second_thread, second_errors = in_thread(second)
    assert not second_done.wait(0.3)  # queued: the first has not committed
    let_first_commit.set()
    first_thread.join(10)
    second_thread.join(10)
    assert not first_errors and not second_errors
    assert rows(database) == ["first", "second"]


def test_a_lock_file_held_too_long_leaves_the_write_to_sqlite_instead_of_hanging(database):
    # A holder that never lets go: say, a thread of the same process that holds the file while
    # it waits for a lock the writer's thread holds. The writer waits its timeout, then goes
    # on under SQLite's own lock (free here), instead of waiting for ever.
    stuck = os.open(f"{database}-writers.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(stuck, fcntl.LOCK_EX)
    try:
        thread, errors = in_thread(lambda: write(database, "late"))
        thread.join(BUSY_TIMEOUT * 20)
        assert not thread.is_alive(), "the writer hung on the lock file"
        assert not errors
    finally:
        os.close(stuck)
    assert rows(database) == ["late"]


def test_a_rolled_back_write_lets_the_next_one_in(database):
    holder = connect(database, "holder")
    begin(holder)
    holder.cursor().execute("INSERT INTO answer VALUES ('undone')")
    end(holder, commit=False)

    thread, errors = in_thread(lambda: write(database, "next"))
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


def test_placeholders_and_literal_percent_signs_read_the_same_on_every_run(database):
    # The conversion to SQLite's placeholders is remembered per statement: the second run of
    # each statement must mean what the first did, with its own values.
    connection = connect(database, "reader")
    statements = [
        ("SELECT %s || '%%s' || %s", ["a", "b"], ("a%sb",)),
        ("SELECT %s || '%%s' || %s", ["c", "d"], ("c%sd",)),
        ("SELECT %(x)s || '%%' || %(y)s", {"x": "e", "y": "f"}, ("e%f",)),
        ("SELECT %(x)s || '%%' || %(y)s", {"y": "h", "x": "g"}, ("g%h",)),
        ("SELECT '100%%'", [], ("100%",)),
        # Longer than the statements it remembers: converted afresh, the same way.
        ("SELECT %s || '%%' -- " + "x" * 5000, ["i"], ("i%",)),
    ]
    with connection.cursor() as cursor:
        for sql, params, row in statements:
            cursor.execute(sql, params)
            assert cursor.fetchone() == row
    connection.close()
