"""bench/run still runs: every comparison once, one second each, on a tiny catalog and class.

The figures mean nothing at this size; what is checked is that the script gets through every
section (the servers start, the checks pass, the access log is counted after a graceful stop)
and prints each machine-readable line. The PostgreSQL comparison runs when the suite itself
runs on PostgreSQL (DATABASE_URL), in its own database.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINES = [
    ("lesson_page", "minimal_django"),
    ("practice_answer_post", "minimal_django"),
    ("form_post_floor", "minimal_django"),
    ("test_answer_save", "minimal_django"),
    ("sandbox_valid_key", "httpbin_bearer"),
    ("sandbox_no_key", "httpbin_bearer"),
    ("gradebook_500", "minimal_django"),
]

pytestmark = pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (Debian: apt-get install wrk)"
)


def test_bench_run_prints_every_ratio_with_a_one_second_duration(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CACHE_", "BENCH_"))
    }
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    env.update(
        BENCH_OUT=str(tmp_path / "out"),
        BENCH_DURATION="1",
        # The two-server section has its own test (tests/scale/test_two_servers.py).
        BENCH_SCALE="0",
        BENCH_WARMUP="1",
        BENCH_PAIRS="1",
        BENCH_LOADER_SHAPE="1 1 2",
        BENCH_GRADEBOOK_LEARNERS="10",
        BENCH_GRADEBOOK_ASSIGNMENTS="2",
        BENCH_PG_URL=(
            os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/learnapp_bench_smoke"
            if on_postgres
            else ""
        ),
        BENCH_REDIS_URL=os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/2"),
    )
    result = subprocess.run(
        [str(ROOT / "bench" / "run")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        # Generous: in CI it shares two cores with the other database's suite.
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    expected = LINES + ([("sandbox_valid_key_pg", "httpbin_bearer")] if on_postgres else [])
    for name, baseline in expected:
        assert re.search(rf"^ratio {name} {baseline} \d+\.\d+$", out, re.M), (name, out)
        # What each request cost the server, read from /proc: a positive number of microseconds.
        assert re.search(rf"^cpu {name} [1-9]\d*$", out, re.M), (name, out)
    assert re.search(r"^rss app \d+\.\d$", out, re.M), out
    # Every sandbox request has its row once the servers have stopped gracefully.
    assert re.search(r"access log \(app\): .*: PASS$", result.stderr, re.M), result.stderr[-2000:]
