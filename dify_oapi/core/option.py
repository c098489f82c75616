"""Per-call options: another key, extra headers, a timeout, a retry count, extra query or body values."""

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
    extra_query: Setter[Self, dict[str, Any] | None]
    extra_body: Setter[Self, dict[str, Any] | None]
    check_inputs: Setter[Self, bool | None]
