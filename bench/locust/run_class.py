"""The class-at-once load test; run it as bench/locust/run (see docs/benchmarks.md).

Creates its own PostgreSQL database (BENCH_LOCUST_PG_URL), migrates it, loads a one-pattern
synthetic catalog and makes a class of BENCH_LOCUST_LEARNERS learners with one timed assignment
(bench/locust/make_class.py); starts the site with production settings under gunicorn
(BENCH_LOCUST_WORKERS sync workers, --no-control-socket) on that database and Redis
(BENCH_LOCUST_REDIS_URL, under a key prefix of the run's own); runs bench/locust/locustfile.py
headless with one simulated user per learner; then prints, on stdout,

    locust <step> rps <x> p50 <ms> p95 <ms> p99 <ms> requests <n> failures <n>   (one per step)
    locust total rps <x> ... failures <n>
    locust answers <n> submissions <n>

and exits non-zero unless no request failed and the database holds exactly ten answers and one
submission per learner. Locust's CSV and HTML reports and the server's log go to
bench/out/locust/. The database is dropped at the end.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

PG_URL = os.environ.get("BENCH_LOCUST_PG_URL", "postgres://postgres@127.0.0.1:5432/scale_bench")
REDIS_URL = os.environ.get("BENCH_LOCUST_REDIS_URL", "redis://127.0.0.1:6379/2")
LEARNERS = int(os.environ.get("BENCH_LOCUST_LEARNERS", "100"))
WORKERS = int(os.environ.get("BENCH_LOCUST_WORKERS", "2"))
# All learners have started within this many seconds (locust's spawn rate follows from it).
SPAWN_SECONDS = float(os.environ.get("BENCH_LOCUST_SPAWN_SECONDS", "20"))
RUN_TIME = os.environ.get("BENCH_LOCUST_RUN_TIME", "15m")  # an upper bound only
THINK = os.environ.get("BENCH_LOCUST_THINK", "0.5,1.5")
SLUG = "t1-s1-p1"
PASSWORD = "class-at-once-2026"


def say(text: str) -> None:
    print(f"locust: {text}", file=sys.stderr, flush=True)


def main() -> int:
    from bench.scale.servers import ROOT, server_environment

    out = ROOT / "bench" / "out" / "locust"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = server_environment(
        PG_URL, REDIS_URL, f"locust-{secrets.token_hex(4)}", secrets.token_urlsafe(50)
    )
    python = sys.executable

    def run(name: str, *args: str) -> str:
        done = subprocess.run(
            [python, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        (out / f"{name}.log").write_text(done.stdout + done.stderr)
        if done.returncode:
            raise SystemExit(f"locust: {' '.join(args)} failed; see {out / name}.log")
        return done.stdout

    say(f"creating {PG_URL}, migrating it, loading a one-pattern catalog, {LEARNERS} learners")
    run("pgdb-create", "-m", "bench.pgdb", "create", PG_URL)
    try:
        run("migrate", "manage.py", "migrate", "--noinput")
        from learnapp.catalog.sample_tree import write_tree

        write_tree(out / "tree", 1, 1, 1)
        run("loadcontent", "manage.py", "loadcontent", str(out / "tree"))
        assignment = run(
            "make-class", "-m", "bench.locust.make_class", SLUG, str(LEARNERS), PASSWORD
        ).strip()
        return load(env, out, assignment)
    finally:
        run("pgdb-drop", "-m", "bench.pgdb", "drop", PG_URL)


def load(env: dict[str, str], out: Path, assignment: str) -> int:
    from bench.scale.servers import ROOT, AppServer

    server = AppServer("gunicorn", env, out, workers=WORKERS)
    server.start()
    try:
        server.wait_up()
        say(
            f"server on {server.url} ({WORKERS} workers); {LEARNERS} learners start within "
            f"{SPAWN_SECONDS:.0f} s"
        )
        started = time.monotonic()
        locust = subprocess.run(
            [
                str(Path(sys.executable).with_name("locust")),
                "-f",
                str(ROOT / "bench" / "locust" / "locustfile.py"),
                "--headless",
                "--host",
                server.url,
                "--users",
                str(LEARNERS),
                "--spawn-rate",
                f"{LEARNERS / SPAWN_SECONDS:.3f}",
                "--run-time",
                RUN_TIME,
                "--csv",
                str(out / "class"),
                "--html",
                str(out / "class.html"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "LOCUST_ASSIGNMENT": assignment,
                "LOCUST_LEARNERS": str(LEARNERS),
                "LOCUST_PASSWORD": PASSWORD,
                "LOCUST_THINK": THINK,
                "LOCUST_STATS_JSON": str(out / "stats.json"),
            },
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.monotonic() - started
        (out / "locust.log").write_text(locust.stdout + locust.stderr)
        say(f"locust ran for {elapsed:.1f} s (exit {locust.returncode}); its log: {out}/locust.log")
    finally:
        server.stop()
    return report(out, env)


def report(out: Path, env: dict[str, str]) -> int:
    figures = json.loads((out / "stats.json").read_text())
    failures = figures["steps"]["Aggregated"]["failures"]
    say(f"the class's requests took {figures['seconds']:.1f} s from the first to the last")
    for name, step in figures["steps"].items():
        name = "total" if name == "Aggregated" else name.split(" ", 1)[1].replace(" ", "_")
        print(
            f"locust {name} rps {step['rps']:.1f} p50 {step['p50']:.0f} p95 {step['p95']:.0f} "
            f"p99 {step['p99']:.0f} requests {step['requests']} failures {step['failures']}",
            flush=True,
        )
    os.environ.update(env)
    import django

    django.setup()
    from learnapp.learning.models import Answer, Attempt

    attempts = Attempt.objects.filter(assignment__isnull=False)
    answers = Answer.objects.filter(attempt__in=attempts).count()
    submitted = attempts.filter(submitted_at__isnull=False).count()
    print(f"locust answers {answers} submissions {submitted}", flush=True)
    from django.db import connections

    connections.close_all()
    problems = []
    if failures:
        problems.append(f"{failures} requests failed (see {out}/class_failures.csv)")
    if answers != 10 * LEARNERS:
        problems.append(f"{answers} answers recorded, not {10 * LEARNERS}")
    if submitted != LEARNERS:
        problems.append(f"{submitted} submissions recorded, not {LEARNERS}")
    for problem in problems:
        say(f"FAIL: {problem}")
    if not problems:
        say(f"ok: no request failed; {answers} answers and {submitted} submissions recorded")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
