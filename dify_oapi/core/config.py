"""Client configuration: where, with which keys, how long, how many retries. Keys never appear in a repr."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import httpx

from ._pools import AsyncBackend
from .errors import InvalidRequestError
from .hooks import Hook
from .retry import RetryPolicy

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_STREAM_READ_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "Config",
    "check_header",
    "check_headers",
    "clean_config",
    "clean_key",
]

DEFAULT_BASE_URL = "https://api.dify.ai/v1"
DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)
DEFAULT_STREAM_READ_TIMEOUT = 60.0
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024


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
    deadline: float | None = None  # the default RequestOption.deadline of every call (seconds)
    async_backend: AsyncBackend = "httpx"
    """What the async HTTP clients send through (see :mod:`dify_oapi.core._pools`); kept by derived Clients."""
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

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


# A key is sent as ``Bearer <key>``: printable ASCII, no spaces. A header value may hold spaces and tabs, never CR, LF,
# NUL or another control character (header injection), nor a non-ASCII character (httpx cannot encode it). A header
# name is an RFC 9110 token.
_KEY = re.compile(r"[\x21-\x7e]+")
_VALUE = re.compile(r"[\t\x20-\x7e]*")
_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def clean_key(value: str | None, what: str) -> str | None:
    """A key as it is sent: surrounding whitespace stripped (a key read from a secret file ends in a newline), None
    when nothing is left. Any other space, control or non-ASCII character raises InvalidRequestError, whose text
    names ``what`` and never quotes the key."""
    if value is None:
        return None
    if not isinstance(value, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise InvalidRequestError(f"{what} must be a str, not {type(value).__name__}")
    key = value.strip()
    if not key:
        return None
    if _KEY.fullmatch(key) is None:
        raise InvalidRequestError(
            f"{what} contains a character an HTTP header cannot carry (a space, CR, LF, NUL or another control "
            "character, or a non-ASCII character): check how the key was read"
        )
    return key


def check_header(name: object, value: object, where: str) -> None:
    """Raise InvalidRequestError for a header that cannot be sent as it is (the text never quotes the value)."""
    if not isinstance(name, str) or _NAME.fullmatch(name) is None:
        raise InvalidRequestError(f"{where}: a header name must be a token (letters, digits, -, _, ...)")
    if not isinstance(value, str):
        raise InvalidRequestError(f"{where}: the value of header {name} must be a str, not {type(value).__name__}")
    if _VALUE.fullmatch(value) is None:
        raise InvalidRequestError(
            f"{where}: the value of header {name} contains CR, LF, NUL, another control character or a non-ASCII "
            "character"
        )


def check_headers(headers: Iterable[tuple[str, str]], where: str) -> None:
    for name, value in headers:
        check_header(name, value, where)


def clean_config(config: Config) -> Config:
    """``config`` with its keys cleaned (:func:`clean_key`) and its headers checked (:func:`check_header`)."""
    api_key = clean_key(config.api_key, "api_key (or DIFY_API_KEY)")
    dataset_api_key = clean_key(config.dataset_api_key, "dataset_api_key (or DIFY_DATASET_API_KEY)")
    check_headers(config.headers, "Client headers")
    limit: object = config.max_response_bytes
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise InvalidRequestError("max_response_bytes must be a whole number of bytes, at least 1")
    if api_key == config.api_key and dataset_api_key == config.dataset_api_key:
        return config
    return replace(config, api_key=api_key, dataset_api_key=dataset_api_key)
