"""One settings module for every environment, driven by environment variables.

Defaults give a working development site on SQLite with an in-memory cache. Production sets
DJANGO_DEBUG=0, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL (PostgreSQL) and CACHE_URL (Redis).
"""

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


# A value that is not understood stops start-up: reading DJANGO_DEBUG=flase as "off", or a typo
# in a port as the default, would run the site in a mode nobody chose.
def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value not in _TRUE | _FALSE:
        raise ImproperlyConfigured(
            f"{name}={os.environ[name]!r} is not a boolean: use 1/0, true/false, yes/no or on/off."
        )
    return value in _TRUE


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={os.environ[name]!r} is not a whole number.") from None


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


DEBUG = envbool("DJANGO_DEBUG", False)
# The fallback is deliberately marked insecure so that `check --deploy` refuses it.
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "django-insecure-development-key-do-not-use-in-production-0123456789"
)
ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "learnapp.accounts",
    "learnapp.catalog",
    "learnapp.learning",
    "learnapp.sandbox",
    "learnapp.classes",
    "learnapp.authoring",
    "django_tasks_db",
    "learnapp.notifications",
    # LTI 1.3: django-lti's registrations, keys and launch records, and learnapp's use of them.
    "lti_tool",
    "learnapp.lti",
]

MIDDLEWARE = [
    "learnapp.clientaddr.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # /sandbox/api/ is answered here, without the page middleware below (see its module).
    "learnapp.sandbox.middleware.sandbox_api_shortcut",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Above the session, CSRF, frame and CSP middleware so that it sees their cookies and
    # headers: pages of an LTI-launched session may be framed by that platform only.
    "learnapp.lti.embedding.LtiEmbeddingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Django's own, by name: `check --deploy` looks for it. Its new tokens are drawn by
    # learnapp.middleware's cheaper random string, patched in when that module loads (with the
    # CSP middleware below, before any request).
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Django's messages and CSP middleware, made cheaper per request (see the module).
    "learnapp.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "learnapp.middleware.CspMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "learnapp.timezones.ViewerTimezoneMiddleware",
]

# The reverse proxies (addresses or networks) whose X-Forwarded-For is believed: see
# learnapp/clientaddr.py. Empty means the app is reached directly and REMOTE_ADDR is the client.
TRUSTED_PROXIES = envlist("DJANGO_TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"DJANGO_TRUSTED_PROXIES: {_proxy!r} is not an IP address or network "
            "(for example 127.0.0.1 or 10.0.0.0/8)."
        ) from None

ROOT_URLCONF = "learnapp.urls"
WSGI_APPLICATION = "learnapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "learnapp.context_processors.frame",
                "learnapp.learning.context_processors.learner_progress",
            ],
            # {{ user|display_name }} everywhere, without a {% load %} in each template.
            "builtins": ["learnapp.accounts.templatetags.names"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers carry on while the content loader or a learner writes; learnapp.sqlite
    # queues the processes' write transactions on a lock file (see there).
    DATABASES["default"]["ENGINE"] = "learnapp.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
# How often a process copies SQLite's WAL back into the database (learnapp.sqlite).
SQLITE_CHECKPOINT_SECONDS = 0.5
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A bounded pool per process instead of a connection per thread: a burst of requests waits
    # its turn for a connection rather than running the server out of them.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": envint("DATABASE_POOL_SIZE", 10),
        "timeout": 30,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if os.environ.get("CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["CACHE_URL"],
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "learnapp"),
            # Passed to each process's connection pool: a Redis that stops answering makes a
            # request fail after two seconds instead of holding an app worker for ever.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "classes:after_login"  # instructors land on their day
LOGOUT_REDIRECT_URL = "catalog:home"

# Sessions are read on nearly every request (who is learning); the cache answers most reads.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or envbool("DJANGO_PLAIN_STATIC", False)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CONTENT_DIR = Path(os.environ.get("LEARNAPP_CONTENT_DIR", BASE_DIR / "content"))
# How long each app process keeps a rendered lesson page (learnapp.catalog.pages). Off in
# development so that authors see a content load at once.
CATALOG_PAGE_TTL = envint("LEARNAPP_CATALOG_PAGE_TTL", 0 if DEBUG else 60)

# The sandbox API's hot path (learnapp.sandbox.auth and .accesslog). Each app process keeps the
# keys it read for this many seconds (at most 1, so a revocation anywhere counts within a
# second; 0 reads every request's key from the database), and holds up to this many access log
# rows, written in batches at least every LEARNAPP_SANDBOX_LOG_FLUSH_MS milliseconds (at most
# 1000: what a crash can lose) and on a graceful stop (0 rows writes each request's row at once).
SANDBOX_KEY_CACHE_SECONDS = min(1, envint("LEARNAPP_SANDBOX_KEY_CACHE_SECONDS", 1))
SANDBOX_LOG_BUFFER = envint("LEARNAPP_SANDBOX_LOG_BUFFER", 5000)
SANDBOX_LOG_FLUSH_SECONDS = min(1000, envint("LEARNAPP_SANDBOX_LOG_FLUSH_MS", 500)) / 1000

# Security. Everything below is on in production; the Content-Security-Policy is on everywhere so
# that development and tests see the same rules as production (no inline script, no CDN).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", True)
    # The app runs behind a TLS-terminating proxy that sets this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Development prints email (password resets) to the console; production sends it over SMTP.
if DEBUG:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("DJANGO_EMAIL_HOST", "localhost"),
                "port": envint("DJANGO_EMAIL_PORT", 25),
            },
        }
    }
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "learnapp <noreply@localhost>")

# Background work (reminder emails, password-setting links) is queued in the database and run by
# `manage.py db_worker`, never inside a request: see README, "Background worker".
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# How often the worker looks for reminder emails to send (learnapp.notifications.tasks); at least
# a minute, since each run queues the next and `db_worker --batch` runs whatever is due.
REMINDER_INTERVAL_SECONDS = max(60, envint("LEARNAPP_REMINDER_INTERVAL_SECONDS", 300))
# Reminder emails and set-password links carry absolute links; the worker has no request to
# take the host from. DJANGO_SITE_URL is the public address, e.g. https://learn.example.com.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
