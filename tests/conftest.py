import pytest
from django.test import override_settings

from learnapp.catalog.pages import clear_page_cache


@pytest.fixture(autouse=True)
def _fresh_lesson_pages():
    # Rendered lesson pages live in process memory; each test builds its own catalog.
    clear_page_cache()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit windows, throttles and sandbox budgets count in the cache, and every test client
    # and browser calls from 127.0.0.1: without a clean cache, one test's calls spend the next
    # test's budget (a 429 where a 401 was due).
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(scope="session", autouse=True)
def _test_server_settings():
    # Production redirects to HTTPS, marks cookies secure and serves hashed static files made by
    # collectstatic; the test client and the live test server speak plain HTTP to the source
    # tree. Session-wide, because the live server builds its middleware once.
    with override_settings(
        SECURE_SSL_REDIRECT=False,
        SECURE_HSTS_SECONDS=0,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        # WhiteNoise serves straight from static/ as in development (there is no STATIC_ROOT).
        WHITENOISE_USE_FINDERS=True,
        WHITENOISE_AUTOREFRESH=True,
        # Hashing test users' passwords properly costs a third of a second each.
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        # Tests read the sandbox's keys and access log straight from the database right after a
        # request or an update(): no per-process key copies, every log row written at once.
        # tests/sandbox/test_hot_path.py turns both on to test them.
        SANDBOX_KEY_CACHE_SECONDS=0,
        SANDBOX_LOG_BUFFER=0,
    ):
        yield


@pytest.fixture
def run_queued_tasks(monkeypatch):
    """Run the background tasks queued so far, as `manage.py db_worker --batch` would.

    The real worker's loop (django_tasks_db), in this process and this test's transaction: it
    takes each ready task from the database, runs it and records the result, then returns when
    none is ready (tasks queued for later, like the next reminder run, stay queued). A task
    that failed fails the test, with its traceback, unless `failures_expected`.
    """
    from django.tasks import TaskResultStatus
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    def run(failures_expected: bool = False) -> list:
        # The worker drops stale connections between tasks; here that would close the test's
        # own connection inside its transaction (PostgreSQL), as Django's test client avoids
        # for requests.
        monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
        earlier = set(
            DBTaskResult.objects.exclude(status=TaskResultStatus.READY).values_list("pk", flat=True)
        )
        Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="pytest",
            excluded_queue_names=[],
        ).run()
        ran = list(
            DBTaskResult.objects.exclude(status=TaskResultStatus.READY)
            .exclude(pk__in=earlier)
            .order_by("enqueued_at")
        )
        failed = [r for r in ran if r.status == TaskResultStatus.FAILED]
        if not failures_expected:
            assert not failed, "\n".join(f"{r.task_path}: {r.traceback}" for r in failed)
        return ran

    return run
