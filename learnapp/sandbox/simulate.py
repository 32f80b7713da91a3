"""What a learner may ask the sandbox to simulate on one request: a slow answer or a server fault.

The metrics lessons need traffic with a latency tail and with 5xx answers, which a mock that
always answers at once and never fails cannot give. A request asks for them itself:

- `X-Sandbox-Delay-Ms: 800` (or `?delay_ms=800`): the answer waits that long before it is sent,
  and for a streamed completion before its first token, so the access log's latency (and time
  to first token) include it. At most MAX_DELAY_MS, so a worker is never held for long.
- `X-Sandbox-Fault: 503` (or `?fault=503`): the server answers 503 with Retry-After, or 500,
  instead of doing the work.

Only a request that a valid key vouches for, within the key's rate limit, gets either: the
key's limit then also bounds how much worker time one learner can ask to spend waiting.
"""

import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

from . import outcomes
from .outcomes import Failure

MAX_DELAY_MS = 3000
FAULTS = (500, 503)
FAULT_RETRY_AFTER = 2  # seconds a simulated 503 asks the client to wait
# A streamed completion sends one word per chunk, this far apart: with the sandbox's short
# replies a stream lasts well under a second on top of the requested delay.
CHUNK_DELAY_MS = 20
FIRST_TOKEN_MS = 30  # the first token's own share of time, before any requested delay

DELAY_HEADER = "X-Sandbox-Delay-Ms"
FAULT_HEADER = "X-Sandbox-Fault"
DELAY_PARAMETER = "delay_ms"
FAULT_PARAMETER = "fault"
_DIGITS = re.compile(r"[0-9]{1,9}")  # ASCII only: str.isdigit() also accepts "²"


@dataclass(frozen=True)
class Simulation:
    delay_ms: int = 0
    fault: int | None = None

    @property
    def delay_seconds(self) -> float:
        return self.delay_ms / 1000


def sleep(seconds: float) -> None:
    """Wait; tests that only check statuses replace this to run fast."""
    if seconds > 0:
        time.sleep(seconds)


def _meta_name(header: str) -> str:
    return "HTTP_" + header.upper().replace("-", "_")


def _one_value(meta: dict, query: list[tuple[str, str]], header: str, parameter: str):
    """The value asked for in the header or the query, or a Failure when it is asked twice."""
    values = [v for name, v in query if name == parameter]
    from_header = meta.get(_meta_name(header))
    if from_header is not None:
        values.append(from_header)
    if len(values) > 1:
        return outcomes.simulation_twice(header, parameter)
    return values[0].strip() if values else None


def read(meta: dict) -> tuple[Simulation, Failure | None]:
    """The simulation a request asks for, or the 400 that says what is wrong with the asking."""
    query = parse_qsl(meta.get("QUERY_STRING", ""), keep_blank_values=True)
    delay = _one_value(meta, query, DELAY_HEADER, DELAY_PARAMETER)
    if isinstance(delay, Failure):
        return Simulation(), delay
    fault = _one_value(meta, query, FAULT_HEADER, FAULT_PARAMETER)
    if isinstance(fault, Failure):
        return Simulation(), fault
    delay_ms = 0
    if delay is not None:
        if not _DIGITS.fullmatch(delay) or int(delay) > MAX_DELAY_MS:
            return Simulation(), outcomes.invalid_delay(delay, MAX_DELAY_MS)
        delay_ms = int(delay)
    fault_status = None
    if fault is not None:
        if fault not in {str(status) for status in FAULTS}:
            return Simulation(), outcomes.invalid_fault(fault, FAULTS)
        fault_status = int(fault)
    return Simulation(delay_ms, fault_status), None


def fault_failure(status: int) -> Failure:
    if status == 503:
        return outcomes.simulated_unavailable(FAULT_RETRY_AFTER)
    return outcomes.simulated_internal_error()
