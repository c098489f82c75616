"""The one transport every endpoint goes through: builds the HTTP request from an :class:`Endpoint`, sends it with
the retry policy, and turns failures into typed errors. One sync and one (lazily created, per event loop) async
httpx client per :class:`~dify_oapi.Client`."""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
import typing
import weakref
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from .. import __version__
from ._inputs import InputForms
from ._log import logger
from ._pools import Pools
from .builder import Builder
from .config import Config, check_headers, clean_config, clean_key, to_timeout
from .endpoint import Encoded, Endpoint, plan_user_field, validation_message, with_extras
from .errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    InvalidRequestError,
    ResponseTooLargeError,
    UploadChangedError,
    scrub_model,
    status_error_from_body,
)
from .files import file_positions, open_file, rewindable
from .hooks import CallTrace, HookKind, trace_of
from .model import Response
from .option import RequestOption
from .retry import Failure, parse_retry_after, should_retry
from .streaming import DEADLINE, DEADLINE_SLACK, deadline_error

__all__ = ["Transport"]

RespT = TypeVar("RespT")
T = TypeVar("T")
MAX_ERROR_BODY = 64 * 1024


class _Attempt:
    """One prepared attempt: the httpx request plus the files it opened (closed when the attempt ends), and the httpx
    transport it goes straight to (``direct``, see :func:`_direct`), if any."""

    __slots__ = ("direct", "request", "stack")

    def __init__(self, request: httpx.Request, stack: ExitStack, direct: Any = None) -> None:
        self.request = request
        self.stack = stack
        self.direct = direct


class Transport:
    """Sends through :class:`Pools`: its own (``owns_pools``, closed with it) or a parent's, shared by a derived
    client (closing that one leaves the pools open)."""

    def __init__(
        self,
        config: Config,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        *,
        pools: Pools | None = None,
        input_forms: InputForms | None = None,
    ) -> None:
        config = clean_config(config)  # keys stripped, keys and headers checked: InvalidRequestError before any I/O
        self.config = config
        self.owns_pools = pools is None
        self.pools = (
            pools
            if pools is not None
            else Pools(
                timeout=config.timeout,
                http_client=http_client,
                async_http_client=async_http_client,
                trust_env=config.trust_env,
                async_backend=config.async_backend,
            )
        )
        self._closed = False
        self._wake = threading.Event()  # set by close(), of this transport or of the pools it sends through
        self.pools.on_close(self._wake)
        self._secrets = tuple(s for s in (config.api_key, config.dataset_api_key) if s)
        # The secrets of the last request asked about (a stream asks once per event): (weak request, secrets).
        self._last_secrets: tuple[weakref.ref[httpx.Request], list[str]] | None = None
        # The headers of every call, by lower-case name (a name given again in another case replaces it). A user
        # Authorization header is dropped: the SDK's key (api_key, dataset_api_key, RequestOption.api_key) always
        # sets the one Authorization header.
        self._headers: dict[str, tuple[str, str]] = {"user-agent": ("User-Agent", f"dify-oapi/{__version__}")}
        _merge_headers(self._headers, config.headers)
        self._merged: tuple[tuple[tuple[bytes, bytes], ...], httpx.Headers] | None = None  # see _client_headers
        self.input_forms = input_forms if input_forms is not None else InputForms()  # shared with derived ones

    # ---- clients ----------------------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise ClientClosedError("this Client is closed")
        if self.pools.closed:
            if not self.owns_pools:
                raise ClientClosedError("the Client this one was derived from (with_options) is closed")
            raise ClientClosedError("this Client is closed")

    def derive(self, config: Config) -> Transport:
        """A transport with another configuration over the same connection pools (closing it leaves them open)."""
        return Transport(config, pools=self.pools, input_forms=self.input_forms)

    @property
    def client(self) -> httpx.Client:
        """The sync httpx client (created once, on first use)."""
        self._check_open()
        return self.pools.sync()

    async def aclient(self) -> httpx.AsyncClient:
        """The async httpx client of the running event loop (one per loop, created on first use in it)."""
        self._check_open()
        return await self.pools.async_()

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        if self.owns_pools:
            self.pools.close()

    async def aclose(self) -> None:
        self._closed = True
        self._wake.set()
        if self.owns_pools:
            await self.pools.aclose()

    @property
    def closed(self) -> bool:
        return self._closed or self.pools.closed

    # ---- building requests ------------------------------------------------------------------------------------

    def _key(self, endpoint: Endpoint[Any, Any], option: RequestOption | None) -> str | None:
        if option is not None and option.api_key:
            key = clean_key(option.api_key, "RequestOption.api_key")
            if key is not None:
                return key
        return self.config.dataset_api_key if endpoint.key_kind == "dataset" else self.config.api_key

    def _timeout(self, endpoint: Endpoint[Any, Any], option: RequestOption | None) -> httpx.Timeout:
        given = to_timeout(option.timeout) if option is not None else None
        if endpoint.kind == "stream":
            base = given or self.config.timeout
            read = given.read if given is not None else self.config.stream_read
            return httpx.Timeout(connect=base.connect, read=read, write=base.write, pool=base.pool)
        return given or self.config.timeout

    def prepare(self, endpoint: Endpoint[Any, Any], request: Any) -> Any:
        """The request to send: a built request as it is; an unbuilt builder completed with the Client's
        ``default_user`` (for a ``User()`` field left unset) and built; None as the request with no fields set but
        that user."""
        if isinstance(request, Builder):
            builder: Builder[Any] = request  # pyright: ignore[reportUnknownVariableType]
            user_field = plan_user_field(typing.cast(type[BaseModel], endpoint.request))
            if user_field and self.config.default_user is not None:
                builder = builder.with_defaults(**{user_field: self.config.default_user})
            return builder.build()
        if request is None:
            user_field = plan_user_field(typing.cast(type[BaseModel], endpoint.request))
            user = self.config.default_user
            given = {user_field: user} if user_field and user is not None else {}
            try:
                return endpoint.request.model_validate(given)  # ValidationError, worded below
            except ValidationError as exc:
                raise InvalidRequestError(
                    f"{endpoint.method} {endpoint.path} needs a {endpoint.request.__name__}: {validation_message(exc)}"
                ) from None
        return request

    def encode(self, endpoint: Endpoint[Any, Any], request: Any, option: RequestOption | None) -> Encoded:
        """The HTTP parts of ``request`` (a raw call, ``Client.request``, comes already encoded)."""
        if isinstance(request, Encoded):
            encoded = request
        else:
            encoded = endpoint.encode(self.prepare(endpoint, request), self.config.default_user)
        if option is not None:
            if option.headers:
                check_headers(option.headers.items(), "RequestOption headers")
            if option.extra_query or option.extra_body:
                encoded = with_extras(encoded, option.extra_query, option.extra_body)
        if self._key(endpoint, option) is None:
            which = (
                "dataset_api_key (DIFY_DATASET_API_KEY)" if endpoint.key_kind == "dataset" else "api_key (DIFY_API_KEY)"
            )
            raise InvalidRequestError(f"no API key for {endpoint.method} {endpoint.path}: set {which}")
        return encoded

    def _client_headers(self, client: httpx.Client | httpx.AsyncClient) -> httpx.Headers:
        """``client``'s default headers with this transport's over them (kept until the client's change)."""
        raw = tuple(client.headers.raw)
        kept = self._merged
        if kept is not None and kept[0] == raw:
            return kept[1]
        merged = httpx.Headers(client.headers)
        merged.update(list(self._headers.values()))
        self._merged = (raw, merged)
        return merged

    def _build(
        self,
        client: httpx.Client | httpx.AsyncClient,
        endpoint: Endpoint[Any, Any],
        encoded: Encoded,
        option: RequestOption | None,
    ) -> _Attempt:
        stack = ExitStack()
        timeout = self._timeout(endpoint, option)
        kwargs: dict[str, Any] = {}
        if encoded.query:  # extra_query and extra_body are in ``encoded`` (encode()); params=[] re-parses the URL
            kwargs["params"] = encoded.query
        if encoded.multipart:
            form = encoded.form
            # Plain fields as file-less parts (first, as httpx orders them): the body stays multipart even when no
            # file is sent.
            parts: list[tuple[str, Any]] = [(name, (None, value)) for name, value in form.items()]
            parts += [(name, open_file(value, stack).as_httpx()) for name, value in encoded.files]
            kwargs["files"] = parts
        elif encoded.body is not None:
            kwargs["json"] = encoded.body
        url = self.config.base_url + encoded.path
        try:
            target = _url(url)
            # A JSON answer is read and closed by the transport itself: such a call may go straight out (_direct).
            direct = _direct(client, target) if endpoint.kind == "json" else None
            if direct is None:
                headers = self._headers.copy()
                if endpoint.kind == "stream":
                    headers["accept"] = ("Accept", "text/event-stream")
                if option is not None and option.headers:
                    _merge_headers(headers, option.headers.items())  # checked by encode()
                headers["authorization"] = ("Authorization", f"Bearer {self._key(endpoint, option)}")
                request = client.build_request(
                    endpoint.method, target, headers=list(headers.values()), timeout=timeout, **kwargs
                )
            else:  # what build_request makes of it for a plain client: its headers, then ours over them, in order
                merged = httpx.Headers(self._client_headers(client))
                if option is not None and option.headers:
                    for name, value in option.headers.items():  # checked by encode()
                        if name.lower() != "authorization":
                            merged[name] = value
                merged["Authorization"] = f"Bearer {self._key(endpoint, option)}"
                extensions = {"timeout": timeout.as_dict()}
                request = httpx.Request(endpoint.method, target, headers=merged, extensions=extensions, **kwargs)
        except BaseException:
            stack.close()
            raise
        return _Attempt(request, stack, direct)

    # ---- outcomes -----------------------------------------------------------------------------------------------

    def scrub_event(self, event: T, data: str, request: httpx.Request) -> T:
        """A stream event parsed from ``data`` with any key it quotes replaced by ``***`` (see :meth:`parse`)."""
        last = self._last_secrets  # _secrets_of inlined for the common case (once per event)
        secrets = last[1] if last is not None and last[0]() is request else self._secrets_of(request)
        if not _may_quote_text(data, secrets):
            return event
        scrubbed: T = scrub_model(event, lambda part: self.scrub(part, request))
        return scrubbed

    def quote_check(self, request: httpx.Request) -> Callable[[bytes], bool]:
        """A stream's key check (``request``'s secrets looked up once): False for bytes in which no event whose text
        lies there can quote a key (:meth:`scrub_event` would then return every such event unchanged), the check
        once per chunk of a stream instead of once per event."""
        return _quote_check(self._secrets_of(request))

    def _secrets_of(self, request: httpx.Request | None) -> list[str]:
        """Every key this Client knows, and the key ``request`` carried (remembered for the last request: the events
        of a stream ask for the same one; its headers are not searched again)."""
        if request is None:
            return list(self._secrets)
        last = self._last_secrets
        if last is not None and last[0]() is request:
            return last[1]
        secrets = list(self._secrets)
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer ") and len(auth) > 7:
            key = auth[7:].strip()
            if key not in secrets:  # usually the Client's own key: searched once, not twice
                secrets.append(key)
        self._last_secrets = (weakref.ref(request), secrets)
        return secrets

    def scrub(self, text: str, request: httpx.Request | None = None) -> str:
        """``text`` with every key this Client knows, and the key ``request`` carried, replaced by ``***``."""
        for secret in self._secrets_of(request):
            if secret:
                text = text.replace(secret, "***")
        return text

    def _status_error(self, response: httpx.Response, text: str) -> APIStatusError:
        err = status_error_from_body(
            response.status_code,
            text,
            headers=response.headers,
            request=response.request,
            retry_after=parse_retry_after(response.headers),
            scrub=lambda part: self.scrub(part, response.request),  # applied after parsing (errors.py)
        )
        if response.status_code == 404 and not isinstance(err.body, dict) and not _ends_with_v1(self.config.base_url):
            # Not Dify's JSON 404 (a web server's page) and a base_url without /v1: the usual mistake, say so.
            hinted = f"{err.message} (base_url should end with /v1, e.g. https://api.dify.ai/v1)"
            err.message = hinted
            err.args = (hinted,)
        return err

    def _transport_error(self, exc: httpx.RequestError, request: httpx.Request) -> tuple[Failure, APIConnectionError]:
        name = type(exc).__name__
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            return "connect", APITimeoutError(f"{name}: the connection could not be made in time", request=request)
        if isinstance(exc, httpx.ConnectError):
            return "connect", APIConnectionError(
                f"{name}: {self.scrub(str(exc), request) or 'connection failed'}", request=request
            )
        if isinstance(exc, httpx.TimeoutException):
            return "timeout", APITimeoutError(f"{name}: no answer in time", request=request)
        return "read", APIConnectionError(
            f"{name}: {self.scrub(str(exc), request) or 'connection broken'}", request=request
        )

    def _error_of(self, response: httpx.Response, text: str | httpx.RequestError) -> tuple[Failure, APIError_]:
        """The error for an error status, from its body text (or the error that broke reading it)."""
        if isinstance(text, httpx.RequestError):
            return self._transport_error(text, response.request)
        return "status", self._status_error(response, text)

    def _failed(self, state: _SendState, failure: Failure, err: APIError_, label: int | str) -> float:
        """Seconds to wait before the next attempt; raises ``err`` when the policy says not to retry."""
        self._log(state.endpoint, label, state.attempt, state.started)
        status = err if isinstance(err, APIStatusError) else None
        if failure in ("timeout", "read"):
            state.maybe_processed = True
        delay: float | None = None
        if state.attempt < state.max_retries and should_retry(
            failure,
            status=status.status_code if status is not None else None,
            code=status.code if status is not None else None,
            safe=state.endpoint.is_retry_safe,
            rewindable=rewindable(state.encoded.files),
            retry_after=status is not None and status.retry_after is not None,
        ):
            delay = self.config.retry.delay(state.attempt, status.retry_after if status is not None else None)
        if state.deadline_at is not None:
            left = state.deadline_at - time.monotonic()
            if delay is not None and delay >= left:
                delay = None  # the back-off would overrun the deadline: no retry, the error at once
            if delay is None and isinstance(err, APIConnectionError) and left <= DEADLINE_SLACK:
                err = deadline_error(f"{state.endpoint.method} {state.endpoint.path}", state.deadline, err.request)
        self._hook(state, "error" if delay is None else "retry", err=err, delay=delay)
        if delay is None:
            raise err from None  # the httpx error may quote what was sent: never chain it
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s retrying in %.1f s after %s", state.endpoint.method, state.endpoint.path, delay, label)
        return delay

    def _hook(
        self, state: _SendState, kind: HookKind, *, response: httpx.Response | None = None,
        err: BaseException | None = None, delay: float | None = None,
    ) -> None:  # fmt: skip
        """Report one moment of the call to the Client's hooks (see :mod:`dify_oapi.core.hooks`), if it has any."""
        trace = state.trace
        if trace is None:
            return
        trace.attempt = state.attempt + 1
        if response is not None:
            trace.answered(response)
        elif err is not None:
            trace.failed(kind, err, delay)
        else:
            trace.emit(kind)

    def _gone(self, state: _SendState, response: httpx.Response) -> httpx.Response | None:
        """A DELETE re-sent after a timeout or a broken read that now answers 404: the first attempt deleted it.
        Reported as done (an empty 204), not as NotFoundError. The caller closes the 404."""
        if response.status_code != 404 or state.endpoint.method != "DELETE" or not state.maybe_processed:
            return None
        self._log(state.endpoint, "404 (deleted by an earlier attempt)", state.attempt, state.started)
        return httpx.Response(204, headers=response.headers, request=response.request)

    def _backoff(self, delay: float) -> None:
        """Sleep before a retry; ``close()`` wakes it, and the retry then raises ClientClosedError."""
        self._wake.wait(delay)
        self._check_open()

    async def _abackoff(self, delay: float) -> None:
        await asyncio.sleep(delay)
        self._check_open()

    def _time_left(self, state: _SendState, request: httpx.Request) -> float:
        """Seconds left before the deadline for the next attempt; APITimeoutError when none are. The first attempt
        always goes out (with at least 1 ms): time spent before it (encoding, a busy machine) does not cancel it."""
        assert state.deadline_at is not None
        left = state.deadline_at - time.monotonic()
        if state.attempt == 0:
            return max(left, 0.001)
        if left <= 0:
            err = deadline_error(f"{state.endpoint.method} {state.endpoint.path}", state.deadline, request)
            self._log(state.endpoint, "deadline", state.attempt, state.started)
            self._hook(state, "error", err=err)
            raise err
        return left

    def _bound(self, state: _SendState, prepared: _Attempt, option: RequestOption | None) -> float:
        """Bound every timeout of this attempt by the time left (APITimeoutError when none is); returns it."""
        try:
            left = self._time_left(state, prepared.request)
        except BaseException:
            prepared.stack.close()
            raise
        timeout = self._timeout(state.endpoint, option)
        if state.encoded.multipart:  # an upload: the deadline is checked between the chunks of its body too
            ends = time.monotonic() + left
            prepared.request.stream = _DeadlineBody(prepared.request.stream, ends, prepared.request)
        prepared.request.extensions["timeout"] = {
            "connect": _min(timeout.connect, left), "read": _min(timeout.read, left),
            "write": _min(timeout.write, left), "pool": _min(timeout.pool, left),
        }  # fmt: skip
        return left

    def _max_retries(self, option: RequestOption | None) -> int:
        if option is not None and option.max_retries is not None:
            return option.max_retries
        return self.config.retry.max_retries

    def _log(self, endpoint: Endpoint[Any, Any], status: int | str, attempt: int, started: float) -> None:
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                "%s %s status=%s attempt=%d elapsed=%.3fs",
                endpoint.method, endpoint.path, status, attempt + 1, time.monotonic() - started,
            )  # fmt: skip

    def parse(self, endpoint: Endpoint[Any, RespT], response: httpx.Response, content: bytes) -> RespT:
        try:
            parsed: RespT = endpoint.parse(content)
        except ValidationError as exc:
            raise APIResponseValidationError(
                f"{endpoint.method} {endpoint.path}: unexpected answer: {validation_message(exc)}",
                body=self.scrub(content[:MAX_ERROR_BODY].decode("utf-8", "replace"), response.request),
                status_code=response.status_code,
                request=response.request,
            ) from None
        secrets = self._secrets_of(response.request)
        if _may_quote(content, secrets):
            # A server may echo the key it got (an indexing status's ``error``, a failed run's message): every string
            # of the answer is scrubbed after parsing (so a short key never breaks the JSON), raw_body too.
            parsed = typing.cast(RespT, scrub_model(parsed, lambda part: self.scrub(part, response.request)))
            for secret in secrets:
                content = content.replace(secret.encode(), b"***")
        if isinstance(parsed, Response):
            parsed._set_http(response.status_code, response.headers, content)  # pyright: ignore[reportPrivateUsage]
        return parsed

    # ---- sending ------------------------------------------------------------------------------------------------

    def _state(self, endpoint: Endpoint[Any, Any], request: Any, option: RequestOption | None) -> _SendState:
        encoded = self.encode(endpoint, request, option)
        state = _SendState(endpoint, encoded, self._max_retries(option), list(file_positions(encoded.files)))
        deadline = option.deadline if option is not None and option.deadline is not None else self.config.deadline
        if deadline is not None:
            state.deadline = deadline
            state.deadline_at = state.started + deadline
        if self.config.hooks:
            state.trace = CallTrace(self.config.hooks, endpoint, self.config.base_url, self.scrub)
        return state

    def send(self, endpoint: Endpoint[Any, Any], request: Any, option: RequestOption | None) -> httpx.Response:
        """Send with retries; return the open (streamed) 2xx response. The caller reads and closes it."""
        state = self._state(endpoint, request, option)
        self.input_forms.check(self, endpoint, state.encoded, option)
        client = self.client
        while True:
            state.rewind()
            prepared = self._build(client, endpoint, state.encoded, option)
            if state.deadline_at is not None:
                self._bound(state, prepared, option)
            try:
                try:
                    self._hook(state, "request")
                    if prepared.direct is None:
                        response = client.send(prepared.request, stream=True)
                    else:
                        response = _answered(client, prepared, prepared.direct.handle_request(_open(client, prepared)))
                except httpx.RequestError as exc:
                    delay = self._failed(state, *self._transport_error(exc, prepared.request), type(exc).__name__)
                except RuntimeError:
                    self._check_open()  # closed meanwhile (from another thread): ClientClosedError
                    raise
                except UploadChangedError as exc:
                    self._changed(state, exc)
                else:
                    # A JSON answer is read here, inside the retry loop: a body cut by a reset or a read timeout is a
                    # failed attempt (retried for safe endpoints), not an error after the call (reliability suite).
                    broken = (
                        self._read_body(endpoint, response, state.deadline_at)
                        if response.status_code < 300 and endpoint.kind == "json"
                        else None
                    )
                    if isinstance(broken, ResponseTooLargeError):
                        self._too_large(state, broken)
                    if response.status_code < 300 and broken is None:
                        self._log(endpoint, response.status_code, state.attempt, state.started)
                        self._hook(state, "response", response=response)
                        if state.deadline_at is not None:
                            response.extensions[DEADLINE] = (state.deadline_at, state.deadline)
                        return response
                    if broken is not None:
                        failure = self._transport_error(broken, prepared.request)
                        delay = self._failed(state, *failure, type(broken).__name__)
                    elif (gone := self._gone(state, response)) is not None:
                        response.close()
                        self._hook(state, "response", response=gone)
                        return gone
                    else:
                        text = _read_error_text(response)
                        delay = self._failed(state, *self._error_of(response, text), response.status_code)
            finally:
                prepared.stack.close()
            self._backoff(delay)
            state.attempt += 1

    async def asend(self, endpoint: Endpoint[Any, Any], request: Any, option: RequestOption | None) -> httpx.Response:
        """Async twin of :meth:`send`."""
        state = self._state(endpoint, request, option)
        await self.input_forms.acheck(self, endpoint, state.encoded, option)
        client = await self.aclient()
        while True:
            state.rewind()
            prepared = self._build(client, endpoint, state.encoded, option)
            left = self._bound(state, prepared, option) if state.deadline_at is not None else None
            try:
                try:
                    self._hook(state, "request")
                    if left is None:
                        response = await _asend(client, prepared)
                    else:
                        response = await _asend_within(client, prepared, left)
                except httpx.RequestError as exc:
                    delay = self._failed(state, *self._transport_error(exc, prepared.request), type(exc).__name__)
                except RuntimeError:
                    self._check_open()  # closed meanwhile: ClientClosedError
                    raise
                except UploadChangedError as exc:
                    self._changed(state, exc)
                else:
                    broken = (
                        await self._aread_body(endpoint, response, state.deadline_at)
                        if response.status_code < 300 and endpoint.kind == "json"
                        else None
                    )
                    if isinstance(broken, ResponseTooLargeError):
                        self._too_large(state, broken)
                    if response.status_code < 300 and broken is None:
                        self._log(endpoint, response.status_code, state.attempt, state.started)
                        self._hook(state, "response", response=response)
                        if state.deadline_at is not None:
                            response.extensions[DEADLINE] = (state.deadline_at, state.deadline)
                        return response
                    if broken is not None:
                        failure = self._transport_error(broken, prepared.request)
                        delay = self._failed(state, *failure, type(broken).__name__)
                    elif (gone := self._gone(state, response)) is not None:
                        await response.aclose()
                        self._hook(state, "response", response=gone)
                        return gone
                    else:
                        text = await _aread_error_text(response)
                        delay = self._failed(state, *self._error_of(response, text), response.status_code)
            finally:
                prepared.stack.close()
            await self._abackoff(delay)
            state.attempt += 1

    def request(self, endpoint: Endpoint[Any, RespT], request: Any, option: RequestOption | None) -> RespT:
        response = self.send(endpoint, request, option)  # a JSON answer comes back already read, in the retry loop
        response.close()
        return self._answer(endpoint, response)

    async def arequest(self, endpoint: Endpoint[Any, RespT], request: Any, option: RequestOption | None) -> RespT:
        response = await self.asend(endpoint, request, option)
        await response.aclose()
        return self._answer(endpoint, response)

    def _answer(self, endpoint: Endpoint[Any, RespT], response: httpx.Response) -> RespT:
        """The parsed JSON answer, reported to the hooks (with its usage), or its parse error."""
        trace = trace_of(response) if self.config.hooks else None
        try:
            parsed = self.parse(endpoint, response, response.content)
        except APIResponseValidationError as exc:
            if trace is not None:
                trace.failed("error", exc)
            raise
        if trace is not None:
            trace.parsed(response.status_code, parsed)
        return parsed

    # ---- reading answers (at most max_response_bytes) -------------------------------------------------------------

    def too_large(
        self, endpoint: Endpoint[Any, Any], response: httpx.Response, what: str = "the answer"
    ) -> ResponseTooLargeError:
        limit = self.config.max_response_bytes
        return ResponseTooLargeError(
            f"{endpoint.method} {endpoint.path}: {what} is larger than max_response_bytes ({limit} bytes); "
            "give the Client (or with_options) a larger max_response_bytes to read it",
            limit=limit, status_code=response.status_code, request=response.request,
        )  # fmt: skip

    def read_json(
        self, endpoint: Endpoint[Any, Any], response: httpx.Response, deadline_at: float | None = None
    ) -> bytes:
        """The whole body of a JSON answer, kept on the response; raises ResponseTooLargeError past
        ``max_response_bytes`` (having read at most that much, the response closed) or the httpx error that broke it.
        With a deadline, it is checked between chunks (each read is bounded by the attempt's timeouts)."""
        limit = self.config.max_response_bytes
        if _declared_too_large(response, limit):
            response.close()
            raise self.too_large(endpoint, response)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            if chunks and deadline_at is not None and time.monotonic() >= deadline_at:
                response.close()  # more came past the deadline (a body that never ends); a whole body is kept
                raise _past(response.request)
            size += len(chunk)
            if size > limit:
                response.close()
                raise self.too_large(endpoint, response)
            chunks.append(chunk)
        return _joined(response, chunks)

    async def aread_json(self, endpoint: Endpoint[Any, Any], response: httpx.Response) -> bytes:
        """Async twin of :meth:`read_json` (a deadline is the caller's ``asyncio.timeout``)."""
        limit = self.config.max_response_bytes
        if _declared_too_large(response, limit):
            await response.aclose()
            raise self.too_large(endpoint, response)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                await response.aclose()
                raise self.too_large(endpoint, response)
            chunks.append(chunk)
        return _joined(response, chunks)

    def _read_body(
        self, endpoint: Endpoint[Any, Any], response: httpx.Response, deadline_at: float | None = None
    ) -> httpx.RequestError | ResponseTooLargeError | None:
        """Read a whole 2xx body (kept on the response); the error that stopped it, with the response closed."""
        try:
            self.read_json(endpoint, response, deadline_at)
        except httpx.RequestError as exc:
            response.close()
            return exc
        except ResponseTooLargeError as exc:
            return exc
        return None

    async def _aread_body(
        self, endpoint: Endpoint[Any, Any], response: httpx.Response, deadline_at: float | None = None
    ) -> httpx.RequestError | ResponseTooLargeError | None:
        try:
            if deadline_at is None:
                await self.aread_json(endpoint, response)
                return None
            try:
                async with asyncio.timeout(deadline_at - time.monotonic()):
                    await self.aread_json(endpoint, response)
            except TimeoutError:
                await response.aclose()
                return _past(response.request)
        except httpx.RequestError as exc:
            await response.aclose()
            return exc
        except ResponseTooLargeError as exc:
            return exc
        return None

    def _changed(self, state: _SendState, err: UploadChangedError) -> typing.NoReturn:
        """A file changed size while it was sent (files.py): the request went out incomplete; never sent again."""
        self._log(state.endpoint, "upload changed", state.attempt, state.started)
        self._hook(state, "error", err=err)
        raise err from None  # the httpx/httpcore frames hold the request: never chain them

    def _too_large(self, state: _SendState, err: ResponseTooLargeError) -> typing.NoReturn:
        """A JSON answer over the cap: never retried (the same answer would come again)."""
        self._log(state.endpoint, f"{err.status_code} (over max_response_bytes)", state.attempt, state.started)
        self._hook(state, "error", err=err)
        raise err

    def wrap_stream_error(self, exc: httpx.RequestError, request: httpx.Request) -> APIConnectionError:
        return self._transport_error(exc, request)[1]


def _merge_headers(into: dict[str, tuple[str, str]], headers: Iterable[tuple[str, str]]) -> None:
    """Add ``headers`` to ``into`` (by lower-case name: a name given again in another case replaces it), leaving out
    any Authorization header: the SDK's key sets the one Authorization header."""
    for name, value in headers:
        lower = name.lower()
        if lower != "authorization":
            into[lower] = (name, value)


def _may_quote(content: bytes, secrets: list[str]) -> bool:
    """Whether a JSON body may hold one of ``secrets`` in a string: as it is, or spelt with JSON escapes. A key is
    printable ASCII, so an escape can only spell one of its characters as ``\\u00XX``, ``\\/``, ``\\"`` or
    ``\\\\``: every escape has a backslash, so a body without one (one memchr-fast search) holds a key only as it
    is. A few substring searches per answer."""
    return _quote_check(secrets)(content)


def _quote_check(secrets: list[str]) -> Callable[[bytes], bool]:
    """:func:`_may_quote` over ``secrets``, made once (their bytes, whether JSON must escape one of them) for the
    many chunks of a stream."""
    keys = tuple(secret.encode() for secret in secrets if secret)
    if not keys:
        return _quotes_nothing
    escapable = _escapable(secrets)

    def may_quote(content: bytes) -> bool:
        if b"\\" in content and (escapable or b"\\u00" in content or b"\\/" in content):
            return True
        for key in keys:  # noqa: SIM110  # a loop, not any(): this runs once per chunk of a stream
            if key in content:
                return True
        return False

    return may_quote


def _quotes_nothing(content: bytes) -> bool:
    return False


def _may_quote_text(data: str, secrets: list[str]) -> bool:
    """:func:`_may_quote` for a stream event's text."""
    if not secrets:
        return False
    if "\\" in data and ("\\u00" in data or "\\/" in data or _escapable(secrets)):
        return True
    for secret in secrets:  # noqa: SIM110  # a loop, not any(): this runs once per event
        if secret and secret in data:
            return True
    return False


def _escapable(secrets: list[str]) -> bool:
    """A key with a ``"`` or a backslash: JSON always escapes it (``\\"``, ``\\\\``), so a text with a backslash
    may hold it."""
    return any('"' in secret or "\\" in secret for secret in secrets)


def _ends_with_v1(base_url: str) -> bool:
    return urlsplit(base_url).path.rstrip("/").endswith("/v1")


class _DeadlineBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A request body (a multipart upload) that stops at the deadline between two of its chunks: a slow upload,
    each write in time, still ends there (raised as a write timeout: the request may have been partly received)."""

    def __init__(self, inner: httpx.SyncByteStream | httpx.AsyncByteStream, deadline_at: float, request: httpx.Request):
        self._inner = inner
        self._deadline_at = deadline_at
        self._request = request

    def _check(self) -> None:
        if time.monotonic() >= self._deadline_at:
            raise httpx.WriteTimeout("the call's deadline passed", request=self._request)

    def __iter__(self) -> typing.Iterator[bytes]:
        assert isinstance(self._inner, httpx.SyncByteStream)
        for chunk in self._inner:
            self._check()
            yield chunk

    async def __aiter__(self) -> typing.AsyncIterator[bytes]:
        assert isinstance(self._inner, httpx.AsyncByteStream)
        async for chunk in self._inner:
            self._check()
            yield chunk

    def close(self) -> None:
        if isinstance(self._inner, httpx.SyncByteStream):
            self._inner.close()

    async def aclose(self) -> None:
        if isinstance(self._inner, httpx.AsyncByteStream):
            await self._inner.aclose()


def _min(timeout: float | None, left: float) -> float:
    return left if timeout is None else min(timeout, left)


def _past(request: httpx.Request) -> httpx.ReadTimeout:
    return httpx.ReadTimeout("the call's deadline passed", request=request)


def _declared_too_large(response: httpx.Response, limit: int) -> bool:
    """An uncompressed answer whose Content-Length already says it is over the limit: refused unread."""
    length = response.headers.get("content-length", "")
    if not (length.isascii() and length.isdigit() and int(length) > limit):
        return False  # the usual case: one header looked up, not two
    return response.headers.get("content-encoding", "identity").strip().lower() in ("", "identity")


def _joined(response: httpx.Response, chunks: list[bytes]) -> bytes:
    """The body, kept on the response as ``response.read()`` would keep it (one bytes object, no second copy)."""
    content = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    response._content = content  # pyright: ignore[reportPrivateUsage]  # what httpx's read() sets
    return content


@functools.lru_cache(maxsize=256)
def _url(url: str) -> httpx.URL:
    """``url`` parsed (an ``httpx.URL`` is immutable: the few URLs a client calls are parsed once each)."""
    return httpx.URL(url)


def _direct(client: httpx.Client | httpx.AsyncClient, url: httpx.URL) -> Any:
    """The httpx transport a request to ``url`` goes straight to, or None to send it through ``client.send``.

    For a client with nothing ``send`` would add (no auth, no event hooks, no redirects followed, no default params,
    no cookies), ``send`` only wraps the transport's answer, at a cost of about a fifth of a blocking call on
    loopback (its auth and redirect generators, a cookie jar lookup that builds urllib objects from every answer).
    Such a request goes to the transport ``send`` would pick (proxies and mounts included) and the answer is kept as
    ``send`` keeps it (:func:`_answered`). Used for JSON answers, which the transport reads and closes itself; streams
    and downloads, whose httpx response the caller sees, go through ``send``."""
    hooks = client.event_hooks
    if (
        client.follow_redirects or client.auth is not None or hooks["request"] or hooks["response"] or client.params
        or client.cookies
    ):  # fmt: skip
        return None
    route = getattr(client, "_transport_for_url", None)  # httpx's own pick (httpx 0.27 and 0.28)
    return route(url) if route is not None else None


def _open(client: httpx.Client | httpx.AsyncClient, prepared: _Attempt) -> httpx.Request:
    """The request, if ``client`` is still open (as ``client.send`` refuses a closed client's request)."""
    if client.is_closed:
        raise RuntimeError("Cannot send a request, as the client has been closed.")
    return prepared.request


def _answered(client: httpx.Client | httpx.AsyncClient, prepared: _Attempt, response: httpx.Response) -> httpx.Response:
    """The transport's answer to a direct request, as ``client.send`` leaves it: its request set, its cookies kept."""
    response.request = prepared.request
    if "set-cookie" in response.headers:
        client.cookies.extract_cookies(response)
    return response


async def _asend(client: httpx.AsyncClient, prepared: _Attempt) -> httpx.Response:
    """``client.send`` (streamed), or straight to the transport for a direct request (see :func:`_direct`)."""
    if prepared.direct is None:
        return await client.send(prepared.request, stream=True)
    return _answered(client, prepared, await prepared.direct.handle_async_request(_open(client, prepared)))


async def _asend_within(client: httpx.AsyncClient, prepared: _Attempt, left: float) -> httpx.Response:
    """:func:`_asend` cut at ``left`` seconds (the deadline), as a read timeout: the request may be out."""
    try:
        async with asyncio.timeout(left):
            return await _asend(client, prepared)
    except TimeoutError:
        raise _past(prepared.request) from None


def _read_error_text(response: httpx.Response) -> str | httpx.RequestError:
    """At most MAX_ERROR_BODY bytes of an error body; always closes the response."""
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size >= MAX_ERROR_BODY:
                break
    except httpx.RequestError as exc:
        return exc
    finally:
        response.close()
    return b"".join(chunks)[:MAX_ERROR_BODY].decode("utf-8", "replace")


async def _aread_error_text(response: httpx.Response) -> str | httpx.RequestError:
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size >= MAX_ERROR_BODY:
                break
    except httpx.RequestError as exc:
        return exc
    finally:
        await response.aclose()
    return b"".join(chunks)[:MAX_ERROR_BODY].decode("utf-8", "replace")


APIError_ = APIStatusError | APIConnectionError


@dataclass(slots=True)
class _SendState:
    """One call's progress through its attempts."""

    endpoint: Endpoint[Any, Any]
    encoded: Encoded
    max_retries: int
    positions: list[tuple[Any, int]]
    attempt: int = 0
    started: float = field(default_factory=time.monotonic)
    trace: CallTrace | None = None
    maybe_processed: bool = False  # an attempt timed out or broke after sending began
    deadline: float | None = None  # RequestOption.deadline
    deadline_at: float | None = None  # when it ends (time.monotonic())

    def rewind(self) -> None:
        for fobj, pos in self.positions:
            fobj.seek(pos)
