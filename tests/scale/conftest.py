import os
import secrets
from urllib.parse import quote

import pytest

ON_POSTGRES_AND_REDIS = os.environ.get("DATABASE_URL", "").startswith(
    ("postgres://", "postgresql://")
) and os.environ.get("CACHE_URL", "").startswith("redis://")

needs_postgres_and_redis = pytest.mark.skipif(
    not ON_POSTGRES_AND_REDIS,
    reason="app servers in separate processes share data only through PostgreSQL and Redis: "
    "run with DATABASE_URL=postgres://... and CACHE_URL=redis://...",
)


def database_url_of_this_run() -> str:
    """The URL of the database pytest made for this run, for processes outside the test."""
    from django.db import connection

    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def deployment_environment() -> dict[str, str]:
    """One deployment's environment: the test database, the run's Redis, a prefix of its own."""
    from bench.scale.servers import server_environment

    prefix = f"{os.environ.get('CACHE_KEY_PREFIX', 'learnapp')}-servers-{secrets.token_hex(4)}"
    return server_environment(
        database_url_of_this_run(), os.environ["CACHE_URL"], prefix, secrets.token_urlsafe(50)
    )
