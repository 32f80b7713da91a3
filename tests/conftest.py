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
