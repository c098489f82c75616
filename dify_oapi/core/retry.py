"""The retry policy, as pure functions: what is retried, how long to wait. The transport only asks."""

from __future__ import annotations

import math
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

SAFE_STATUSES = frozenset({408, 500, 502, 503, 504})
"""Retried for a safe request (GET, PUT, DELETE, an endpoint marked ``retry_safe``); 429 too, unless a quota."""
NOT_PROCESSED_CODE = "too_many_requests"
"""Dify's own 429 code for a request it refused before doing anything (the app's rate limit)."""


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
        if retry_after is not None and math.isfinite(retry_after) and retry_after >= 0:
            return None if retry_after > self.max_retry_after else retry_after
        return self.backoff(retry_index)


def should_retry(
    failure: Failure,
    *,
    status: int | None = None,
    code: str | None = None,
    safe: bool,
    rewindable: bool = True,
    retry_after: bool = False,
) -> bool:
    """The retry table.

    Any request: the connection was never made (connect error, connect/pool timeout: nothing was sent), Dify's own
    JSON 429 ``too_many_requests``, a 503 carrying a valid ``Retry-After``: each proves the request was not processed.
    Only a safe request (GET/PUT/DELETE or an endpoint marked safe): read/write timeouts, broken reads, 408, 500, 502,
    503, 504, any 429 but ``rate_limit_error`` (a quota). A POST the server may have processed (a run, an upload, a
    create) is never re-sent after those: nginx in front of Dify answers 502/504 when the upstream died mid-request.
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
    if status == 429 and code == "rate_limit_error":
        return False
    if (status == 429 and code == NOT_PROCESSED_CODE) or (status == 503 and retry_after):
        return True
    return safe and (status in SAFE_STATUSES or status == 429)


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date); None when absent or invalid
    (garbage, NaN, infinite or negative: the normal back-off applies). A date in the past means now (0)."""
    seconds = _seconds(headers.get("retry-after-ms"), 1000.0)
    if seconds is not None:
        return seconds
    raw = headers.get("retry-after")
    if not raw:
        return None
    seconds = _seconds(raw, 1.0)
    if seconds is not None or _looks_numeric(raw):
        return seconds
    try:
        when = parsedate_to_datetime(raw)
        return max(when.timestamp() - (time.time() if now is None else now), 0.0)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _seconds(raw: str | None, per_second: float) -> float | None:
    if not raw or not _looks_numeric(raw):
        return None
    try:
        value = float(raw) / per_second
    except (ValueError, OverflowError):
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _looks_numeric(raw: str) -> bool:
    """ASCII digits, sign, point, exponent only (``float`` also takes ``nan``, ``inf``, ``1_0`` and non-ASCII
    digits: none is a valid Retry-After)."""
    text = raw.strip()
    return bool(text) and text.isascii() and all(ch in "0123456789+-.eE" for ch in text)
