"""A graceful stop writes every access log row the workers still hold, whichever signal asks
for it: SIGTERM (gunicorn's graceful stop) or SIGINT (Ctrl-C in a terminal, its quick one).

The site runs under gunicorn with production settings, two workers, on an SQLite file of its own
(so through learnapp.sqlite's writers' lock, as one machine would run it); requests are spread
over both workers, the master gets the signal, and the rows are counted once it has exited.
tests/scale/test_two_servers.py does the same with SIGTERM on PostgreSQL and two servers.
"""

import signal
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from bench.scale.servers import FORWARDED, ROOT, AppServer, server_environment

REQUESTS = 120


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A migrated SQLite file with one sandbox key, and the environment to serve it."""
    folder = tmp_path_factory.mktemp("graceful-stop")
    database = folder / "site.sqlite3"
    env = server_environment(f"sqlite:///{database}", "", "graceful", "graceful-stop-" + "k" * 50)
    for command in (
        [sys.executable, "manage.py", "migrate", "--noinput"],
        [sys.executable, "-m", "bench.make_sandbox_keys", "1", str(folder / "key.txt")],
    ):
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    return folder, database, env, (folder / "key.txt").read_text().strip()


def valid_rows(database) -> int:
    with sqlite3.connect(database) as db:
        return db.execute(
            "SELECT count(*) FROM sandbox_accesslogentry WHERE category = 'valid'"
        ).fetchone()[0]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_every_request_has_its_row_after_the_server_is_stopped(site, stop):
    folder, database, env, key = site
    before = valid_rows(database)
    server = AppServer(f"app-{stop.name}", env, folder, workers=2)
    server.start()
    try:
        server.wait_up()

        def call(_):
            headers = {**FORWARDED, "Authorization": f"Bearer {key}"}
            return requests.get(server.url + "/sandbox/api/models", headers=headers, timeout=30)

        # Eight at a time, so that both workers answer some and hold their rows.
        with ThreadPoolExecutor(8) as pool:
            statuses = [response.status_code for response in pool.map(call, range(REQUESTS))]
        assert statuses == [200] * REQUESTS
        server.popen.send_signal(stop)
        assert server.popen.wait(60) == 0, server.log_tail()
    finally:
        server.stop()
    assert valid_rows(database) - before == REQUESTS
