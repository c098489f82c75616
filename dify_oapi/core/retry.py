"""The retry policy, as pure functions: what is retried, how long to wait. The transport only asks."""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Literal

__all__ = ["Failure", "RetryPolicy", "parse_retry_after", "should_retry"]

Failure = Literal["connect", "timeout", "read", "status"]
"""``connect``: the connection was never made (refused, connect or pool timeout): nothing was sent.
``timeout``: read or write timeout after sending began. ``read``: the connection broke after sending began.
``status``: the server answered with an error status."""

ALWAYS_STATUSES = frozenset({408, 502, 503})
SAFE_ONLY_STATUSES = frozenset({500, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``max_retries`` extra attempts; backoff ``min(base * 2**n, max_delay) * uniform(0.75, 1)``; a server's
    Retry-After is honoured up to ``max_retry_after`` seconds (a longer one is not waited for: the error is raised
    with its ``retry_after`` set)."""

    max_retries: int = 2
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def backoff(self, retry_index: int) -> float:
        return float(min(self.base_delay * 2**retry_index, self.max_delay) * random.uniform(0.75, 1.0))

    def delay(self, retry_index: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retry number ``retry_index`` (0-based), or None when the wait is too long."""
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return None
            return max(retry_after, 0.0)
        return self.backoff(retry_index)


def should_retry(
    failure: Failure, *, status: int | None = None, code: str | None = None, safe: bool, rewindable: bool = True
) -> bool:
    """The retry table.

    Always: connect errors and connect/pool timeouts; 408, 502, 503; 429 unless its code is ``rate_limit_error``.
    Only when ``safe`` (GET/PUT/DELETE or an endpoint marked safe): read/write timeouts, broken reads, 500, 504.
    Never: 409, other 4xx, an upload that cannot be rewound once sending began.
    """
    if failure == "connect":
        return True
    if not rewindable:
        return False
    if failure in ("timeout", "read"):
        return safe
    if status is None:
        return False
    if status in ALWAYS_STATUSES:
        return True
    if status == 429:
        return code != "rate_limit_error"
    if status in SAFE_ONLY_STATUSES:
        return safe
    return False


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date); None when absent or invalid."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(float(raw_ms) / 1000.0, 0.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(float(raw), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)
