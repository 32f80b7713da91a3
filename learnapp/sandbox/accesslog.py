"""The access log's writer: every API answer becomes one AccessLogEntry row.

Writing a row per request in its own transaction costs about a fifth of a valid-key request. So
each app process may keep rows in memory and write them in batches (one executemany):

- `SANDBOX_LOG_BUFFER` rows at most are held (0 writes every row at once, as the tests do);
  a request that finds the buffer full writes it before going on, so memory stays bounded;
- a background thread writes what is held at least every `SANDBOX_LOG_FLUSH_SECONDS` (at most
  1 s), so a crash (SIGKILL, power loss) loses at most that much of the log;
- a graceful stop writes everything: gunicorn turns SIGTERM and SIGINT into a normal exit of
  each worker (SystemExit), and `atexit` flushes then;
- a page that reads the log writes this process's rows first (`flush`), and the playground
  writes its own request at once, so a learner's own next page shows their request.

Rows are plain dicts until written; a row whose learner or key was deleted while it waited
follows the foreign keys' rules (the learner's rows go, a deleted key is set to NULL).
"""

import atexit
import itertools
import logging
import os
import threading

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction

from .models import AccessLogEntry, SandboxKey

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_writing = threading.Lock()  # held while a batch is between the buffer and its commit
_rows: list[dict] = []
_state = {"pid": None, "thread": None}


def _limits() -> tuple[int, float]:
    rows = getattr(settings, "SANDBOX_LOG_BUFFER", 0)
    seconds = min(1.0, getattr(settings, "SANDBOX_LOG_FLUSH_SECONDS", 0.5))
    return rows, seconds


def add(*, now: bool = False, **row) -> None:
    """Log one request: hold it for the next batch, or write it (and all held rows) `now`."""
    limit, _ = _limits()
    if limit <= 0:
        _write([row])
        return
    _ensure_flusher()
    with _lock:
        _rows.append(row)
        full = len(_rows) >= limit
    if full or now:
        flush()


def flush() -> int:
    """Write every row this process holds; the number written.

    Rows leave the buffer only while `_writing` is held, so a caller that finds the buffer
    empty but a write under way waits for it: at exit, the flusher thread (a daemon, killed
    when the interpreter ends) may have a batch taken but not yet committed, and a page that
    reads the log must see those rows too.
    """
    if not _rows and not _writing.locked():
        return 0
    with _write_turn(), _writing:
        with _lock:
            batch = _rows[:]
            _rows.clear()
        _write(batch)
    return len(batch)


def _write_turn():
    """The database's write turn, taken before `_writing`: the order of a request that flushes
    inside a transaction of its own (a learner merge reads the log). The other order would let
    the flusher thread hold `_writing` while it waits for that request's turn, and the request
    wait for `_writing` (on SQLite the turn is learnapp.sqlite's lock file)."""
    return transaction.atomic(savepoint=False)


def pending() -> int:
    return len(_rows)


# The row's columns, in the order _insert sends them.
_FIELDS = (
    "learner_id",
    "key_id",
    "key_prefix",
    "created_at",
    "method",
    "path",
    "status",
    "outcome",
    "category",
    "source",
    "latency_ms",
    "retry_after",
    "ttft_ms",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
)
# Rows written by this process, counted to trim about one row in TRIM_EVERY (see _write).
_written = itertools.count(1)


def _write(batch: list[dict]) -> None:
    # The trimming rule lives with the API (api.KEEP_PER_LEARNER, api.TRIM_EVERY), which
    # imports this module.
    from . import api

    if not batch:
        return
    try:
        _insert(batch)
    except IntegrityError:
        if connection.in_atomic_block:
            raise  # the caller's transaction is spoilt; it must roll back
        # A learner or key was deleted while its rows waited: apply the foreign keys' rules.
        batch = _still_valid(batch)
        _insert(batch)
    # Each learner keeps their newest rows only. Trimming on every insert would double the
    # cost of a request, so about one row in TRIM_EVERY trims its learner's log: a busy
    # learner trims often, and a log overshoots KEEP_PER_LEARNER by about TRIM_EVERY rows per
    # app process at most.
    crowded = {r["learner_id"] for r in batch if next(_written) % api.TRIM_EVERY == 0}
    for learner_id in crowded:
        AccessLogEntry.objects.trim(learner_id, api.KEEP_PER_LEARNER)


def _insert(batch: list[dict]) -> None:
    """The rows in one statement through the cursor's executemany.

    The ORM's bulk_create built a model instance and prepared every field of every row, which
    made the write a large part of a valid-key request; the values here are already plain
    (text, numbers, an aware datetime), so only the datetime needs the database's form.
    """
    if not batch:
        return
    meta = AccessLogEntry._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in _FIELDS)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "
        f"VALUES ({', '.join(['%s'] * len(_FIELDS))})"
    )
    when = connection.ops.adapt_datetimefield_value
    params = [
        (
            r["learner_id"],
            r["key"].pk if r["key"] is not None else None,
            r["key_prefix"],
            when(r["created_at"]),
            r["method"],
            r["path"],
            r["status"],
            str(r["outcome"]),
            str(r["category"]),
            str(r["source"]),
            r["latency_ms"],
            r["retry_after"],
            # Only completions have these (api.record); other rows leave them empty.
            r.get("ttft_ms"),
            r.get("prompt_tokens"),
            r.get("completion_tokens"),
            r.get("cost_usd"),
        )
        for r in batch
    ]
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _still_valid(batch: list[dict]) -> list[dict]:
    from learnapp.learning.models import Learner

    learners = {r["learner_id"] for r in batch if r["learner_id"] is not None}
    alive = set(Learner.objects.filter(pk__in=learners).values_list("pk", flat=True))
    key_ids = {r["key"].pk for r in batch if r["key"] is not None}
    kept_keys = set(SandboxKey.objects.filter(pk__in=key_ids).values_list("pk", flat=True))
    rows = []
    for row in batch:
        if row["learner_id"] is not None and row["learner_id"] not in alive:
            continue
        if row["key"] is not None and row["key"].pk not in kept_keys:
            row = {**row, "key": None}
        rows.append(row)
    return rows


def _ensure_flusher() -> None:
    # One thread per process, started by the first held row: after a fork (gunicorn's workers)
    # the parent's thread and rows do not exist in the child.
    pid = os.getpid()
    if _state["pid"] == pid and _state["thread"] is not None:
        return
    with _lock:
        if _state["pid"] == pid and _state["thread"] is not None:
            return
        if _state["pid"] != pid:
            _rows.clear()
        # Connect now, while threads may still be started. On PostgreSQL the first connection
        # opens the process's connection pool, which starts threads of its own; a worker that
        # only answered requests without a key (counted in the cache) would otherwise first
        # connect at exit, when Python refuses new threads, and lose the rows it holds.
        connection.ensure_connection()
        thread = threading.Thread(target=_flush_forever, name="sandbox-log-flusher", daemon=True)
        _state.update(pid=pid, thread=thread)
        thread.start()


def _flush_forever() -> None:
    # Event.wait rather than time.sleep: a test that replaces time.sleep does not see this thread.
    pause = threading.Event()
    while True:
        pause.wait(_limits()[1])
        if not _rows:
            continue
        try:
            flush()
        except Exception:
            # Keep the thread alive; the rows of a failed batch are reported, not retried for
            # ever (a database that refuses them would otherwise fill the memory).
            logger.exception("sandbox access log: a batch could not be written")
        finally:
            # This thread's own connection: returned to the pool, or closed if it went bad.
            close_old_connections()
            if connection.vendor == "postgresql":
                connection.close()


def _flush_at_exit() -> None:
    try:
        flush()
    except Exception:
        logger.exception("sandbox access log: rows held at exit could not be written")


atexit.register(_flush_at_exit)
