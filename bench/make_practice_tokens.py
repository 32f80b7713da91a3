"""Signed practice-form tokens for bench/run's practice-answer POST, one per line.

    python -m bench.make_practice_tokens SLUG POSITION COUNT OUTFILE

Run from the repository root with the same environment as the server being measured (settings
module, DJANGO_SECRET_KEY, DATABASE_URL). Each token is what the practice page puts in its form
(see learnapp.learning.views._practice_context): the question's pk, a fresh random nonce and the
time "now", signed with the view's salt. A token records one answer; posting it again only finds
that answer, so the benchmark sends every token once. Prints the question's pk on stdout.
"""

import os
import re
import secrets
import sys
import time

import django


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(
            "usage: python -m bench.make_practice_tokens SLUG POSITION COUNT OUTFILE",
            file=sys.stderr,
        )
        return 2
    slug, position, count, outfile = argv[0], int(argv[1]), int(argv[2]), argv[3]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()

    from django.core import signing

    from learnapp.catalog.models import Question
    from learnapp.learning.views import FORM_SALT

    pk = Question.objects.practice().get(pattern__slug=slug, position=position).pk
    now_ms = int(time.time() * 1000)
    with open(outfile, "w") as out:
        for _ in range(count):
            token = signing.dumps({"q": pk, "n": secrets.token_hex(8), "t": now_ms}, salt=FORM_SALT)
            # The wrk script puts tokens into the form body as they are.
            assert re.fullmatch(r"[A-Za-z0-9_:.-]+", token), token
            out.write(token + "\n")
    print(pk)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
