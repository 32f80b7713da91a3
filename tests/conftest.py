import pytest


@pytest.fixture(autouse=True)
def _test_server_settings(settings):
    # Production redirects to HTTPS, marks cookies secure and serves hashed static files made by
    # collectstatic; the test client and the live test server speak plain HTTP to the source tree.
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # WhiteNoise serves straight from static/ as in development (there is no STATIC_ROOT).
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
