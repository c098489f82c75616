"""Per-call options: another key, extra headers, a timeout, an overall deadline, a retry count, extra query or body
values."""

from __future__ import annotations

from typing import Any, Self

import httpx
from pydantic import ConfigDict, Field

from .builder import Builder, Setter
from .model import Request

__all__ = ["RequestOption", "RequestOptionBuilder"]


class RequestOption(Request):
    """Options for one call. Never mutated by the SDK; ``repr`` never shows the key."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    api_key: str | None = Field(default=None, repr=False)
    headers: dict[str, str] | None = Field(default=None, repr=False)
    timeout: float | httpx.Timeout | None = None
    max_retries: int | None = Field(default=None, ge=0)
    deadline: float | None = Field(default=None, gt=0)
    """Seconds for the whole call, from its start (an async stream's: when it opens) to its end: every attempt,
    every back-off and, for a stream or a binary answer, reading it to its end. Each attempt's timeouts are bounded
    by the time left; a retry whose back-off would not fit is not made (the last error is raised at once); once the
    time is spent the call (or the stream's iterator) raises :class:`~dify_oapi.APITimeoutError` and closes the
    connection. None: no deadline (only the per-attempt ``timeout``)."""
    extra_query: dict[str, Any] | None = None
    extra_body: dict[str, Any] | None = None
    check_inputs: bool | None = None
    """Check a run's ``inputs`` against the app's form before sending (None: the Client's ``check_inputs``)."""

    @staticmethod
    def builder() -> RequestOptionBuilder:
        return RequestOptionBuilder()


class RequestOptionBuilder(Builder[RequestOption]):
    api_key: Setter[Self, str | None]
    headers: Setter[Self, dict[str, str] | None]
    timeout: Setter[Self, float | httpx.Timeout | None]
    max_retries: Setter[Self, int | None]
    deadline: Setter[Self, float | None]
    extra_query: Setter[Self, dict[str, Any] | None]
    extra_body: Setter[Self, dict[str, Any] | None]
    check_inputs: Setter[Self, bool | None]
