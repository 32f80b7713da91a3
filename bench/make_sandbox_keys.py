"""Sandbox keys for bench/run's sandbox measurements, one raw key per line.

    python -m bench.make_sandbox_keys COUNT OUTFILE

Run from the repository root with the same environment as the server being measured (settings
module, DJANGO_SECRET_KEY, DATABASE_URL). Each key belongs to its own learner, so that no
learner's log reaches the per-learner cap (api.KEEP_PER_LEARNER) during a run and the access log
can be counted against the requests sent; each may make a billion requests a minute, so the rate
limit is counted on every request but never refuses one.
"""

import os
import sys

import django


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m bench.make_sandbox_keys COUNT OUTFILE", file=sys.stderr)
        return 2
    count, outfile = int(argv[0]), argv[1]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()

    from learnapp.learning.models import Learner
    from learnapp.sandbox.models import create_key

    raws = []
    for n in range(count):
        learner = Learner.objects.create()
        _, raw = create_key(
            learner, name=f"bench {n}", scopes=["read"], rate_limit_per_minute=1_000_000_000
        )
        raws.append(raw)
    with open(outfile, "w") as f:
        f.write("\n".join(raws) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
