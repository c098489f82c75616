"""Typed SSE streams and binary answers, sync and async. Both always close their HTTP response."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar
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
    StreamIncompleteError,
    error_class_for_code,
    scrub_strings,
)
from .events import ErrorEvent
from .hooks import CallTrace, trace_of

if TYPE_CHECKING:
    from ._transport import Transport

__all__ = ["AsyncBinaryResponse", "AsyncStream", "BinaryResponse", "Stream"]

EvT = TypeVar("EvT")


def _request_id(headers: httpx.Headers) -> str | None:
    value: str | None = headers.get("x-request-id") or headers.get("x-trace-id")
    return value


class _StreamBase(Generic[EvT]):
    _response: httpx.Response | None

    def __init__(self, endpoint: Endpoint[Any, Any], transport: Transport) -> None:
        self._endpoint = endpoint
        self._transport = transport
        self._decoder = SSEDecoder()
        self._adapter = endpoint.adapter()
        self._terminal_seen = False
        self._response = None
        self._trace: CallTrace | None = None

    @property
    def response(self) -> httpx.Response:
        if self._response is None:
            raise RuntimeError("the stream is not open yet")
        return self._response

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers

    @property
    def request_id(self) -> str | None:
        return _request_id(self.response.headers)

    def _events_of(self, chunk: bytes) -> Iterator[EvT]:
        try:
            frames = self._decoder.feed(chunk)
        except UnicodeDecodeError:
            raise self._invalid_utf8() from None
        for frame in frames:
            event = self._parse(frame)
            if event is not None:
                yield event
        if self._decoder.error is not None:  # the events complete before the bad bytes were delivered first
            raise self._invalid_utf8() from None

    def _invalid_utf8(self) -> APIResponseValidationError:
        return APIResponseValidationError(
            f"{self._endpoint.path}: the stream sent invalid UTF-8", status_code=self.status_code,
            request=self.response.request,
        )  # fmt: skip

    def _parse(self, frame: ServerSentEvent) -> EvT | None:
        if frame.event == "ping" or not frame.data.strip():
            return None
        try:
            event: Any = self._adapter.validate_json(frame.data)
        except ValidationError as exc:
            raise APIResponseValidationError(
                f"{self._endpoint.path}: unexpected event: {validation_message(exc)}",
                body=self._transport.scrub(frame.data[:4096], self.response.request), status_code=self.status_code,
                request=self.response.request,
            ) from None  # fmt: skip
        name = getattr(event, "event", "")
        if name == "ping":
            return None
        if isinstance(event, ErrorEvent):
            raise self._error(event)
        if name in self._endpoint.terminal:
            self._terminal_seen = True
        if self._trace is not None:
            self._trace.stream_event(event)
        return event  # type: ignore[no-any-return]

    def _stopped(self, exc: BaseException | None) -> None:
        """Tell the hooks the stream ended (completed, left early, or ``exc``); only the first call counts."""
        trace = self._trace or (trace_of(self._response) if self._response is not None else None)
        if trace is not None:
            trace.stream_finished(exc, self._terminal_seen)

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

    def _end(self) -> None:
        if self._endpoint.terminal and not self._terminal_seen:
            raise StreamIncompleteError(
                f"{self._endpoint.path}: the stream closed before its final event "
                f"({', '.join(sorted(self._endpoint.terminal))})",
                request=self.response.request,
            )


class Stream(_StreamBase[EvT]):
    """A typed event stream: iterate it (``for event in stream``), use it as a context manager, or ``close()`` it.

    Pings are skipped; unknown events arrive as ``StreamEvent``; an ``error`` event raises its typed error; a stream
    that closes before its final event raises ``StreamIncompleteError``; a broken connection ``APIConnectionError``.
    """

    def __init__(self, response: httpx.Response, endpoint: Endpoint[Any, Any], transport: Transport) -> None:
        super().__init__(endpoint, transport)
        self._response = response
        self._iterator = self._iterate()

    def _iterate(self) -> Generator[EvT, None, None]:
        response = self.response
        self._trace = trace_of(response)
        try:
            try:
                for chunk in response.iter_bytes():
                    yield from self._events_of(chunk)
            except httpx.RequestError as exc:
                raise self._transport.wrap_stream_error(exc, response.request) from None
            self._end()
        except BaseException as exc:
            self._stopped(exc)
            raise
        finally:
            self._stopped(None)
            response.close()

    def __iter__(self) -> Iterator[EvT]:
        return self

    def __next__(self) -> EvT:
        return next(self._iterator)

    def close(self) -> None:
        self._iterator.close()
        self._stopped(None)
        self.response.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class AsyncStream(_StreamBase[EvT]):
    """Async twin of :class:`Stream`. Opens on first use: ``async for event in ...astream(req)``,
    ``async with ...astream(req) as stream`` or ``stream = await ...astream(req)`` all work."""

    def __init__(
        self, opener: Callable[[], Awaitable[httpx.Response]], endpoint: Endpoint[Any, Any], transport: Transport
    ) -> None:
        super().__init__(endpoint, transport)
        self._opener = opener
        self._iterator: AsyncIterator[EvT] | None = None
        self._closed = False

    async def open(self) -> Self:
        if self._response is None:
            if self._closed:
                raise RuntimeError("the stream is closed")
            self._response = await self._opener()
            self._iterator = self._iterate()
        return self

    async def _iterate(self) -> AsyncIterator[EvT]:
        response = self.response
        self._trace = trace_of(response)
        try:
            try:
                async for chunk in response.aiter_bytes():
                    for event in self._events_of(chunk):
                        yield event
            except httpx.RequestError as exc:
                raise self._transport.wrap_stream_error(exc, response.request) from None
            self._end()
        except BaseException as exc:
            self._stopped(exc)
            raise
        finally:
            self._stopped(None)
            await response.aclose()

    def __aiter__(self) -> AsyncIterator[EvT]:
        return self

    async def __anext__(self) -> EvT:
        await self.open()
        assert self._iterator is not None
        return await self._iterator.__anext__()

    async def close(self) -> None:
        self._closed = True
        if self._iterator is not None:
            await self._iterator.aclose()  # type: ignore[attr-defined]
        if self._response is not None:
            self._stopped(None)
            await self._response.aclose()

    def __await__(self) -> Generator[Any, None, Self]:
        return self.open().__await__()

    async def __aenter__(self) -> Self:
        return await self.open()

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


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

    def _broken(self, exc: httpx.RequestError) -> APIConnectionError:
        """The typed error for a body cut by a reset or a read timeout (read after the call returned: not retried)."""
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
        try:
            return self.response.read()
        except httpx.RequestError as exc:
            raise self._broken(exc) from None
        finally:
            self.response.close()

    def iter_bytes(self, chunk_size: int | None = 65536) -> Iterator[bytes]:
        try:
            yield from self.response.iter_bytes(chunk_size)
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
            return await self.response.aread()
        except httpx.RequestError as exc:
            raise self._broken(exc) from None
        finally:
            await self.response.aclose()

    async def iter_bytes(self, chunk_size: int | None = 65536) -> AsyncIterator[bytes]:
        try:
            async for chunk in self.response.aiter_bytes(chunk_size):
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
