"""``Client.builder()``: the options a :class:`~dify_oapi.Client` takes, set one by one (its own module, so that
``from dify_oapi import Client`` does not import the builder and model machinery)."""

from __future__ import annotations

from typing import Any, Self

import httpx
from pydantic import ConfigDict, Field

from .client import Client
from .core._pools import AsyncBackend
from .core.builder import Builder, Setter
from .core.hooks import Hook
from .core.model import Request

__all__ = ["ClientBuilder", "ClientOptions"]


class ClientOptions(Request):
    """What ``Client.builder()`` collects; see :class:`Client` for each option."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    base_url: str | None = None
    api_key: str | None = Field(default=None, repr=False)
    dataset_api_key: str | None = Field(default=None, repr=False)
    timeout: float | httpx.Timeout | None = None
    max_retries: int | None = Field(default=None, ge=0)
    default_user: str | None = None
    headers: dict[str, str] | None = Field(default=None, repr=False)
    stream_read_timeout: float | None = Field(default=None, gt=0)
    retry_base_delay: float | None = Field(default=None, ge=0)
    http_client: httpx.Client | None = None
    async_http_client: httpx.AsyncClient | None = None
    check_inputs: bool | None = None
    hooks: list[Hook] | None = None
    trust_env: bool = True
    max_response_bytes: int | None = Field(default=None, ge=1)
    deadline: float | None = Field(default=None, gt=0)
    async_backend: AsyncBackend | None = None


class ClientBuilder(Builder[ClientOptions]):
    base_url: Setter[Self, str | None]
    api_key: Setter[Self, str | None]
    dataset_api_key: Setter[Self, str | None]
    timeout: Setter[Self, float | httpx.Timeout | None]
    max_retries: Setter[Self, int | None]
    default_user: Setter[Self, str | None]
    headers: Setter[Self, dict[str, str] | None]
    stream_read_timeout: Setter[Self, float | None]
    retry_base_delay: Setter[Self, float | None]
    http_client: Setter[Self, httpx.Client | None]
    async_http_client: Setter[Self, httpx.AsyncClient | None]
    check_inputs: Setter[Self, bool | None]
    hooks: Setter[Self, list[Hook] | None]
    trust_env: Setter[Self, bool]
    max_response_bytes: Setter[Self, int | None]
    deadline: Setter[Self, float | None]
    async_backend: Setter[Self, AsyncBackend | None]

    def build(self) -> Client:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        options = super().build()
        values: dict[str, Any] = {name: getattr(options, name) for name in options.model_fields_set}
        return Client(**values)
