"""Create a fresh, empty PostgreSQL database for bench/run, or drop it.

    python -m bench.pgdb create|drop DATABASE_URL

Connects to the server's `postgres` database with the URL's credentials. `create` drops the
database first if it exists (it is the benchmark's own, named by BENCH_PG_URL).
"""

import sys
from urllib.parse import urlsplit

import psycopg
from psycopg import sql


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("create", "drop"):
        print("usage: python -m bench.pgdb create|drop DATABASE_URL", file=sys.stderr)
        return 2
    url = urlsplit(argv[1])
    name = url.path.lstrip("/")
    if not name:
        print("the URL names no database", file=sys.stderr)
        return 2
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if argv[0] == "create":
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
