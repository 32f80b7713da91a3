"""Two app servers, as separate gunicorn processes on their own ports, sharing the test's
PostgreSQL database and one Redis, behave as one site (docs/deploy.md, "The production layout").

The servers run with production settings in processes of their own, so they only see committed
rows (transactional_db) and share nothing with each other but the database and the cache. The
background worker runs beside them when the project has one. Checks: bench/scale/checks.py,
also run outside pytest by bench/scale/two_servers.
"""

import pytest

from bench.scale import checks
from bench.scale.servers import AppServer, Process, background_worker_args, start_all, stop_all
from tests.factories import make_question_set

from .conftest import deployment_environment, needs_postgres_and_redis

pytestmark = [needs_postgres_and_redis, pytest.mark.django_db(transaction=True)]


def _deployment(tmp_path) -> list[Process]:
    env = deployment_environment()
    # One worker each: the servers are separate processes either way, and each starts faster.
    processes: list[Process] = [
        AppServer("app-a", env, tmp_path, workers=1),
        AppServer("app-b", env, tmp_path, workers=1),
    ]
    worker_args = background_worker_args()
    worker = Process("worker", worker_args, env, tmp_path) if worker_args else None
    try:
        start_all(processes, worker)
    except BaseException:
        stop_all([*processes, *([worker] if worker else [])])
        raise
    return [*processes, *([worker] if worker else [])]


@pytest.fixture(scope="module")
def servers(django_db_setup, django_db_blocker, tmp_path_factory):
    processes = _deployment(tmp_path_factory.mktemp("servers"))
    yield [p for p in processes if isinstance(p, AppServer)]
    stop_all(processes)


@pytest.fixture
def world(transactional_db):
    pattern, _ = make_question_set(slug="two-servers", title="Two servers")
    return checks.make_world(pattern.slug)


def test_a_key_limited_to_ten_a_minute_gets_ten_across_both_servers(servers, world):
    checks.rate_limit_is_shared(servers, world)


def test_log_in_throttling_counts_failures_made_on_either_server(servers, world):
    checks.login_throttle_is_shared(servers, world)


def test_a_session_made_on_one_server_works_on_the_other(servers, world):
    checks.session_is_shared(servers, world)


def test_a_test_started_on_one_server_is_continued_and_submitted_on_the_other(servers, world):
    checks.attempt_moves_between_servers(servers, world)


def test_every_sandbox_request_is_logged_once_after_a_graceful_stop(world, tmp_path):
    processes = _deployment(tmp_path)
    try:
        sent = checks.send_logged_requests(
            [p for p in processes if isinstance(p, AppServer)], world
        )
    finally:
        # Each worker still holds rows in its buffer: a graceful stop must write them all.
        statuses = stop_all(processes)
    assert all(status == 0 for status in statuses.values()), statuses
    checks.access_log_is_complete(world, sent)
