"""The root :class:`Client`: configuration, one shared transport, and the five services (imported lazily)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar, Unpack, overload

import httpx

if TYPE_CHECKING:  # the core is imported by a Client's __init__, not with this module (import time)
    from ._client_builder import ClientBuilder, ClientOptions
    from .api.chat.service import ChatService
    from .api.completion.service import CompletionService
    from .api.dify.service import DifyService
    from .api.knowledge_base.service import KnowledgeBaseService
    from .api.workflow.service import WorkflowService
    from .core._pools import AsyncBackend
    from .core._raw import RawCall
    from .core.config import Config
    from .core.endpoint import HttpMethod
    from .core.events import StreamEvent
    from .core.hooks import Hook
    from .core.option import RequestOption
    from .core.streaming import AsyncStream, Stream

__all__ = ["SERVICES", "Client", "ClientBuilder", "ClientOptions"]

T = TypeVar("T")

SERVICES = ("chat", "completion", "workflow", "knowledge_base", "dify")


class Client:
    """Entry point of the SDK.

    ``Client()`` reads ``DIFY_BASE_URL`` (default ``https://api.dify.ai/v1``), ``DIFY_API_KEY`` (app endpoints) and
    ``DIFY_DATASET_API_KEY`` (knowledge endpoints). Every argument can also be given here or with
    ``Client.builder()``. One sync httpx client (created on first use) and one async httpx client per event loop
    serve every service; pass your own with ``http_client`` / ``async_http_client``. Use it with ``with`` /
    ``async with`` or call ``close()`` / ``aclose()``: either closes every HTTP client it created, whichever loop or
    thread used it. A forked child process opens its own connections.
    ``check_inputs=True`` checks the ``inputs`` of every chat, completion and workflow run against the app's form
    (``GET /parameters``, fetched once per key) before sending (see :meth:`refresh_input_forms`). ``hooks``: functions
    called with a :class:`~dify_oapi.core.hooks.HookEvent` at each moment of every call (tracing, metrics).
    ``trust_env=False``: the HTTP clients it creates ignore ``HTTP_PROXY``/``HTTPS_PROXY``/``NO_PROXY`` and netrc.
    ``max_response_bytes`` (default 64 MiB): the largest JSON answer read; a larger one raises
    ``ResponseTooLargeError`` without being read into memory (so does one stream event; binary answers are not capped).
    ``deadline``: the default :attr:`RequestOption.deadline <dify_oapi.RequestOption.deadline>` of every call (seconds
    for a whole call, retries and a stream to its end included); a call's own ``RequestOption.deadline`` replaces it.
    ``async_backend="aiohttp"`` (default ``DIFY_ASYNC_BACKEND``, else ``"httpx"``): the async calls send through
    aiohttp (the ``aiohttp`` extra) with the same retries, timeouts, errors and streams: for many concurrent async
    calls on one Client. Sync calls are unaffected. An unknown name raises InvalidRequestError, a missing extra
    MissingExtraError, both here.
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        dataset_api_key: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        default_user: str | None = None,
        headers: dict[str, str] | None = None,
        stream_read_timeout: float | None = None,
        retry_base_delay: float | None = None,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        check_inputs: bool = False,
        hooks: Sequence[Hook] | None = None,
        trust_env: bool = True,
        max_response_bytes: int | None = None,
        deadline: float | None = None,
        async_backend: AsyncBackend | None = None,
    ) -> None:
        import os

        from .core._log import configure_from_env
        from .core._pools import check_async_backend
        from .core._transport import Transport
        from .core.config import DEFAULT_BASE_URL, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, Config, to_timeout
        from .core.retry import RetryPolicy

        _check_numbers(max_retries, None, deadline)
        base = base_url or os.environ.get("DIFY_BASE_URL") or DEFAULT_BASE_URL
        config = Config(
            base_url=base.rstrip("/"),
            api_key=api_key or os.environ.get("DIFY_API_KEY") or None,
            dataset_api_key=dataset_api_key or os.environ.get("DIFY_DATASET_API_KEY") or None,
            timeout=to_timeout(timeout) or DEFAULT_TIMEOUT,
            stream_read_timeout=stream_read_timeout,
            retry=RetryPolicy(
                max_retries=2 if max_retries is None else max_retries,
                base_delay=0.5 if retry_base_delay is None else retry_base_delay,
            ),
            default_user=default_user,
            headers=tuple((headers or {}).items()),
            check_inputs=check_inputs,
            hooks=tuple(hooks or ()),
            trust_env=trust_env,
            max_response_bytes=DEFAULT_MAX_RESPONSE_BYTES if max_response_bytes is None else max_response_bytes,
            deadline=deadline,
            async_backend=check_async_backend(
                async_backend
                or (None if async_http_client is not None else os.environ.get("DIFY_ASYNC_BACKEND"))  # used as given
                or "httpx"
            ),
        )
        configure_from_env()
        self._transport = Transport(config, http_client, async_http_client)

    @staticmethod
    def builder() -> ClientBuilder:
        from ._client_builder import ClientBuilder

        return ClientBuilder()

    def with_options(
        self,
        *,
        api_key: str | None = None,
        dataset_api_key: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        default_user: str | None = None,
        headers: dict[str, str] | None = None,
        stream_read_timeout: float | None = None,
        check_inputs: bool | None = None,
        hooks: Sequence[Hook] | None = None,
        max_response_bytes: int | None = None,
        deadline: float | None = None,
    ) -> Client:
        """A Client with other defaults over this Client's connection pools (no new connections, no second pool).

        Options left at None keep this Client's value; ``headers`` are added to this Client's headers (a name given
        again, in any case, replaces it). Closing the derived Client leaves this one's pools open; closing this
        Client closes them for every Client derived from it.
        """
        from .core.config import to_timeout

        _check_numbers(max_retries, stream_read_timeout, deadline)
        config = self.config
        changes: dict[str, Any] = {}
        if api_key is not None:
            changes["api_key"] = api_key
        if dataset_api_key is not None:
            changes["dataset_api_key"] = dataset_api_key
        if timeout is not None:
            changes["timeout"] = to_timeout(timeout)
        if max_retries is not None:
            changes["retry"] = replace(config.retry, max_retries=max_retries)
        if default_user is not None:
            changes["default_user"] = default_user
        if headers:
            given = {name.lower() for name in headers}
            kept = tuple((name, value) for name, value in config.headers if name.lower() not in given)
            changes["headers"] = (*kept, *headers.items())
        if stream_read_timeout is not None:
            changes["stream_read_timeout"] = stream_read_timeout
        if check_inputs is not None:
            changes["check_inputs"] = check_inputs
        if hooks is not None:
            changes["hooks"] = tuple(hooks)  # replaces this Client's hooks ([] for none)
        if max_response_bytes is not None:
            changes["max_response_bytes"] = max_response_bytes
        if deadline is not None:
            changes["deadline"] = deadline
        derived = object.__new__(Client)
        derived._transport = self._transport.derive(replace(config, **changes))
        return derived

    @property
    def config(self) -> Config:
        return self._transport.config

    def refresh_input_forms(self, api_key: str | None = None) -> None:
        """Forget the app input forms cached for ``check_inputs`` (of ``api_key`` only, when given): the next checked
        run fetches ``GET /parameters`` again (after the app's form changed). Shared with ``with_options`` Clients."""
        self._transport.input_forms.refresh(api_key)

    @property
    def base_url(self) -> str:
        return self._transport.config.base_url

    # ---- services (imported on first use) ----------------------------------------------------------------------

    @cached_property
    def chat(self) -> ChatService:
        from .api.chat.service import ChatService

        return ChatService(self._transport)

    @cached_property
    def completion(self) -> CompletionService:
        from .api.completion.service import CompletionService

        return CompletionService(self._transport)

    @cached_property
    def workflow(self) -> WorkflowService:
        from .api.workflow.service import WorkflowService

        return WorkflowService(self._transport)

    @cached_property
    def knowledge_base(self) -> KnowledgeBaseService:
        from .api.knowledge_base.service import KnowledgeBaseService

        return KnowledgeBaseService(self._transport)

    @cached_property
    def dify(self) -> DifyService:
        from .api.dify.service import DifyService

        return DifyService(self._transport)

    # ---- raw requests: operations this SDK does not model yet ------------------------------------------------------
    # Their keyword arguments are defined once, in ``RawCall`` (core/_raw.py); ``option`` and ``cast_to`` are apart.

    @overload
    def request(
        self, method: HttpMethod, path: str, *, option: RequestOption | None = None, **call: Unpack[RawCall]
    ) -> dict[str, Any] | None: ...
    @overload
    def request(
        self, method: HttpMethod, path: str, *, cast_to: type[T], option: RequestOption | None = None,
        **call: Unpack[RawCall],
    ) -> T | None: ...  # fmt: skip
    def request(
        self, method: HttpMethod, path: str, *, cast_to: Any = dict, option: RequestOption | None = None,
        **call: Unpack[RawCall],
    ) -> Any:  # fmt: skip
        """Call an operation this SDK does not model yet, through the same transport as every modelled call.

        ``path`` is relative to ``base_url`` (``"/apps/annotations"``); ``params`` go to the query (lists repeated),
        ``json`` is the JSON body, ``files`` and ``data`` make a multipart form. The answer is parsed into
        ``cast_to`` (``dict`` or a pydantic model); an empty answer (204) is None. Keys: the dataset key for
        ``/datasets...`` and ``/workspaces...``, else the app key (``auth=`` overrides). Retries: GET, PUT and DELETE
        are safe, POST only with ``retry_safe=True``. Errors are the typed errors of every call.
        """
        from .core._raw import plan

        endpoint, encoded = plan(method, path, cast_to=cast_to, **call)
        return self._transport.request(endpoint, encoded, option)

    @overload
    async def arequest(
        self, method: HttpMethod, path: str, *, option: RequestOption | None = None, **call: Unpack[RawCall]
    ) -> dict[str, Any] | None: ...
    @overload
    async def arequest(
        self, method: HttpMethod, path: str, *, cast_to: type[T], option: RequestOption | None = None,
        **call: Unpack[RawCall],
    ) -> T | None: ...  # fmt: skip
    async def arequest(
        self, method: HttpMethod, path: str, *, cast_to: Any = dict, option: RequestOption | None = None,
        **call: Unpack[RawCall],
    ) -> Any:  # fmt: skip
        """Async twin of :meth:`request`."""
        from .core._raw import plan

        endpoint, encoded = plan(method, path, cast_to=cast_to, **call)
        return await self._transport.arequest(endpoint, encoded, option)

    def stream(
        self, method: HttpMethod, path: str, *, terminal: Collection[str] = (), option: RequestOption | None = None,
        **call: Unpack[RawCall],
    ) -> Stream[StreamEvent]:  # fmt: skip
        """A raw SSE stream (see :meth:`request`): every event as a :class:`StreamEvent` (its fields in
        ``model_extra``), pings skipped, an ``error`` event raised as its typed error. ``terminal`` names the events
        that complete the stream (a stream closing before one raises ``StreamIncompleteError``)."""
        from .core._raw import plan
        from .core.resource import _run_stream

        endpoint, encoded = plan(method, path, stream=True, terminal=terminal, **call)
        stream: Stream[StreamEvent] = _run_stream(self._transport, endpoint, encoded, option)
        return stream

    def astream(
        self, method: HttpMethod, path: str, *, terminal: Collection[str] = (), option: RequestOption | None = None,
        **call: Unpack[RawCall],
    ) -> AsyncStream[StreamEvent]:  # fmt: skip
        """Async twin of :meth:`stream` (``async with client.astream(...) as events``)."""
        from .core._raw import plan
        from .core.resource import _run_astream

        endpoint, encoded = plan(method, path, stream=True, terminal=terminal, **call)
        stream: AsyncStream[StreamEvent] = _run_astream(self._transport, endpoint, encoded, option)
        return stream

    # ---- lifecycle ------------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP clients this Client created (never the ones it was given)."""
        self._transport.close()

    async def aclose(self) -> None:
        await self._transport.aclose()

    @property
    def is_closed(self) -> bool:
        return self._transport.closed

    def __enter__(self) -> Self:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        c = self._transport.config
        return (
            f"Client(base_url={c.base_url!r}, api_key={'set' if c.api_key else 'unset'}, "
            f"dataset_api_key={'set' if c.dataset_api_key else 'unset'}, max_retries={c.retry.max_retries})"
        )


def _check_numbers(max_retries: int | None, stream_read_timeout: float | None, deadline: float | None) -> None:
    """The numbers a Client (or with_options) is given; InvalidRequestError (a DifyError and a ValueError)."""
    from .core.errors import InvalidRequestError

    if max_retries is not None and max_retries < 0:
        raise InvalidRequestError("max_retries must be >= 0")
    if stream_read_timeout is not None and stream_read_timeout <= 0:
        raise InvalidRequestError("stream_read_timeout must be > 0")
    if deadline is not None and not (isinstance(deadline, int | float) and 0 < deadline < float("inf")):
        raise InvalidRequestError("deadline must be a number of seconds > 0")


def __getattr__(name: str) -> Any:
    if name in ("ClientBuilder", "ClientOptions"):  # imported on first use: they need the core's builder and models
        from . import _client_builder

        value = getattr(_client_builder, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
