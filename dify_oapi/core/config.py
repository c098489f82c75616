"""Client configuration: where, with which keys, how long, how many retries. Keys never appear in a repr."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from .hooks import Hook
from .retry import RetryPolicy

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_STREAM_READ_TIMEOUT", "DEFAULT_TIMEOUT", "Config"]

DEFAULT_BASE_URL = "https://api.dify.ai/v1"
DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)
DEFAULT_STREAM_READ_TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class Config:
    base_url: str = DEFAULT_BASE_URL
    api_key: str | None = field(default=None, repr=False)
    dataset_api_key: str | None = field(default=None, repr=False)
    timeout: httpx.Timeout = field(default_factory=lambda: DEFAULT_TIMEOUT)
    stream_read_timeout: float | None = None
    """The read timeout of streams when given explicitly; None: see :attr:`stream_read`."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    default_user: str | None = None
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    check_inputs: bool = False
    hooks: tuple[Hook, ...] = ()
    trust_env: bool = True

    @property
    def stream_read(self) -> float:
        """The read timeout of a stream (the longest wait between two chunks): ``stream_read_timeout`` when given,
        else the shorter of ``timeout.read`` and :data:`DEFAULT_STREAM_READ_TIMEOUT` (a ``timeout`` below 60 s bounds
        stream reads too)."""
        if self.stream_read_timeout is not None:
            return self.stream_read_timeout
        read = self.timeout.read
        return DEFAULT_STREAM_READ_TIMEOUT if read is None else min(read, DEFAULT_STREAM_READ_TIMEOUT)


def to_timeout(value: object) -> httpx.Timeout | None:
    """A float means: that many seconds for everything, connecting at most 5 of them."""
    if value is None:
        return None
    if isinstance(value, httpx.Timeout):
        return value
    if isinstance(value, int | float):
        return httpx.Timeout(float(value), connect=min(float(value), 5.0))
    raise TypeError(f"timeout must be a number of seconds or an httpx.Timeout, not {type(value).__name__}")
