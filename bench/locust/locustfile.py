"""A class at once: every learner logs in, starts the same timed assignment, answers its ten
questions with autosave and submits, once. Run by bench/locust/run, which sets up the class and
the server and passes, in the environment:

    LOCUST_ASSIGNMENT   the assignment's id
    LOCUST_LEARNERS     how many learners (locust's --users must be the same)
    LOCUST_PASSWORD     their password (usernames are bench.locust.make_class.USERNAME)

Each simulated learner takes the next username, does the whole flow once, then stops; when the
last one is done the run ends. Requests are named by step, so locust reports each step's rate
and percentiles. Think time between steps is LOCUST_THINK seconds (a range "a,b", default
"0.5,1.5").
"""

import itertools
import json
import os
import re
import threading

import gevent
from locust import HttpUser, between, events, task
from locust.exception import StopUser

USERNAME = "locust-learner-{:04d}"
ASSIGNMENT = int(os.environ.get("LOCUST_ASSIGNMENT", "0"))
LEARNERS = int(os.environ.get("LOCUST_LEARNERS", "100"))
PASSWORD = os.environ.get("LOCUST_PASSWORD", "")
THINK = [float(x) for x in os.environ.get("LOCUST_THINK", "0.5,1.5").split(",")]

STATS_JSON = os.environ.get("LOCUST_STATS_JSON", "")

_numbers = itertools.count()
_done = itertools.count(1)
_lock = threading.Lock()


class Learner(HttpUser):
    wait_time = between(*THINK)

    def on_start(self):
        with _lock:
            self.number = next(_numbers)
        origin = "https://" + self.host.removeprefix("http://").rstrip("/")
        self.client.headers.update(
            {"X-Forwarded-Proto": "https", "Origin": origin, "Referer": origin + "/"}
        )

    def csrf(self) -> dict:
        token = self.client.cookies.get("csrftoken", "")
        return {"X-CSRFToken": token}

    def get(self, path, **kwargs):
        self._plain_cookies()
        return self.client.get(path, catch_response=True, allow_redirects=False, **kwargs)

    def post(self, path, **kwargs):
        self._plain_cookies()
        return self.client.post(path, catch_response=True, allow_redirects=False, **kwargs)

    def _plain_cookies(self):
        # Production cookies are Secure; the TLS proxy's part is played by X-Forwarded-Proto
        # here, so they must go over the plain-HTTP connection as a browser sends them over
        # HTTPS (requests would otherwise hold them back).
        for cookie in self.client.cookies:
            cookie.secure = False

    def expect(self, response, status: int, what: str, location: str | None = None):
        if response.status_code != status or (
            location is not None
            and not re.fullmatch(location, response.headers.get("Location", ""))
        ):
            response.failure(
                f"{what}: {response.status_code} {response.headers.get('Location', '')} "
                f"{response.text[:200]}"
            )
            raise StopUser()
        response.success()

    @task
    def take_the_test(self):
        if self.number >= LEARNERS:
            raise StopUser()
        try:
            self.flow()
        finally:
            # The run ends when every learner is done, whether or not all went well.
            with _lock:
                finished = next(_done)
            if finished >= LEARNERS:
                # From a greenlet of its own: stopping the run kills every user's, this one's too.
                gevent.spawn(self.environment.runner.quit)
        raise StopUser()

    def flow(self):
        get, post = self.get, self.post
        with get("/accounts/login/", name="1 login page") as r:
            self.expect(r, 200, "login page")
        self.wait()
        with post(
            "/accounts/login/",
            data={"username": USERNAME.format(self.number), "password": PASSWORD},
            headers=self.csrf(),
            name="2 log in",
        ) as r:
            self.expect(r, 302, "log in")
        with post(
            f"/assignments/{ASSIGNMENT}/start/",
            headers=self.csrf(),
            name="3 start assignment",
        ) as r:
            self.expect(r, 302, "start", r"/tests/\d+/q/1/")
            attempt = r.headers["Location"].split("/")[2]
        for number in range(1, 11):
            with get(f"/tests/{attempt}/q/{number}/", name="4 question page") as r:
                self.expect(r, 200, f"question {number}")
            self.wait()
            with post(
                f"/tests/{attempt}/answer/",
                data={"number": number, "choice": "ABCD"[(self.number + number) % 4]},
                headers={**self.csrf(), "Accept": "application/json"},
                name="5 autosave answer",
            ) as r:
                self.expect(r, 200, f"autosave {number}")
                if r.json().get("saved") is not True:
                    r.failure(f"autosave {number} not saved: {r.text[:200]}")
                    raise StopUser()
        with get(f"/tests/{attempt}/submit/", name="6 submit page") as r:
            self.expect(r, 200, "submit page")
        with post(
            f"/tests/{attempt}/submit/",
            headers=self.csrf(),
            name="7 submit",
        ) as r:
            self.expect(r, 302, "submit", rf"/tests/{attempt}/result/")
        with get(f"/tests/{attempt}/result/", name="8 result page") as r:
            self.expect(r, 200, "result")


@events.quitting.add_listener
def _write_stats(environment, **kwargs):
    # The final figures, once every request is counted (locust's own CSV is written on a timer
    # and can miss the last second's requests).
    if not STATS_JSON:
        return
    stats = environment.stats
    steps = {}
    for entry in [*sorted(stats.entries.values(), key=lambda e: e.name), stats.total]:
        steps[entry.name] = {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "rps": entry.total_rps,
            "p50": entry.get_response_time_percentile(0.5),
            "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99),
            "max": entry.max_response_time,
        }
    seconds = stats.total.last_request_timestamp - stats.total.start_time
    with open(STATS_JSON, "w") as f:
        json.dump({"seconds": seconds, "steps": steps}, f, indent=1)
