"""Settings for the HTTP benchmark: the real project, plus a bare view to compare against.

Everything (middleware, templates, database, security settings) comes from learnapp.settings, so
the bare view pays exactly the same per-request framework cost as the pages being measured.
"""

import os
from pathlib import Path

from learnapp.settings import *  # noqa: F403
from learnapp.settings import BASE_DIR

ROOT_URLCONF = "bench.urls"

# Keep the benchmark's collected static files out of the developer's staticfiles/.
STATIC_ROOT = Path(os.environ.get("BENCH_OUT") or BASE_DIR / "bench" / "out") / "staticfiles"
