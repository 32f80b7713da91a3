"""The two-server check outside pytest; run it as bench/scale/two_servers.

Creates its own PostgreSQL database (BENCH_SCALE_PG_URL), migrates it and loads a one-pattern
synthetic catalog, starts two app servers and the background worker (when the project has one)
with production settings, runs bench/scale/checks.py against them, stops them gracefully and
checks the access log. Drops the database at the end.
"""

import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PG_URL = os.environ.get("BENCH_SCALE_PG_URL", "postgres://postgres@127.0.0.1:5432/scale_bench")
REDIS_URL = os.environ.get("BENCH_SCALE_REDIS_URL", "redis://127.0.0.1:6379/2")
SLUG = "t1-s1-p1"


def say(text: str) -> None:
    print(f"scale: {text}", file=sys.stderr, flush=True)


def main() -> int:
    from bench.scale.servers import ROOT, server_environment

    work = Path(tempfile.mkdtemp(prefix="two-servers-"))
    env = server_environment(
        PG_URL, REDIS_URL, f"two-servers-{secrets.token_hex(4)}", secrets.token_urlsafe(50)
    )
    os.environ.update(env)  # this process reads the same database as the servers
    python = sys.executable

    def run(*args: str) -> None:
        log = work / f"{args[0] if args[0] != '-m' else args[1]}.log"
        with open(log, "wb") as out:
            done = subprocess.run([python, *args], cwd=ROOT, env=env, stdout=out, stderr=out)
        if done.returncode:
            raise SystemExit(f"scale: {' '.join(args)} failed; see {log}")

    say(f"creating {PG_URL}, migrating it and loading a one-pattern catalog (logs in {work})")
    run("-m", "bench.pgdb", "create", PG_URL)
    try:
        run("manage.py", "migrate", "--noinput")
        from learnapp.catalog.sample_tree import write_tree

        write_tree(work / "tree", 1, 1, 1)
        run("manage.py", "loadcontent", str(work / "tree"))
        return check(env, work)
    finally:
        from django.db import connections

        connections.close_all()
        run("-m", "bench.pgdb", "drop", PG_URL)


def check(env: dict[str, str], work: Path) -> int:
    import django

    django.setup()
    from bench.scale import checks
    from bench.scale.servers import AppServer, Process, background_worker_args, start_all, stop_all

    world = checks.make_world(SLUG)
    servers = [AppServer("app-a", env, work), AppServer("app-b", env, work)]
    worker_args = background_worker_args()
    worker = Process("worker", worker_args, env, work) if worker_args else None
    processes = [*servers, *([worker] if worker else [])]
    started = time.monotonic()
    start_all(servers, worker)
    say(
        f"{', '.join(f'{s.name} on {s.url}' for s in servers)}"
        f"{' and the background worker' if worker else ' (no background worker in this project)'}"
        f" up in {time.monotonic() - started:.1f} s"
    )
    name = "starting"
    try:
        for name, run in [
            ("rate_limit", checks.rate_limit_is_shared),
            ("login_throttle", checks.login_throttle_is_shared),
            ("session", checks.session_is_shared),
            ("test_attempt", checks.attempt_moves_between_servers),
        ]:
            say(f"{name}: {run(servers, world)}")
            print(f"scale two_servers ok {name}", flush=True)
        name = "access_log"
        sent = checks.send_logged_requests(servers, world)
        if worker:
            checks.expect(worker.running(), f"the background worker exited:\n{worker.log_tail()}")
        started = time.monotonic()
        statuses = stop_all(processes)
        say(f"stopped gracefully in {time.monotonic() - started:.1f} s: {statuses}")
        checks.expect(
            all(status == 0 for status in statuses.values()),
            f"not every process stopped cleanly: {statuses}",
        )
        say(f"{name}: {checks.access_log_is_complete(world, sent)}")
        print(f"scale two_servers ok {name}", flush=True)
        if worker:
            print("scale two_servers ok background_worker", flush=True)
    except checks.CheckFailed as failure:
        print(f"scale two_servers FAIL {name}", flush=True)
        say(f"{name}: {failure}")
        for process in processes:
            say(f"last lines of {process.log_path}:\n{process.log_tail()}")
        return 1
    finally:
        stop_all(processes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
