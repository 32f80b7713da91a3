"""SQLite for several app processes: write transactions queue on a lock file, and the WAL is
checkpointed after the queue moves on.

The site runs SQLite with `transaction_mode = IMMEDIATE`: each write transaction takes SQLite's
write lock at BEGIN. A process that finds it taken sleeps in SQLite's busy handler (1 ms, then
2, 5, 10 ms ...) and tries again, so two gunicorn workers that both write on every request (a
practice Check, a test autosave) spend much of their time asleep while the lock is already
free: on the 2-core benchmark machine, about a quarter of the CPU stood idle. Here each write
transaction first takes an exclusive flock() on `<database>-writers.lock`, trying again after
20 microseconds, then 40, 80 ... up to a millisecond, so a waiter goes on within a fraction of
a millisecond of the holder's commit.

The lock file is taken just before BEGIN IMMEDIATE and given back just after COMMIT or
ROLLBACK, the same order as SQLite's own lock. A writer waits for it at most SQLite's own
timeout (5 seconds), then goes on to SQLite's busy handler, which may wait as long again before
"database is locked": so a thread that holds the file while it waits for a lock of this process
cannot hang the site (see _take_writers_lock). A writer that does not go through the file (an
autocommit statement, the sqlite3 shell) meets SQLite's busy handler as before.

Checkpoints: SQLite copies the WAL back into the database inside a COMMIT, with an fsync, once
the WAL passes `wal_autocheckpoint` pages; with the lock file that COMMIT would keep every
other writer waiting through the fsync. So automatic checkpoints are left for large bursts only
(SQLITE_AUTOCHECKPOINT_PAGES), and a process runs a PASSIVE checkpoint itself after giving the
lock file back, at most every SQLITE_CHECKPOINT_SECONDS. A passive checkpoint waits for no one.
"""

import fcntl
import functools
import os
import time

from django.conf import settings
from django.db.backends.sqlite3 import base

# SQLite's own checkpoint, inside a COMMIT: a safety net for writes outside transactions
# (autocommit statements), which never reach the checkpoint below. 10,000 pages is 40 MB.
SQLITE_AUTOCHECKPOINT_PAGES = 10_000


# A statement longer than this (a long IN list, a bulk insert: each length its own statement) is
# converted afresh, so the remembered ones stay the busy few and take at most a few MB.
MAX_REMEMBERED_QUERY = 4096


@functools.lru_cache(maxsize=1024)
def _qmark_style(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class CursorWrapper(base.SQLiteCursorWrapper):
    """Django's cursor, remembering each query's conversion to SQLite's "?" placeholders.

    Django rewrites every query's "%s" with a regular expression on each run; for the long
    queries of the busiest requests that took longer than SQLite took to run them. The same
    few hundred statements come back on every request, so the conversion is kept (at most
    1,024 of them up to 4 KB each, the least recently used dropped first).
    """

    def convert_query(self, query, *, param_names=None):
        if param_names is None and len(query) <= MAX_REMEMBERED_QUERY:
            return _qmark_style(query)
        return super().convert_query(query, param_names=param_names)


class DatabaseWrapper(base.DatabaseWrapper):
    _writers_lock_fd: int | None = None
    _writers_lock_pid: int | None = None
    _holds_writers_lock = False
    _last_checkpoint = 0.0

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if not self.is_in_memory_db():
            connection.execute(f"PRAGMA wal_autocheckpoint = {SQLITE_AUTOCHECKPOINT_PAGES}")
        return connection

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=CursorWrapper)

    def _lock_file(self) -> int | None:
        """This connection's descriptor of the lock file (None for an in-memory database).

        Opened per connection and per process: flock() locks belong to an open file, so a
        descriptor inherited across fork() would be shared, and would not keep two workers
        apart."""
        if self.is_in_memory_db():
            return None
        if self._writers_lock_fd is None or self._writers_lock_pid != os.getpid():
            path = f"{self.settings_dict['NAME']}-writers.lock"
            self._writers_lock_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._writers_lock_pid = os.getpid()
        return self._writers_lock_fd

    def _start_transaction_under_autocommit(self):
        fd = self._lock_file() if self.transaction_mode in ("IMMEDIATE", "EXCLUSIVE") else None
        if fd is not None and self._take_writers_lock(fd):
            self._holds_writers_lock = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writers_lock()
            raise

    def _take_writers_lock(self, fd: int) -> bool:
        """Wait for the lock file at most as long as SQLite would wait for its own lock.

        Not a blocking flock(): a thread that holds the file and then waits for something a
        waiting thread holds (an in-process lock) would hang both, and every writer behind
        them, for good. Past the timeout the transaction goes ahead without the file, and
        SQLite's busy handler has the last word ("database is locked"), as it would alone.
        The first waits are a few tens of microseconds: most transactions here take less
        than a millisecond.
        """
        deadline = time.monotonic() + self.settings_dict["OPTIONS"].get("timeout", 5)
        pause = 0.00002
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.001)

    def _release_writers_lock(self) -> bool:
        if not self._holds_writers_lock:
            return False
        self._holds_writers_lock = False
        fcntl.flock(self._writers_lock_fd, fcntl.LOCK_UN)
        return True

    def _commit(self):
        try:
            return super()._commit()
        finally:
            if self._release_writers_lock():
                self._checkpoint_if_due()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_writers_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_writers_lock()
            if self._writers_lock_fd is not None and self._writers_lock_pid == os.getpid():
                os.close(self._writers_lock_fd)
            self._writers_lock_fd = self._writers_lock_pid = None

    def _checkpoint_if_due(self) -> None:
        now = time.monotonic()
        if now - self._last_checkpoint < settings.SQLITE_CHECKPOINT_SECONDS:
            return
        self._last_checkpoint = now
        # PASSIVE: copies what no reader still needs, and never waits for a lock.
        self.connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
