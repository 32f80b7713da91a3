"""App servers as separate processes, configured as production runs them (docs/deploy.md).

Each `AppServer` is a gunicorn of `learnapp.wsgi` on its own free loopback port with
`--no-control-socket` (gunicorn's default control socket path is shared by every gunicorn of the
user). All of them get the same environment: production mode (`DJANGO_DEBUG=0`), one secret key,
one `DATABASE_URL` and one `CACHE_URL` with one key prefix. `Browser` talks to any of them the
way a browser behind the TLS proxy would.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
# What the TLS proxy adds: production redirects plain HTTP to HTTPS otherwise.
FORWARDED = {"X-Forwarded-Proto": "https"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_environment(
    database_url: str, cache_url: str, cache_prefix: str, secret_key: str
) -> dict[str, str]:
    """The environment every app server (and the worker) of one deployment shares."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CACHE_", "LEARNAPP_", "BENCH_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="learnapp.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secret_key,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_LOG_LEVEL="WARNING",
        # No collectstatic here: pages link the source tree's static files by their plain names.
        DJANGO_PLAIN_STATIC="1",
        DATABASE_URL=database_url,
        CACHE_URL=cache_url,
        CACHE_KEY_PREFIX=cache_prefix,
    )
    return env


class Process:
    """A child process whose output goes to a log file, stopped gracefully (SIGTERM)."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path):
        self.name = name
        self.args = args
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.popen: subprocess.Popen | None = None
        self.signalled = False

    def start(self) -> None:
        with open(self.log_path, "wb") as log:
            self.popen = subprocess.Popen(
                self.args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 60) -> int | None:
        """SIGTERM, as a graceful stop; SIGKILL only if it has not exited within `timeout`.
        Returns the exit status (None if it had to be killed)."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
                return None
        return self.popen.returncode

    def terminate(self) -> None:
        """SIGTERM, once: a second one means "stop now" to the background worker."""
        if self.popen is not None and self.popen.poll() is None and not self.signalled:
            self.popen.send_signal(signal.SIGTERM)
            self.signalled = True

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


class AppServer(Process):
    def __init__(self, name: str, env: dict[str, str], log_dir: Path, workers: int = 2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [
            str(GUNICORN),
            "learnapp.wsgi:application",
            "--chdir",
            str(ROOT),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--threads",
            "1",
            "--no-control-socket",
            "--log-level",
            "warning",
            "--error-logfile",
            "-",
        ]
        super().__init__(name, args, env, log_dir)

    def wait_up(self, timeout: float = 180) -> None:
        # Generous: on a busy machine (a shared CI runner) loading Django can take a minute.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise RuntimeError(f"{self.name} exited at start-up:\n{self.log_tail()}")
            try:
                # The API answers without the database: up means the app is loaded.
                requests.get(self.url + "/sandbox/api/models", headers=FORWARDED, timeout=10)
                return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer within {timeout} s:\n{self.log_tail()}")


def background_worker_args() -> list[str] | None:
    """The background worker's command, if the project has one (settings.TASKS on the
    database backend of django-tasks-db); None otherwise."""
    from django.conf import settings

    backends = [b.get("BACKEND", "") for b in getattr(settings, "TASKS", {}).values()]
    if "django_tasks_db" not in settings.INSTALLED_APPS or not any(
        b.startswith("django_tasks_db") for b in backends
    ):
        return None
    return [sys.executable, str(ROOT / "manage.py"), "db_worker", "--interval", "0.5"]


def start_all(servers: list[AppServer], worker: Process | None = None) -> None:
    for process in [*servers, *([worker] if worker else [])]:
        process.start()
    for server in servers:
        server.wait_up()
    if worker:
        # Until it says so, the worker is still loading Django and has no SIGTERM handler of
        # its own yet: a stop then would kill it rather than stop it gracefully.
        deadline = time.monotonic() + 180
        while "Starting worker" not in worker.log_tail():
            if not worker.running() or time.monotonic() > deadline:
                raise RuntimeError(f"the background worker did not start:\n{worker.log_tail()}")
            time.sleep(0.2)


def stop_all(processes: list[Process]) -> dict[str, int | None]:
    """Stop every process at once (each SIGTERM first), then wait for each."""
    for process in processes:
        process.terminate()
    return {process.name: process.stop() for process in processes}


class Browser:
    """One browser's cookies, sent to whichever server it asks.

    Production cookies are Secure and the servers are reached over plain HTTP here (the TLS
    proxy's part is played by the X-Forwarded-Proto header), so the cookies are kept by hand
    rather than in requests' jar, which would not send Secure cookies over http://.
    """

    def __init__(self):
        self.http = requests.Session()
        self.cookies: dict[str, str] = {}

    def _headers(self, server: AppServer, extra: dict | None, form: bool) -> dict[str, str]:
        headers = dict(FORWARDED)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form:
            # What a browser sends with a same-origin POST; Django's CSRF check compares it
            # with the host the request was sent to.
            origin = "https://" + server.url.removeprefix("http://")
            headers.update(Origin=origin, Referer=origin + "/")
            if "csrftoken" in self.cookies:
                headers["X-CSRFToken"] = self.cookies["csrftoken"]
        headers.update(extra or {})
        return headers

    def _keep(self, response: requests.Response) -> requests.Response:
        for header in response.raw.headers.getlist("Set-Cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if re.search(r"(?i)max-age=0|expires=thu, 01 jan 1970", header) or not value:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip('"')
        return response

    def get(self, server: AppServer, path: str, **headers) -> requests.Response:
        response = self.http.get(
            server.url + path,
            headers=self._headers(server, headers, form=False),
            allow_redirects=False,
            timeout=30,
        )
        return self._keep(response)

    def post(self, server: AppServer, path: str, data=None, **headers) -> requests.Response:
        response = self.http.post(
            server.url + path,
            data=data or {},
            headers=self._headers(server, headers, form=True),
            allow_redirects=False,
            timeout=30,
        )
        return self._keep(response)

    def log_in(self, server: AppServer, username: str, password: str) -> requests.Response:
        if "csrftoken" not in self.cookies:
            page = self.get(server, "/accounts/login/")
            assert page.status_code == 200, page.status_code
        return self.post(
            server,
            "/accounts/login/",
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.cookies["csrftoken"],
            },
        )
