"""The ``aiohttp`` async backend: an ``httpx.AsyncBaseTransport`` that sends through one ``aiohttp.ClientSession``.

``Client(async_backend="aiohttp")`` (the ``dify-oapi[aiohttp]`` extra) gives each event loop's ``httpx.AsyncClient``
this transport instead of httpx's own: the SDK above it (retries, timeouts, errors, streams, uploads, keys) is the
same code; only the connection pool and the HTTP/1.1 parser are aiohttp's, which hold up under many concurrent calls
on one client where httpx's pool does not (encode/httpx#3215). Imported only when that backend is chosen.

Errors are mapped so that the retry rule (core/retry.py) stays exact: only a failure to *connect* (nothing was sent)
becomes a connect-class httpx error; anything after the connection was made (a reset, a disconnect, a cut body) is a
read-class error, never retried for a POST the server may have acted on.

=========================================  =====================================================
aiohttp                                     httpx
=========================================  =====================================================
``ConnectionTimeoutError`` (connecting)     ``ConnectTimeout``
``ClientConnectorError`` (refused, DNS,     ``ConnectError``
TLS handshake, proxy unreachable)
the pool full for ``timeout.pool`` s        ``PoolTimeout`` (the SDK's own wait, before aiohttp)
``SocketTimeoutError`` / a read timeout     ``ReadTimeout``
``ServerDisconnectedError``,                ``RemoteProtocolError``
``ClientPayloadError`` (a cut body),
a malformed answer
``ClientOSError`` after connecting          ``ReadError``
=========================================  =====================================================

Timeouts per request (``request.extensions["timeout"]``): ``connect`` bounds DNS + TCP (+ TLS) connect, ``read``
the wait for the headers and between two body chunks, ``pool`` the wait for a free connection. aiohttp has no write
timeout: a request body being sent is bounded by the read timeout of the answer that follows and by
``RequestOption.deadline``. Bodies stream both ways: the answer's chunks are handed over as they arrive (SSE,
downloads), a request body that httpx streams (a multipart upload from a path) is sent chunk by chunk.

A pooled connection the server closed while the loop was not running is dropped, not reused: each request first
lets the loop run twice, so that the close is seen (httpcore checks an idle connection's socket the same way).

``trust_env``: the SDK reads ``HTTP_PROXY`` / ``HTTPS_PROXY`` / ``NO_PROXY`` (the ``urllib`` rules aiohttp applies)
when the client is created, as httpx does; ``ALL_PROXY``, SOCKS and HTTPS-scheme proxies are not supported by
aiohttp. TLS uses httpx's own context (``httpx.create_ssl_context``: certifi, ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``
when ``trust_env``). Cookies, redirects and content decoding stay httpx's (aiohttp's are off); aiohttp's own re-send
of an idempotent request on a reused connection is off too: every attempt is the SDK's, counted by ``max_retries``.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from typing import Any
from urllib.request import proxy_bypass

import aiohttp
import httpx
from aiohttp import helpers as aiohttp_helpers
from yarl import URL

from .errors import UploadChangedError

__all__ = ["AiohttpTransport"]

_NO_LIMIT = 1 << 30
_SKIP_AUTO_HEADERS = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")
"""aiohttp adds these when absent: the request carries exactly the headers httpx built."""


def _timeout_of(request: httpx.Request) -> dict[str, float | None]:
    timeout: dict[str, float | None] = request.extensions.get("timeout") or {}
    return timeout


def _error(exc: BaseException, request: httpx.Request, *, connected: bool) -> httpx.TransportError:
    """The httpx error for an aiohttp (or OS) error; ``connected``: the connection was made (bytes may be out)."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(text, request=request)
    if isinstance(exc, aiohttp.ClientConnectorError) and not connected:
        return httpx.ConnectError(text, request=request)
    if isinstance(exc, TimeoutError):  # SocketTimeoutError, ServerTimeoutError: waiting for the answer
        return httpx.ReadTimeout(text, request=request)
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError | aiohttp.ClientResponseError):
        return httpx.RemoteProtocolError(text, request=request)
    if isinstance(exc, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(text, request=request)
    return httpx.ReadError(text, request=request)


class _Body(httpx.AsyncByteStream):
    """An answer's body as aiohttp receives it (no buffering); closing it releases the connection (kept alive only
    when the body was read to its end) and the pool slot."""

    __slots__ = ("_closed", "_request", "_response", "_slot")

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request, slot: asyncio.Semaphore) -> None:
        self._response = response
        self._request = request
        self._slot = slot
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        content = self._response.content
        try:
            while True:
                chunk = await content.readany()
                if not chunk:
                    return
                yield chunk
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            self._response.close()
            raise _error(exc, self._request, connected=True) from exc

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        response = self._response
        if response.content.at_eof():
            response.release()
        else:
            response.close()  # an unread remainder: that connection is not reused
        self._slot.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx async transport over aiohttp (see the module docstring). Create it in the event loop that uses it;
    the session opens on the first request."""

    def __init__(self, *, limits: httpx.Limits, trust_env: bool = True, keepalive_expiry: float | None = 5.0) -> None:
        self._max = limits.max_connections or _NO_LIMIT
        self._slots = asyncio.Semaphore(self._max)
        self._trust_env = trust_env
        self._keepalive = keepalive_expiry
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, Any] = {}
        self._timeouts: dict[tuple[float | None, float | None], aiohttp.ClientTimeout] = {}
        self._closed = False

    # ---- the session ------------------------------------------------------------------------------------------

    def _open(self) -> aiohttp.ClientSession:
        context: ssl.SSLContext = httpx.create_ssl_context(trust_env=self._trust_env)
        connector = aiohttp.TCPConnector(
            limit=0,  # the pool is bounded by the SDK's slots (PoolTimeout), not inside aiohttp
            keepalive_timeout=self._keepalive if self._keepalive is not None else 5.0,
            ssl=context,
        )
        session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),  # httpx keeps the cookies
            skip_auto_headers=_SKIP_AUTO_HEADERS,
            auto_decompress=False,  # httpx decodes Content-Encoding
            trust_env=False,  # proxies are read once, below; netrc is never used (the SDK sends its own key)
            timeout=aiohttp.ClientTimeout(total=None),
        )
        session._retry_connection = False  # every attempt is the SDK's (max_retries)  # pyright: ignore[reportPrivateUsage]
        if self._trust_env:
            self._proxies = dict(aiohttp_helpers.proxies_from_env())
        self._session = session
        return session

    def _proxy(self, url: URL) -> tuple[URL | None, aiohttp.BasicAuth | None]:
        info = self._proxies.get(url.scheme)
        if info is None or (url.host is not None and proxy_bypass(url.host)):
            return None, None
        return info.proxy, info.proxy_auth

    def _client_timeout(self, connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
        key = (connect, read)
        timeout = self._timeouts.get(key)
        if timeout is None:
            timeout = aiohttp.ClientTimeout(total=None, connect=connect, sock_read=read)
            if len(self._timeouts) < 64:
                self._timeouts[key] = timeout
        return timeout

    # ---- sending ----------------------------------------------------------------------------------------------

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise RuntimeError("the aiohttp transport is closed")
        session = self._session or self._open()
        # Two turns of the loop before a connection is picked: a close the server sent while the loop was not running
        # (the program busy between two calls, or a close just after an answer) is seen first, and that connection is
        # dropped, not reused (a POST failing on it could not be re-sent). The first turn polls the sockets, the
        # second runs what that found. httpcore makes the same check on every idle connection it reuses.
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        timeout = _timeout_of(request)
        slots = self._slots
        if slots.locked():
            try:
                async with asyncio.timeout(timeout.get("pool")):
                    await slots.acquire()
            except TimeoutError:
                raise httpx.PoolTimeout("no free connection in time", request=request) from None
        else:
            await slots.acquire()
        try:
            return await self._send(session, request, timeout)
        except BaseException:
            slots.release()
            raise

    async def _send(
        self, session: aiohttp.ClientSession, request: httpx.Request, timeouts: dict[str, float | None]
    ) -> httpx.Response:
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in request.headers.raw
            if name.lower() != b"transfer-encoding"  # aiohttp chunks a body of unknown size itself
        ]
        data: Any
        try:
            data = request.content  # a body httpx holds whole (JSON, a form): sent as it is
        except httpx.RequestNotRead:
            data = _chunks(request)  # a streamed body (a multipart upload from a path): sent chunk by chunk
        if data == b"" and request.method in ("GET", "HEAD", "DELETE", "OPTIONS"):
            data = None
        url = URL(str(request.url), encoded=True)
        proxy, proxy_auth = self._proxy(url) if self._proxies else (None, None)
        try:
            response = await session.request(
                request.method,
                url,
                headers=headers,
                data=data,
                allow_redirects=False,
                timeout=self._client_timeout(timeouts.get("connect"), timeouts.get("read")),
                proxy=proxy,
                proxy_auth=proxy_auth,
            )
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            changed = _upload_changed(exc)
            if changed is not None:  # the body's file changed size (files.py): that error, not a broken connection
                raise changed from None
            raise _error(exc, request, connected=not isinstance(exc, aiohttp.ClientConnectorError)) from exc
        return httpx.Response(
            response.status,
            headers=[(name.decode("latin-1"), value.decode("latin-1")) for name, value in response.raw_headers],
            stream=_Body(response, request, self._slots),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": (response.reason or "").encode("latin-1")},
        )

    # ---- closing ----------------------------------------------------------------------------------------------

    async def aclose(self) -> None:
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    # ---- diagnostics ------------------------------------------------------------------------------------------

    def busy(self) -> int:
        """Answers not closed yet (each holds a connection): 0 when nothing leaked (tests, diagnostics)."""
        return self._max - self._slots._value  # pyright: ignore[reportPrivateUsage]


async def _chunks(request: httpx.Request) -> AsyncIterator[bytes]:
    stream = request.stream
    if isinstance(stream, httpx.AsyncByteStream):
        async for chunk in stream:
            yield chunk
    else:  # a sync-only stream (an iterator given as content): read between awaits, chunk by chunk
        assert isinstance(stream, httpx.SyncByteStream)
        for chunk in stream:
            yield chunk


def _upload_changed(exc: BaseException) -> UploadChangedError | None:
    """The UploadChangedError that aiohttp wrapped while writing the request body, if that is what broke it."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return None
        if isinstance(seen, UploadChangedError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
