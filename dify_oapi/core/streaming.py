"""Typed SSE streams and binary answers, sync and async. Both always close their HTTP response.

A stream holds no reference cycle: a stream left with ``break`` (no ``with``, no ``close()``) is released as soon as
the last reference to it goes (``__del__``), not when the garbage collector runs. It closes its response when it
ends (last event, error or ``close()``)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import re
import socket
import threading
import time
import typing
import weakref
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Generator, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Protocol, Self, TypeVar
from urllib.parse import unquote

import httpx
from pydantic import ValidationError

from ._sse import ServerSentEvent, SSEDecoder
from .endpoint import Endpoint, validation_message
from .errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    DifyError,
    StreamIncompleteError,
    StreamNotOpenError,
    error_class_for_code,
    scrub_strings,
    status_error_from_body,
)
from .events import ErrorEvent, EventParser
from .hooks import CallTrace, trace_of

if TYPE_CHECKING:
    from ._transport import Transport

DEADLINE = "dify_oapi.deadline"
"""The response extension carrying a call's ``RequestOption.deadline`` to the stream or binary answer that reads on
after the transport returned: ``(monotonic time it ends, the seconds asked for)``."""
DEADLINE_SLACK = 0.02
"""A timeout that fires this close to the deadline is the deadline's (every timeout of an attempt is bounded by it)."""

__all__ = ["AsyncBinaryResponse", "AsyncStream", "BinaryResponse", "Resumer", "Stream"]

EvT = TypeVar("EvT")
EvT_co = TypeVar("EvT_co", covariant=True)


def _quotes_anything(content: bytes) -> bool:
    return True


def _no_validator(data: str) -> Any:  # pragma: no cover - never called: a text that starts with a line end has one
    raise AssertionError(data)


_CLOSED = object()
"""What a read gives when the stream was closed (from another thread or task) while it read."""


def _request_id(headers: httpx.Headers) -> str | None:
    value: str | None = headers.get("x-request-id") or headers.get("x-trace-id")
    return value


def _is_json(response: httpx.Response) -> bool:
    """A 2xx answer to a stream request that is JSON, not SSE (an error, or a result such as the pipeline run's)."""
    ctype = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return bool(ctype == "application/json" or ctype.endswith("+json"))


def _plain_body(response: httpx.Response) -> bool:
    """The body comes as it was sent (no ``Content-Encoding`` to undo) and is not read yet: its chunks are the
    response's own byte stream's, what ``iter_bytes`` gives with two generators less per chunk."""
    encoding = response.headers.get("content-encoding")
    if encoding is not None and encoding.strip().lower() not in ("", "identity"):
        return False
    if response.is_stream_consumed or response.is_closed or hasattr(response, "_content"):
        return False
    response.is_stream_consumed = True  # as iter_raw marks it: it is read here
    return True


def _chunks(response: httpx.Response) -> Iterator[bytes]:
    """The body's chunks as they arrive, decoded (gzip and the like through ``iter_bytes``). The transport's errors
    are httpx's either way (httpx maps httpcore's below the response's stream)."""
    stream = response.stream
    if isinstance(stream, httpx.SyncByteStream) and _plain_body(response):
        return iter(stream)
    return response.iter_bytes()


def _achunks(response: httpx.Response) -> AsyncIterator[bytes]:
    """Async twin of :func:`_chunks`."""
    stream = response.stream
    if isinstance(stream, httpx.AsyncByteStream) and _plain_body(response):
        return stream.__aiter__()
    return response.aiter_bytes()


def deadline_error(where: str, deadline: float | None, request: httpx.Request | None) -> APITimeoutError:
    return APITimeoutError(f"{where}: the call's deadline ({deadline or 0:g} s) passed", request=request)


def _deadline_of(response: httpx.Response) -> tuple[float | None, float | None]:
    """(monotonic end, seconds asked for) of the call's ``RequestOption.deadline``, or (None, None)."""
    found: tuple[float, float] | None = response.extensions.get(DEADLINE)
    return found if found is not None else (None, None)


def _interrupt(response: httpx.Response) -> bool:
    """Wake a read blocked on ``response`` in another thread or task: shut its socket down (the reader then sees the
    end of the stream). False when the socket is not reachable (a mock transport): nothing blocks there."""
    network = response.extensions.get("network_stream")
    sock: Any = network.get_extra_info("socket") if network is not None else None
    if sock is None:
        return False
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    return True


class Resumer(Protocol):
    """How a stream goes on after its connection broke (``workflow.stream_resumable`` / ``resume``): attached to a
    :class:`Stream` or :class:`AsyncStream` (``_resume_with``), it sees every event; when a read fails with an
    ``APIConnectionError`` (a timeout, a reset, a stream closed before its final event), the stream ends normally if
    :meth:`finished`, else continues with the events of :meth:`reopen` / :meth:`areopen` (a new stream whose
    connection it takes over), else raises the error. The caller keeps one stream object throughout."""

    def seen(self, event: Any) -> None:
        """Called with each event before it is given out."""

    def finished(self) -> bool:
        """Whether the events needed have all arrived (a break after them loses nothing)."""
        ...

    def reopen(self) -> Stream[Any] | None:
        """The stream that continues this one (None: give up, the error is raised); may raise its own error."""
        ...

    async def areopen(self) -> AsyncStream[Any] | None:
        """Async twin of :meth:`reopen` (an opened stream)."""
        ...


_ADOPTED = (
    "_endpoint",
    "_may_quote",
    "_parse_event",
    "_fast",
    "_last",
    "_decoder",
    "_terminal_seen",
    "_response",
    "_pending",
    "_deferred",
    "_trace",
)
"""What a stream takes over from the stream that continues it (``Resumer.reopen``)."""


class _StreamBase(Generic[EvT_co]):
    """What sync and async streams share: SSE decoding, event parsing, the terminal check, the HTTP facts.

    Nothing here refers back to the stream from another object (no generator bound to ``self``): the stream is freed,
    and its connection released, as soon as nothing refers to it."""

    _response: httpx.Response | None

    def __init__(self, endpoint: Endpoint[Any, Any], transport: Transport) -> None:
        self._endpoint = endpoint
        self._transport = transport
        self._decoder = SSEDecoder()
        self._parse_event = endpoint.event_parser()
        parser = self._parse_event
        fast = parser.fast(endpoint.terminal) if isinstance(parser, EventParser) else None
        self._fast = fast.get if fast is not None else None  # the fast table's look-up (see _feed)
        self._last: tuple[str, Callable[[str], Any]] = ("\n", _no_validator)  # see _feed
        self._terminal_seen = False
        self._response = None
        self._pending: deque[Any] = deque()
        self._deferred: DifyError | None = None  # raised once the events parsed before it are out
        self._done = False  # no more events: ended, failed or closed
        self._released = False
        self._closing = False  # close()/aclose() was called
        self._reading = False  # a read is in progress (in another thread or task, when close() sees it)
        self._trace: CallTrace | None = None  # the hooks of the call, if any (core/hooks.py)
        self._completed = False  # the caller took the final event, or reached the end (what the hooks report)
        self._answer_only = False  # a JSON answer is the one item (not an event to the hooks)
        self._deadline_at: float | None = None  # RequestOption.deadline: when it ends (time.monotonic())
        self._deadline: float | None = None
        self._expired = False  # the deadline passed: every read raises APITimeoutError
        self._resumer: Resumer | None = None  # goes on after a broken connection (workflow resume)
        self._cap = transport.config.max_response_bytes
        self._may_quote: Callable[[bytes], bool] = _quotes_anything  # the key check, once the request is known

    def _resume_with(self, resumer: Resumer) -> Self:
        """Attach ``resumer`` (see :class:`Resumer`); returns the stream."""
        self._resumer = resumer
        return self

    def _adopt(self, successor: _StreamBase[Any]) -> None:
        """Go on with ``successor``'s connection and events (this stream's own connection is released already)."""
        for name in _ADOPTED:
            setattr(self, name, getattr(successor, name))
        self._done = successor._done
        self._released = successor._released
        if successor._deadline_at is not None:  # the time left of the call's deadline (the resumer asks for no more)
            self._deadline_at = successor._deadline_at
        successor._response = None  # released with this stream now, never by the successor's ``__del__``
        successor._released = successor._done = True

    @property
    def response(self) -> httpx.Response:
        """The HTTP response (its status and headers); :class:`StreamNotOpenError` before the server answered."""
        if self._response is None:
            raise self._not_open()
        return self._response

    def _not_open(self) -> StreamNotOpenError:
        where = f"{self._endpoint.method} {self._endpoint.path}"
        if self._closing or self._done:
            return StreamNotOpenError(f"{where}: this stream was closed (or failed) before the server answered")
        return StreamNotOpenError(
            f"{where}: this stream is not open yet: await it, use `async with`, or read its first event first"
        )

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers

    @property
    def request_id(self) -> str | None:
        return _request_id(self.response.headers)

    @property
    def closed(self) -> bool:
        """True once the stream ended (its last event, an error) or was closed: its connection is released."""
        return self._released

    # ---- parsing --------------------------------------------------------------------------------------------------

    def _feed(self, chunk: bytes) -> None:
        """Decode ``chunk`` into pending events; an error (a bad event, an ``error`` event) is kept for after the
        events before it."""
        decoder = self._decoder
        try:
            events, head, datas, covered = decoder.split(chunk)
        except UnicodeDecodeError:
            self._defer(self._invalid_utf8())
            return
        pending = self._pending
        try:
            if head:
                events += decoder.frames(head)
            if events:
                for sse in events:
                    if (event := self._parse(sse)) is not None:
                        pending.append(event)
            if datas and (get := self._fast) is not None and len(covered) <= self._cap and not self._may_quote(covered):
                # The fast path, for a plain frame (one ``data:`` line) of a chunk no longer than the size cap that
                # quotes no key (checked once for the bytes all its texts lie in): the validator of the event name
                # the text starts with (the parser's fast table: no ping, error or final event) gives the event the
                # full rule gives, when it accepts the text. Anything else goes through _parse, the full rule.
                append = pending.append
                last, last_validate = self._last  # the leading text of the last frame validated so, its validator
                for data in datas:  # a frame's text after its "data: "
                    if data.startswith(last):  # the same event name as the frame before: the same validator
                        validate: Callable[[str], Any] | None = last_validate
                    elif data.startswith('{"event":'):
                        at = data.find('"', 9) + 1  # the name is only a guess: the validator decides
                        end = data.find('"', at)
                        validate = get(data[at:end]) if end > at else None
                        if validate is not None:
                            last, last_validate = data[: end + 1], validate
                    else:
                        validate = None
                    if validate is not None and "\n" not in data:
                        try:
                            append(validate(data))
                            continue
                        except ValidationError:
                            pass
                    self._parse_text(data)
                self._last = (last, last_validate)
            else:
                for data in datas:
                    self._parse_text(data)
        except DifyError as exc:
            self._defer(exc)
            return
        if decoder.error is not None:  # the events complete before the bad bytes are delivered first
            self._defer(self._invalid_utf8())
        elif decoder.buffered > self._cap:  # one event that never ends
            self._defer(self._transport.too_large(self._endpoint, self.response, "an event of the stream"))

    def _past_deadline(self) -> bool:
        """The deadline passed (the stream's reads are then refused); False without a deadline."""
        if self._deadline_at is None or self._done:
            return self._expired
        if not self._expired and time.monotonic() >= self._deadline_at:
            self._expired = True
        return self._expired

    def _deadline_error(self) -> APITimeoutError:
        where = f"{self._endpoint.method} {self._endpoint.path}"
        return deadline_error(where, self._deadline, self.response.request)

    def _read_error(self, exc: Exception) -> Exception:
        """The typed error for what broke a read (an httpx error), or ``exc`` itself."""
        if self._deadline_at is not None and time.monotonic() >= self._deadline_at - DEADLINE_SLACK:
            self._expired = True  # a read timeout bounded by the deadline, or the deadline's interrupt
            return self._deadline_error()
        if isinstance(exc, httpx.RequestError):
            return self._transport.wrap_stream_error(exc, self.response.request)
        if isinstance(exc, httpx.StreamError):
            return APIConnectionError(f"{type(exc).__name__}: the stream was closed", request=self.response.request)
        return exc

    def _defer(self, exc: DifyError) -> None:
        exc.__traceback__ = None  # no frame of this stream kept alive by the stored error
        self._deferred = exc

    def _invalid_utf8(self) -> APIResponseValidationError:
        return APIResponseValidationError(
            f"{self._endpoint.path}: the stream sent invalid UTF-8", status_code=self.status_code,
            request=self.response.request,
        )  # fmt: skip

    def _parse_text(self, data: str) -> None:
        """Parse one text of :meth:`SSEDecoder.split` (a frame's text after its ``data: ``) by the full rule."""
        if "\n" not in data:  # a plain frame: a message event
            if (event := self._parse_data(data)) is not None:
                self._pending.append(event)
            return
        for sse in self._decoder.frames("data: " + data):  # other lines, or frames, follow
            if (event := self._parse(sse)) is not None:
                self._pending.append(event)

    def _parse(self, frame: ServerSentEvent) -> Any:
        return None if frame.event == "ping" else self._parse_data(frame.data)

    def _parse_data(self, data: str) -> Any:
        """The event of a frame's data (None for a ping or no data); raises the typed error of a bad or error event."""
        if not data.strip():
            return None
        transport = self._transport
        if len(data) > transport.config.max_response_bytes:  # a whole event in one chunk
            raise transport.too_large(self._endpoint, self.response, "an event of the stream")
        try:
            event: Any = self._parse_event(data)
        except ValidationError as exc:
            raise APIResponseValidationError(
                f"{self._endpoint.path}: unexpected event: {validation_message(exc)}",
                body=self._transport.scrub(data[:4096], self.response.request), status_code=self.status_code,
                request=self.response.request,
            ) from None  # fmt: skip
        event = transport.scrub_event(event, data, self.response.request)  # a key it quotes: ***
        name = getattr(event, "event", "")
        if name == "ping":
            return None
        if name == "error" and isinstance(event, ErrorEvent):
            raise self._error(event)
        if name in self._endpoint.terminal:
            self._terminal_seen = True
        return event

    def _taken(self, trace: CallTrace, event: Any) -> None:
        """The caller takes ``event`` (the hooks hear of it now, not when it was parsed: one read may hold many)."""
        if self._terminal_seen and (not self._pending or getattr(event, "event", None) in self._endpoint.terminal):
            self._completed = True
        if not self._answer_only:
            trace.stream_event(event)

    def _stopped(self, exc: BaseException | None) -> None:
        """Tell the hooks the stream ended (completed, left early, or ``exc``); only the first call counts."""
        if self._trace is not None:
            self._trace.stream_finished(exc, self._completed)

    def _error(self, event: ErrorEvent) -> APIStatusError:
        status = event.status or 500
        cls = error_class_for_code(event.code, status)
        return cls(
            self._transport.scrub(event.message or "error event in stream", self.response.request),
            status_code=status,
            code=event.code,
            # The body is scrubbed like the message: a server may quote the key it got (reliability suite).
            body=scrub_strings(
                event.model_dump(mode="json"), lambda part: self._transport.scrub(part, self.response.request)
            ),
            request_id=self.request_id,
            headers=self.headers,
            request=self.response.request,
        )

    def _incomplete(self) -> StreamIncompleteError:
        return StreamIncompleteError(
            f"{self._endpoint.path}: the stream closed before its final event "
            f"({', '.join(sorted(self._endpoint.terminal))})",
            request=self.response.request,
        )

    def _json_answer(self, content: bytes) -> None:
        """A 200 JSON answer where events were expected: a Dify error raises its typed error; a result parses into the
        endpoint's ``json_answer`` model, the stream's one item (else a clear error carrying the body)."""
        response = self.response
        try:
            data: Any = json.loads(content) if content.strip() else None
        except ValueError:
            data = None
        if isinstance(data, dict) and _is_error_body(typing.cast(dict[str, Any], data)):
            fields = typing.cast(dict[str, Any], data)
            status = fields.get("status")
            code = status if isinstance(status, int) and 400 <= status <= 599 else 400
            raise status_error_from_body(
                code, content.decode("utf-8", "replace"), headers=response.headers, request=response.request,
                scrub=lambda part: self._transport.scrub(part, response.request),  # applied after parsing
            )  # fmt: skip
        model = self._endpoint.json_answer
        if model is None or data is None:
            raise APIResponseValidationError(
                f"{self._endpoint.method} {self._endpoint.path}: expected an event stream (text/event-stream), "
                "got a JSON answer (kept in .body)",
                body=self._transport.scrub(content[:65536].decode("utf-8", "replace"), response.request),
                status_code=response.status_code, request=response.request,
            )  # fmt: skip
        as_json = _json_endpoint(self._endpoint)
        self._pending.append(self._transport.parse(as_json, response, content))
        self._terminal_seen = self._answer_only = True


def _is_error_body(fields: dict[str, Any]) -> bool:
    """Dify's error shape: ``{"code": str, "message": str, "status": int}`` (``status`` may be missing)."""
    if not isinstance(fields.get("code"), str) or not isinstance(fields.get("message"), str):
        return False
    status = fields.get("status")
    return (isinstance(status, int) and status >= 400) or set(fields) <= {"code", "message", "status", "params"}


_JSON_ENDPOINTS: dict[int, tuple[Endpoint[Any, Any], Endpoint[Any, Any]]] = {}


def _json_endpoint(endpoint: Endpoint[Any, Any]) -> Endpoint[Any, Any]:
    """The endpoint as if it answered JSON (its ``json_answer`` model), to parse that answer like any JSON answer."""
    found = _JSON_ENDPOINTS.get(id(endpoint))
    if found is None or found[0] is not endpoint:
        derived = dataclasses.replace(
            endpoint, kind="json", response=endpoint.json_answer, parse_as=None, terminal=frozenset()
        )
        found = _JSON_ENDPOINTS[id(endpoint)] = (endpoint, derived)
    return found[1]


class Stream(_StreamBase[EvT_co]):
    """A typed event stream: iterate it (``for event in stream``), use it as a context manager, or ``close()`` it.

    Pings are skipped; unknown events arrive as ``StreamEvent``; an ``error`` event raises its typed error; a stream
    that closes before its final event raises ``StreamIncompleteError``; a broken connection ``APIConnectionError``.
    ``close()`` may be called from another thread: the iterating thread then ends cleanly (no error), promptly.
    """

    def __init__(self, response: httpx.Response, endpoint: Endpoint[Any, Any], transport: Transport) -> None:
        super().__init__(endpoint, transport)
        self._lock = threading.Lock()
        self._response = response
        self._trace = trace_of(response)
        self._may_quote = transport.quote_check(response.request)
        json_answer = _is_json(response)
        self._chunks: Iterator[bytes] = iter(()) if json_answer else _chunks(response)  # a JSON answer: read whole
        self._timer: threading.Timer | None = None
        self._deadline_at, self._deadline = _deadline_of(response)
        self._arm()
        if json_answer:
            try:
                content = self._read_all()
                self._json_answer(content)
            except BaseException as exc:
                self._release(exc)
                raise

    def _read_all(self) -> bytes:
        try:
            return self._transport.read_json(self._endpoint, self.response)  # at most max_response_bytes
        except httpx.RequestError as exc:
            raise self._transport.wrap_stream_error(exc, self.response.request) from None

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> EvT_co:
        if self._pending and self._deadline_at is None and self._resumer is None and self._trace is None:
            event: EvT_co = self._pending.popleft()  # the common case, without a call: what _next_event does first
            return event
        if self._resumer is not None:
            return self._next_resumed(self._resumer)
        return self._next_event()

    def _next_resumed(self, resumer: Resumer) -> EvT_co:
        while True:
            try:
                event = self._next_event()
            except APIConnectionError:
                resumed = self._resume(resumer)
                if resumed is None:
                    raise
                if not resumed:
                    raise StopIteration from None
                continue
            resumer.seen(event)
            return event

    def _arm(self) -> None:
        if self._deadline_at is not None:
            # Wakes a read blocked past the deadline (its socket is shut down, like close() from another thread).
            self._timer = threading.Timer(self._deadline_at - time.monotonic(), _expire, (weakref.ref(self),))
            self._timer.daemon = True
            self._timer.start()

    def _resume(self, resumer: Resumer) -> bool | None:
        """After a broken connection: True when the stream goes on with :meth:`Resumer.reopen`'s events, False when it
        ends normally (the events needed arrived, or ``close()`` came), None when the error is to be raised (also
        once the call's deadline passed)."""
        if self._closing or self._expired:
            return None
        if resumer.finished():
            return False
        successor = resumer.reopen()
        if successor is None:
            return None
        with self._lock:
            closing = self._closing
            if not closing:
                self._adopt(successor)
                self._chunks = successor._chunks
                if successor._timer is not None:  # the deadline's timer is this stream's now
                    successor._timer.cancel()
                    self._arm()
        if closing:  # close() came while reconnecting
            successor.close()
            return False
        return True

    def _next_event(self) -> EvT_co:
        while True:
            if self._deadline_at is not None and self._past_deadline():
                expired = self._deadline_error()
                self._release(expired)
                raise expired
            if self._pending:
                event: EvT_co = self._pending.popleft()
                if self._trace is not None:
                    self._taken(self._trace, event)
                return event
            if self._deferred is not None:
                err, self._deferred = self._deferred, None
                self._release(err)
                raise err
            if self._done:
                raise StopIteration
            chunk = self._read()
            if chunk is _CLOSED:
                if self._expired:
                    continue  # the deadline's interrupt: raised above
                self._release()
                raise StopIteration
            if chunk is None:
                if self._endpoint.terminal and not self._terminal_seen:
                    incomplete = self._incomplete()
                    self._release(incomplete)
                    raise incomplete
                self._completed = True  # the caller reached the end
                self._release()
                raise StopIteration
            assert isinstance(chunk, bytes)
            self._feed(chunk)

    def _read(self) -> bytes | object | None:
        """The next chunk; None at the end of the body; ``_CLOSED`` when ``close()`` came first or meanwhile."""
        with self._lock:
            if self._closing or self._done:
                return _CLOSED
            self._reading = True
        try:
            return next(self._chunks, None)
        except Exception as exc:
            if self._closing:
                return _CLOSED  # whatever the interrupted read raised: the caller asked for the end
            err = self._read_error(exc)
            self._release(err)
            if err is exc:
                raise
            raise err from None
        finally:
            with self._lock:
                self._reading = False
            if self._closing:
                self._release()

    def _release(self, exc: BaseException | None = None) -> None:
        with self._lock:
            self._done = True
            if self._released:
                return
            self._released = True
        if self._timer is not None:
            self._timer.cancel()
        if exc is None and self._expired:
            exc = self._deadline_error()
        self._stopped(exc)
        if self._response is not None:
            self._response.close()

    def _expire(self) -> None:
        """The deadline passed (from the timer's thread): a blocked read is woken, the next one raises."""
        with self._lock:
            if self._done:
                return
            self._expired = True
            self._closing = True
            reading = self._reading
            self._pending.clear()
        if reading and self._response is not None and _interrupt(self._response):
            return  # the reading thread wakes up and raises APITimeoutError
        self._release()

    def close(self) -> None:
        """Stop the stream and release its connection. From another thread, the iterating thread ends cleanly."""
        with self._lock:
            self._closing = True
            reading = self._reading
            self._pending.clear()
        if reading and self._response is not None and _interrupt(self._response):
            return  # the reading thread wakes up, sees the close and releases the connection
        self._release()

    def __del__(self) -> None:
        timer = getattr(self, "_timer", None)
        if timer is not None:
            timer.cancel()
        response = getattr(self, "_response", None)
        if response is not None and not getattr(self, "_released", True):
            with contextlib.suppress(Exception):
                self._stopped(None)
                response.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _expire(ref: weakref.ref[Stream[Any]]) -> None:
    """The deadline timer's callback; holds no strong reference, so a dropped stream is freed at once."""
    stream = ref()
    if stream is not None:
        stream._expire()  # pyright: ignore[reportPrivateUsage]


_BACKGROUND: set[asyncio.Task[None]] = set()
"""Closes scheduled by abandoned async streams, kept referenced until done."""


def _spawn(coro: Coroutine[Any, Any, None]) -> None:
    task = asyncio.get_running_loop().create_task(coro)
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)


def _discard_answer(opening: asyncio.Future[httpx.Response]) -> None:
    """Close the answer of an open whose stream gave up waiting for it (its task was cancelled)."""
    if not opening.cancelled() and opening.exception() is None:
        _spawn(_quiet_aclose(opening.result()))


async def _quiet_aclose(response: httpx.Response) -> None:
    with contextlib.suppress(Exception):
        await response.aclose()


class AsyncStream(_StreamBase[EvT_co]):
    """Async twin of :class:`Stream`. Opens on first use: ``async for event in ...astream(req)``,
    ``async with ...astream(req) as stream`` or ``stream = await ...astream(req)`` all work.

    The request is sent once. When a read is cancelled (``asyncio.wait_for`` as a per-event timeout, a task
    cancelled), the stream has lost its place: every later read raises ``StreamIncompleteError`` (it never ends
    normally on a truncated answer, and never sends the request again). ``aclose()`` (``close()`` is the same) may be
    called from another task: the iterating task then ends cleanly, promptly.
    """

    def __init__(
        self, opener: Callable[[], Awaitable[httpx.Response]], endpoint: Endpoint[Any, Any], transport: Transport
    ) -> None:
        super().__init__(endpoint, transport)
        self._opener: Callable[[], Awaitable[httpx.Response]] | None = opener
        self._chunks: AsyncIterator[bytes] | None = None
        self._interrupted = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._read_done: asyncio.Event | None = None
        self._opening: asyncio.Future[httpx.Response] | None = None  # the open in flight, for aclose() to cancel
        self._open_error: Exception | None = None  # what the open raised: raised again, never a normal end

    def _lost(self) -> StreamIncompleteError:
        where = self._endpoint.path
        return StreamIncompleteError(
            f"{where}: a read of this stream was cancelled, so events may be lost; the request is not sent again "
            "(use a new stream, or resume the run)",
            request=self._response.request if self._response is not None else None,
        )

    async def open(self) -> Self:
        """Send the request (once) and wait for the answer's headers; returns the stream."""
        resumer = self._resumer
        if resumer is None:
            return await self._open()
        try:
            return await self._open()
        except APIConnectionError:
            if await self._resume(resumer) is None:
                raise
            self._open_error = None  # resumed (or ended normally): the failed open is behind it
            return self

    async def _resume(self, resumer: Resumer) -> bool | None:
        """After a broken connection: True when the stream goes on with :meth:`Resumer.areopen`'s events, False when
        it ends normally (the events needed arrived, or ``aclose()`` came), None when the error is to be raised (also
        once the call's deadline passed)."""
        if self._closing or self._expired:
            return None
        if resumer.finished():
            return False
        successor = await resumer.areopen()
        if successor is None:
            return None
        if self._closing:  # aclose() came while reconnecting
            await successor.aclose()
            return False
        self._adopt(successor)
        self._chunks, self._loop = successor._chunks, successor._loop
        return True

    async def _open(self) -> Self:
        if self._interrupted:
            raise self._lost()
        opener, self._opener = self._opener, None
        if opener is None:  # opened (or being opened, or closed) already
            return self
        if self._closing:
            self._done = self._released = True
            return self
        # The open runs as its own task so that aclose() from another task can cancel it (and only it) promptly.
        opening = self._opening = asyncio.ensure_future(opener())
        try:
            response = await opening
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if self._closing and opening.cancelled() and (current is None or not current.cancelling()):
                self._done = self._released = True  # aclose() cancelled the open: a clean end, nothing re-sent
                return self
            if not opening.cancel():  # it answered meanwhile: nobody reads that answer
                opening.add_done_callback(_discard_answer)
            self._interrupted = True  # the POST may be out: it must not be sent again
            raise
        except BaseException as exc:
            self._done = self._released = True
            if isinstance(exc, Exception):
                self._open_error = exc
            raise
        finally:
            self._opening = None
        self._response = response
        self._trace = trace_of(response)
        self._may_quote = self._transport.quote_check(response.request)
        self._deadline_at, self._deadline = _deadline_of(response)
        self._loop = asyncio.get_running_loop()
        json_answer = _is_json(response)
        self._chunks = _achunks(response) if not json_answer else None  # a JSON answer: read whole
        if self._closing:  # aclose() came while the headers were awaited
            await self._release()
            return self
        if json_answer:
            try:
                content = await self._read_all()
                self._json_answer(content)
            except BaseException as exc:
                await self._release(exc)
                if isinstance(exc, Exception):
                    self._open_error = exc
                raise
        return self

    async def _read_all(self) -> bytes:
        try:
            if self._deadline_at is None:
                return await self._transport.aread_json(self._endpoint, self.response)  # at most max_response_bytes
            async with asyncio.timeout(self._deadline_at - time.monotonic()):
                return await self._transport.aread_json(self._endpoint, self.response)
        except TimeoutError:
            raise self._deadline_error() from None
        except httpx.RequestError as exc:
            raise self._transport.wrap_stream_error(exc, self.response.request) from None

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> EvT_co:
        if self._pending and self._deadline_at is None and self._resumer is None and self._opener is None:  # noqa: SIM102
            if not self._interrupted and self._trace is None:  # the common case, without awaiting _next_event
                event: EvT_co = self._pending.popleft()
                return event
        if self._resumer is not None:
            return await self._next_resumed(self._resumer)
        return await self._next_event()

    async def _next_resumed(self, resumer: Resumer) -> EvT_co:
        while True:
            try:
                event = await self._next_event()
            except APIConnectionError:
                resumed = await self._resume(resumer)
                if resumed is None:
                    raise
                if not resumed:
                    raise StopAsyncIteration from None
                continue
            resumer.seen(event)
            return event

    async def _next_event(self) -> EvT_co:
        if self._interrupted:
            raise self._lost()
        if self._open_error is not None:  # the open failed (e.g. the deadline passed first): it keeps failing
            raise self._open_error
        if self._opener is not None:
            await self._open()
        while True:
            if self._deadline_at is not None and self._past_deadline():
                expired = self._deadline_error()
                await self._release(expired)
                raise expired
            if self._pending:
                event: EvT_co = self._pending.popleft()
                if self._trace is not None:
                    self._taken(self._trace, event)
                return event
            if self._deferred is not None:
                err, self._deferred = self._deferred, None
                await self._release(err)
                raise err
            if self._done or self._response is None:
                raise StopAsyncIteration
            chunk = await self._read()
            if chunk is _CLOSED:
                await self._release()
                raise StopAsyncIteration
            if chunk is None:
                if self._endpoint.terminal and not self._terminal_seen:
                    incomplete = self._incomplete()
                    await self._release(incomplete)
                    raise incomplete
                self._completed = True  # the caller reached the end
                await self._release()
                raise StopAsyncIteration
            assert isinstance(chunk, bytes)
            self._feed(chunk)

    async def _read(self) -> bytes | object | None:
        if self._closing or self._done or self._chunks is None:
            return _CLOSED
        self._reading = True
        try:
            if self._deadline_at is None:
                return await self._chunks.__anext__()
            async with asyncio.timeout(self._deadline_at - time.monotonic()):
                return await self._chunks.__anext__()
        except StopAsyncIteration:
            return None
        except TimeoutError as exc:
            if self._closing:
                return _CLOSED
            err = self._read_error(exc)  # the deadline's, once it passed
            await self._release(err)
            if err is exc:
                raise
            raise err from None
        except asyncio.CancelledError as exc:
            if not self._closing:
                self._interrupted = True
            await self._release(exc)
            raise
        except Exception as exc:
            if self._closing:
                return _CLOSED
            err = self._read_error(exc)
            await self._release(err)
            if err is exc:
                raise
            raise err from None
        finally:
            self._reading = False
            if self._read_done is not None:
                self._read_done.set()

    async def _release(self, exc: BaseException | None = None) -> None:
        self._done = True
        if self._released:
            return
        self._released = True
        self._stopped(exc)
        if self._response is not None:
            await self._response.aclose()

    async def aclose(self) -> None:
        """Stop the stream and release its connection. From another task, the iterating task ends cleanly."""
        self._closing = True
        self._pending.clear()
        opening = self._opening
        if opening is not None and not opening.done():  # the headers are awaited (in another task): stop waiting
            opening.cancel()
            await asyncio.wait({opening}, timeout=5.0)  # it releases its connection as it is cancelled
        if self._reading and self._response is not None and _interrupt(self._response):
            self._read_done = done = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), 5.0)  # the reader wakes at once (its socket is shut down)
        await self._release()

    close = aclose
    """Same as :meth:`aclose`."""

    def __del__(self) -> None:
        response = getattr(self, "_response", None)
        if response is None or getattr(self, "_released", True):
            return
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(Exception):
            self._stopped(None)
            try:
                running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                _spawn(_quiet_aclose(response))
            elif loop.is_running():
                loop.call_soon_threadsafe(lambda: _spawn(_quiet_aclose(response)))

    def __await__(self) -> Generator[Any, None, Self]:
        return self.open().__await__()

    async def __aenter__(self) -> Self:
        return await self.open()

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


_FILENAME_STAR = re.compile(r"filename\*\s*=\s*([^']*)'[^']*'([^;]+)", re.I)
_FILENAME = re.compile(r'filename\s*=\s*"?([^";]+)"?', re.I)
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f<>:"|?*\u2028\u2029\u202a-\u202e\u2066-\u2069]')


def _safe_filename(name: str) -> str | None:
    """A base name safe to join to a directory: the last path component (``/`` and ``\\`` both separate), without
    control, bidi-override or Windows-reserved characters, never ``.``/``..``, at most 255 bytes; None if nothing
    is left."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("", base).strip().rstrip(".")
    if base in ("", ".", ".."):
        return None
    while len(base.encode()) > 255:
        base = base[:-1]
    return base


class _BinaryBase:
    def __init__(self, response: httpx.Response, transport: Transport | None = None) -> None:
        self.response = response
        self._transport = transport
        self._deadline_at, self._deadline = _deadline_of(response)

    def _left(self) -> float:
        """Seconds before the deadline (reading the answer counts in the call); APITimeoutError when none."""
        assert self._deadline_at is not None
        left = self._deadline_at - time.monotonic()
        if left <= 0:
            raise self._expired()
        return left

    def _expired(self) -> APITimeoutError:
        request = self.response.request
        return deadline_error(f"{request.method} {request.url.path}", self._deadline, request)

    def _broken(self, exc: httpx.RequestError) -> APIConnectionError:
        """The typed error for a body cut by a reset or a read timeout (read after the call returned: not retried)."""
        if self._deadline_at is not None and time.monotonic() >= self._deadline_at - DEADLINE_SLACK:
            return self._expired()
        if self._transport is not None:
            return self._transport.wrap_stream_error(exc, self.response.request)
        cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
        return cls(f"{type(exc).__name__}: the binary answer was cut", request=self.response.request)

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers

    @property
    def content_type(self) -> str | None:
        value: str | None = self.response.headers.get("content-type")
        return value

    @property
    def request_id(self) -> str | None:
        return _request_id(self.response.headers)

    @property
    def filename(self) -> str | None:
        """The file name from ``Content-Disposition`` as a safe base name (no directory part, no ``..``, no control
        characters), or None when the server sent none (or nothing usable). The raw header is in ``headers``."""
        disposition = self.response.headers.get("content-disposition", "")
        star = _FILENAME_STAR.search(disposition)
        if star:
            charset = star.group(1).strip() or "utf-8"
            try:
                raw = unquote(star.group(2).strip().strip('"'), encoding=charset, errors="replace")
            except LookupError:  # an unknown charset
                raw = unquote(star.group(2).strip().strip('"'), errors="replace")
            return _safe_filename(raw)
        plain = _FILENAME.search(disposition)
        return _safe_filename(plain.group(1)) if plain else None

    def _target(self, path: str | os.PathLike[str]) -> str:
        """``path``, or inside it (under :attr:`filename`, else ``download``) when it is a directory."""
        target = os.fspath(path)
        if os.path.isdir(target):
            return os.path.join(target, self.filename or "download")
        return target


class BinaryResponse(_BinaryBase):
    """A binary answer (a file preview, audio, a zip), not yet read: ``read()`` it, ``iter_bytes()`` it or
    ``write_to(path)`` it (streamed, never held in memory). Always closes its response; usable with ``with``."""

    def read(self) -> bytes:
        if self._deadline_at is not None:
            return b"".join(self.iter_bytes())
        try:
            return self.response.read()
        except httpx.RequestError as exc:
            raise self._broken(exc) from None
        finally:
            self.response.close()

    def iter_bytes(self, chunk_size: int | None = 65536) -> Iterator[bytes]:
        try:
            if self._deadline_at is None:
                yield from self.response.iter_bytes(chunk_size)
                return
            self._left()
            buffer = b""
            for piece in self.response.iter_bytes():  # as they arrive: the deadline is checked between reads
                self._left()  # (each read is bounded by the attempt's timeouts)
                buffer += piece
                while chunk_size and len(buffer) >= chunk_size:
                    yield buffer[:chunk_size]
                    buffer = buffer[chunk_size:]
                if not chunk_size and buffer:
                    yield buffer
                    buffer = b""
            if buffer:
                yield buffer
        except httpx.RequestError as exc:
            raise self._broken(exc) from None
        finally:
            self.response.close()

    def write_to(self, path: str | os.PathLike[str]) -> int:
        """Stream the body to ``path`` (a file), or into ``path`` under :attr:`filename` when ``path`` is a directory;
        return the number of bytes written."""
        written = 0
        with open(self._target(path), "wb") as out:
            for chunk in self.iter_bytes():
                out.write(chunk)
                written += len(chunk)
        return written

    def close(self) -> None:
        self.response.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class AsyncBinaryResponse(_BinaryBase):
    """Async twin of :class:`BinaryResponse`."""

    async def read(self) -> bytes:
        try:
            if self._deadline_at is None:
                return await self.response.aread()
            async with asyncio.timeout(self._left()):
                return await self.response.aread()
        except TimeoutError:
            raise self._expired() from None
        except httpx.RequestError as exc:
            raise self._broken(exc) from None
        finally:
            await self.response.aclose()

    async def iter_bytes(self, chunk_size: int | None = 65536) -> AsyncIterator[bytes]:
        try:
            if self._deadline_at is None:
                async for chunk in self.response.aiter_bytes(chunk_size):
                    yield chunk
                return
            chunks = self.response.aiter_bytes(chunk_size)
            while True:
                try:
                    async with asyncio.timeout(self._left()):
                        chunk = await chunks.__anext__()
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    raise self._expired() from None
                yield chunk
        except httpx.RequestError as exc:
            raise self._broken(exc) from None
        finally:
            await self.response.aclose()

    async def write_to(self, path: str | os.PathLike[str]) -> int:
        """Async twin of :meth:`BinaryResponse.write_to`."""
        written = 0
        with open(self._target(path), "wb") as out:  # noqa: ASYNC230 - local file writes of streamed chunks
            async for chunk in self.iter_bytes():
                out.write(chunk)
                written += len(chunk)
        return written

    async def close(self) -> None:
        await self.response.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
