"""CPU time per request on bench/run's hot paths, measured in one process, without HTTP.

    .venv/bin/python -m bench.profile_hot_paths [-n 500] [--dir DIR] [--profile PATH] [PATH ...]

PATH is any of lesson_page, practice_answer_post, form_post_floor, test_answer_save,
sandbox_valid_key, gradebook_500 (default: all). Each is the request bench/run sends, built the same way (see
bench/run and its .lua scripts), and handed to the project's WSGI application
(learnapp.wsgi, so with its garbage-collection settings) with production settings on SQLite:

- lesson_page: GET /patterns/t1-s2-p5/ with no cookies;
- practice_answer_post: the htmx POST of an option, with a fresh signed form token each time,
  from one anonymous learner with a session (options cycle A-D, as bench/practice_post.lua),
  who has already answered that question 3,000 times, as bench/run's learner has mid-run;
- form_post_floor: the same learner's htmx form POST, through the same middleware, to
  /bench/bare/, which reads and writes nothing (bench/form_post.lua);
- test_answer_save: the test's autosave POST (Accept: application/json), cycling through the
  attempt's questions with the fields each type sends;
- sandbox_valid_key: GET /sandbox/api/models with one of 200 keys in turn;
- gradebook_500: the instructor's gradebook of 500 learners x 20 assignments.

For each it prints the median CPU time (time.process_time: this process's CPU; time spent
waiting is not counted) of N requests after a warm-up, in ms, with the quartiles, the mean and the
queries per request. The mean is there for the sandbox: its access log's background writer
runs now and then, and its CPU time lands on whichever request is being timed. Everything is
set up afresh in a temporary folder (a migrated SQLite database, bench's 30-pattern tree,
collected static files, the keys and the class; about a minute), or once in --dir DIR and
reused by later runs. --profile PATH also runs PATH under cProfile and prints the functions
with the most time of their own and the most cumulative time.

It is a developer's tool, not a benchmark: a request's CPU time in-process leaves out gunicorn,
HTTP parsing and the load generator, which bench/run's ratios include.
"""

import argparse
import cProfile
import io
import os
import pstats
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from html import unescape
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
SLUG = "t1-s2-p5"
LEARNERS, ASSIGNMENTS, KEYS = 500, 20, 200
PRACTICE_ANSWERS_BEFORE = 3000  # about half of what bench/run's learner gives (see seed_answers)
PATHS = [
    "lesson_page",
    "practice_answer_post",
    "form_post_floor",
    "test_answer_save",
    "sandbox_valid_key",
    "gradebook_500",
]
HOST = "127.0.0.1"
ORIGIN = f"https://{HOST}"


def environment(folder: Path) -> dict[str, str]:
    """What bench/run exports, pointed at this run's folder."""
    secret_file = folder / "secret"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(64))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CACHE_URL", "CACHE_KEY_PREFIX", "LEARNAPP_CONTENT_DIR"}
    }
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SETTINGS_MODULE="bench.profile_settings",
        DJANGO_SECRET_KEY=secret_file.read_text(),
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=f"sqlite:///{folder / 'profile.sqlite3'}",
        BENCH_PROFILE_DIR=str(folder),
    )
    return env


def prepare(folder: Path, env: dict[str, str]) -> tuple[str, str]:
    """The database, static files, keys and class, made once per folder, as bench/run does."""

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if done.returncode:
            sys.exit(f"profile: {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    ready = folder / "ready"
    if ready.exists():
        run("manage.py", "migrate", "--noinput")  # the code may have moved on since
        return tuple(ready.read_text().split())  # type: ignore[return-value]
    print(f"profile: preparing {folder} (about a minute)", file=sys.stderr)

    tree = folder / "tree-30"
    run(
        "-c",
        "import sys; from pathlib import Path; "
        "from learnapp.catalog.sample_tree import write_tree; "
        "write_tree(Path(sys.argv[1]), 1, 3, 10)",
        str(tree),
    )
    run("manage.py", "migrate", "--noinput")
    run("manage.py", "loadcontent", str(tree))
    run("manage.py", "collectstatic", "--noinput")
    run("-m", "bench.make_sandbox_keys", str(KEYS), str(folder / "sandbox-keys.txt"))
    class_id, session = run(
        "-m", "bench.make_gradebook_class", SLUG, str(LEARNERS), str(ASSIGNMENTS)
    ).split()
    ready.write_text(f"{class_id} {session}")
    return class_id, session


class Client:
    """Requests straight into a WSGI application, with the headers bench/run sends."""

    def __init__(self, application):
        self.application = application
        self.cookies: dict[str, str] = {}

    def environ(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> dict:
        parts = urlsplit(url)
        environ = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "SERVER_NAME": HOST,
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": HOST,
            "HTTP_HOST": HOST,
            # bench/run's requests all say they came through the TLS proxy.
            "HTTP_X_FORWARDED_PROTO": "https",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "CONTENT_LENGTH": str(len(body)),
        }
        if body:
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        if self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for name, value in headers.items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        return environ

    def call(self, environ: dict) -> tuple[int, dict[str, list[str]], bytes]:
        """One request, as gunicorn makes it: the body read out and the response closed."""
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer["status"] = int(status.split()[0])
            answer["headers"] = headers

        result = self.application(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        headers: dict[str, list[str]] = {}
        for name, value in answer["headers"]:
            headers.setdefault(name.lower(), []).append(value)
        return answer["status"], headers, content

    def request(self, method, url, data="", headers=None, keep_cookies=True):
        status, response_headers, content = self.call(
            self.environ(method, url, data.encode(), headers or {})
        )
        if keep_cookies:
            for line in response_headers.get("set-cookie", []):
                for name, morsel in SimpleCookie(line).items():
                    self.cookies[name] = morsel.value
        return status, response_headers, content


def expect(what: str, status: int, want: int, content: bytes, needle: bytes = b"") -> None:
    if status != want or needle not in content:
        sys.exit(f"profile: {what} answered {status}: {content[:400]!r}")


def lesson_page(application, class_id, gradebook_session):
    client = Client(application)
    url = f"/patterns/{SLUG}/"
    # wrk sends no cookies: every request is a first visit (the page cached for those).
    status, _, content = client.request("GET", url, keep_cookies=False)
    expect("the lesson page", status, 200, content)

    def one():
        return client.environ("GET", url, b"", {})

    return client, one, lambda status, content: status == 200


def practice_learner(application):
    """One anonymous learner who has answered practice question 1 once: their client (with the
    session and CSRF cookies), the question's path, the htmx headers and a token signer."""
    from django.core import signing

    from learnapp.catalog.models import Question
    from learnapp.learning.views import FORM_SALT

    client = Client(application)
    path = f"/patterns/{SLUG}/practice/1/"
    status, _, content = client.request("GET", path)
    expect("the practice page", status, 200, content)
    pk = Question.objects.practice().get(pattern__slug=SLUG, position=1).pk
    now_ms = int(time.time() * 1000)

    def token():  # what bench/make_practice_tokens.py signs
        return signing.dumps({"q": pk, "n": secrets.token_hex(8), "t": now_ms}, salt=FORM_SALT)

    headers = {
        "HX-Request": "true",
        "X-CSRFToken": client.cookies["csrftoken"],
        "Origin": ORIGIN,
        "Referer": ORIGIN + path,
    }
    # The first answer makes the learner and its session; every later one reuses them.
    status, _, content = client.request("POST", path, f"choice=A&form_token={token()}", headers)
    expect("the first practice answer", status, 200, content, b"data-practice-result=")
    return client, path, headers, token, pk


def practice_answer_post(application, class_id, gradebook_session):
    client, path, headers, token, pk = practice_learner(application)
    seed_answers(pk)
    letters = "ABCD"
    sent = [0]

    def one():
        sent[0] += 1
        body = f"choice={letters[sent[0] % 4]}&form_token={token()}"
        return client.environ("POST", path, body.encode(), headers)

    return (
        client,
        one,
        lambda status, content: status == 200 and b"data-practice-result=" in content,
    )


def form_post_floor(application, class_id, gradebook_session):
    client, _, headers, _, _ = practice_learner(application)

    def one():
        return client.environ("POST", "/bench/bare/", b"choice=A", headers)

    return client, one, lambda status, content: status == 200 and content == b"ok"


def seed_answers(question_pk: int) -> None:
    """Give the learner who just answered the practice answers bench/run's learner piles up.

    bench/run's one learner answers the same question thousands of times (about 6,500 over the
    runs at 380 a second), so anything whose cost grows with the learner's answers shows there.
    """
    from learnapp.learning.models import Answer

    first = Answer.objects.filter(question_id=question_pk).latest("pk")
    rows = []
    for i in range(PRACTICE_ANSWERS_BEFORE):
        first.pk = None
        first.form_token = f"earlier{i}.0"
        rows.append(Answer(**{f.attname: getattr(first, f.attname) for f in Answer._meta.fields}))
    Answer.objects.bulk_create(rows, batch_size=1000)


def test_bodies(client: Client, attempt: str) -> list[str]:
    """What static/js/test-mode.js autosaves for each question (the same parsing as bench/run)."""
    bodies, number = [], 1
    while number <= 50:
        status, _, page = client.request("GET", f"/tests/{attempt}/q/{number}/")
        if status != 200:
            break
        html = page.decode()
        form = re.search(r"<form[^>]*data-test-form[^>]*>.*?</form>", html, re.S)
        if not form:
            break
        form = form.group(0)
        qtype = re.search(r'data-qtype="([^"]*)"', form).group(1)

        def values(name, form=form):
            return [unescape(v) for v in re.findall(rf'name="{name}"[^>]*value="([^"]*)"', form)]

        if qtype == "multiple":
            fields = [("choices", v) for v in values("choices")[:2]] + [("clear", "1")]
        elif qtype == "numeric":
            fields = [("value", "42")]
        elif qtype == "ordering":
            fields = [("order", v) for v in values("order")]
        else:
            fields = [("choice", values("choice")[0])]
        bodies.append(urlencode([("number", number), *fields]))
        if f"/tests/{attempt}/q/{number + 1}/" not in html and 'value="next"' not in html:
            break
        number += 1
    return bodies


def test_answer_save(application, class_id, gradebook_session):
    client = Client(application)
    intro = f"/patterns/{SLUG}/test/"
    status, _, content = client.request("GET", intro)
    expect("the test's intro", status, 200, content)
    csrf = client.cookies["csrftoken"]
    status, headers, _ = client.request(
        "POST", intro, f"csrfmiddlewaretoken={csrf}", {"Origin": ORIGIN, "Referer": ORIGIN + intro}
    )
    location = urlsplit(headers.get("location", [""])[0]).path
    found = re.fullmatch(r"/tests/(\d+)/q/1/", location)
    if status != 302 or not found:
        sys.exit(f"profile: starting the test answered {status} to {location}")
    attempt = found.group(1)
    bodies = test_bodies(client, attempt)
    url = f"/tests/{attempt}/answer/"
    headers = {
        "Accept": "application/json",
        "X-CSRFToken": csrf,
        "Origin": ORIGIN,
        "Referer": f"{ORIGIN}/tests/{attempt}/q/1/",
    }
    sent = [0]

    def one():
        sent[0] += 1
        return client.environ("POST", url, bodies[sent[0] % len(bodies)].encode(), headers)

    return client, one, lambda status, content: status == 200 and b'"saved": true' in content


def sandbox_valid_key(application, class_id, gradebook_session):
    client = Client(application)
    folder = Path(os.environ["BENCH_PROFILE_DIR"])
    keys = (folder / "sandbox-keys.txt").read_text().split()
    sent = [0]

    def one():
        sent[0] += 1
        auth = {"Authorization": f"Bearer {keys[sent[0] % len(keys)]}"}
        return client.environ("GET", "/sandbox/api/models", b"", auth)

    return client, one, lambda status, content: status == 200


def gradebook_500(application, class_id, gradebook_session):
    client = Client(application)
    client.cookies["sessionid"] = gradebook_session
    url = f"/classes/{class_id}/gradebook/"

    def one():
        return client.environ("GET", url, b"", {})

    return client, one, lambda status, content: status == 200 and b"grade-cell" in content


def measure(name, application, made, n, warmup, profile):
    from django.db import connection

    client, next_environ, good = globals()[name](application, *made)
    for _ in range(warmup):
        status, _, content = client.call(next_environ())
        if not good(status, content):
            sys.exit(f"profile: {name} answered {status}: {content[:400]!r}")
    queries = []  # one request's statements (the debug log is reset by each request)

    def note(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(note):
        client.call(next_environ())
    times = []
    for _ in range(n):
        environ = next_environ()  # built (and any token signed) outside the timing
        start = time.process_time()
        status, _, content = client.call(environ)
        times.append((time.process_time() - start) * 1000)
        if not good(status, content):
            sys.exit(f"profile: {name} answered {status}: {content[:400]!r}")
    q1, median, q3 = statistics.quantiles(times, n=4)
    print(
        f"{name}: {median:.3f} ms CPU per request (median of {n}; quartiles {q1:.3f}-{q3:.3f};"
        f" mean {statistics.fmean(times):.3f}), {len(queries)} queries",
        flush=True,
    )
    if profile:
        environs = [next_environ() for _ in range(n)]
        profiler = cProfile.Profile()
        profiler.enable()
        for environ in environs:
            client.call(environ)
        profiler.disable()
        if os.environ.get("PROFILE_DUMP"):
            profiler.dump_stats(os.environ["PROFILE_DUMP"])
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order)
            stats.print_stats(30)
            print(f"--- {name}: {n} requests under cProfile, by {order}")
            print(out.getvalue().split("\n\n", 1)[-1].strip())
        print("--- queries of one request")
        for sql in queries:
            print("  ", sql[:200])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", metavar="PATH", help=", ".join(PATHS))
    parser.add_argument("-n", type=int, default=500, help="requests measured per path")
    parser.add_argument("--warmup", type=int, default=100, help="requests before measuring")
    parser.add_argument("--dir", type=Path, help="set up here once and reuse (default: a temp)")
    parser.add_argument("--profile", choices=PATHS, action="append", default=[])
    args = parser.parse_args(argv)
    paths = args.paths or PATHS
    for name in paths:
        if name not in PATHS:
            parser.error(f"no path {name!r}: choose from {', '.join(PATHS)}")
    folder = args.dir or Path(tempfile.mkdtemp(prefix="learnapp-profile-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        env = environment(folder.resolve())
        made = prepare(folder.resolve(), env)
        os.environ.clear()
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        from learnapp.wsgi import application  # as a gunicorn worker loads it

        for name in paths:
            measure(name, application, made, args.n, args.warmup, name in args.profile)
    finally:
        if args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
