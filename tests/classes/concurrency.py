"""Run one thing from many threads at the same moment, as a burst of requests would."""

import os
import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

# Many threads writing at once need a real server's row locks; the in-memory SQLite database
# cannot take them. The skip looks at DATABASE_URL as well as the connection, so a PostgreSQL
# run whose settings ignored the URL fails loudly instead of skipping these tests in silence.
needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql"
    and not os.environ.get("DATABASE_URL", "").startswith(("postgres:", "postgresql:")),
    reason="needs PostgreSQL's row locks (set DATABASE_URL=postgres://...)",
)


def at_once[T](calls: list[Callable[[], T]]) -> list[T]:
    """Each call in its own thread, all released together; their results, in order.

    An exception in any thread fails the test with it.
    """
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], T]) -> None:
        try:
            start.wait()
            results[index] = call()
        except BaseException as exc:  # collected and raised below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
