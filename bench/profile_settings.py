"""Settings for bench/profile_hot_paths.py: bench's settings, with static files in its own folder.

The profiler may run while bench/run (which wipes bench/out/) does, so it keeps its collected
static files next to its own database, in BENCH_PROFILE_DIR.
"""

import os
from pathlib import Path

from bench.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["BENCH_PROFILE_DIR"]) / "staticfiles"
