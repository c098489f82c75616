"""The connection pools a :class:`~dify_oapi.Client` sends through, shareable between clients.

:class:`Pools` owns one sync ``httpx.Client`` (created once, on first use, under a lock) and one ``httpx.AsyncClient``
per live event loop (connections belong to the loop that opened them). A derived client
(``client.with_options(...)``) references its parent's :class:`Pools` without owning it: closing it leaves them
open. Closing the owner closes every client the pools created, whatever loop it belongs to.

An async client is tied to its loop's life: when a loop ends through ``asyncio.run`` (or
``loop.shutdown_asyncgens()``), its client is closed inside that loop, so nothing is left for the garbage collector
(no ``ResourceWarning``). The async clients send through httpx's own transport (``async_backend="httpx"``) or through
aiohttp (``"aiohttp"``, see :mod:`dify_oapi.core._aiohttp`, imported only then). After ``os.fork()`` the child never reuses the parent's pooled connections: every
:class:`Pools` drops what it inherited (``os.register_at_fork``).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import threading
import weakref
from collections.abc import AsyncGenerator, Coroutine
from typing import Any, Literal

import httpx

from .errors import ClientClosedError, InvalidRequestError, MissingExtraError

__all__ = ["ASYNC_BACKENDS", "AsyncBackend", "Pools", "check_async_backend"]

AsyncBackend = Literal["httpx", "aiohttp"]
ASYNC_BACKENDS: tuple[AsyncBackend, ...] = ("httpx", "aiohttp")
AIOHTTP_MISSING = (
    'async_backend="aiohttp" needs the aiohttp extra, which is not installed: pip install ".[aiohttp]" from the '
    'dify-oapi checkout (or "dist/dify_oapi-<version>-py3-none-any.whl[aiohttp]"), or pip install "aiohttp>=3.10"'
)

CLOSE_WAIT = 5.0
"""The longest ``close()`` waits for another thread's event loop to close that loop's async client."""

LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=100)
"""The aiohttp backend's pool (its connector looks up a free connection in O(1))."""
HTTPX_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=20)
"""The httpx clients' pool: up to 1000 connections, 20 kept alive (httpx's default). httpcore scans every pooled
connection for each request, so 100 idle ones kept alive made 100 concurrent calls about 3x slower than httpx's
defaults (benchmarks/RESULTS.md, concurrency row)."""


async def _holder(client: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    """Parked at its ``yield`` for the life of a loop: the loop closes it (and so ``client``) when it shuts down its
    async generators (``asyncio.run`` does), and so does :meth:`Pools.close`."""
    try:
        yield
    finally:
        await client.aclose()


class _LoopClient:
    __slots__ = ("client", "holder")

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.holder = _holder(client)


class Pools:
    """One sync httpx client and one async httpx client per event loop; see the module docstring."""

    def __init__(
        self,
        *,
        timeout: httpx.Timeout,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        trust_env: bool = True,
        async_backend: AsyncBackend = "httpx",
    ) -> None:
        self._timeout = timeout
        self._trust_env = trust_env
        self.async_backend = check_async_backend(async_backend)
        if async_backend != "httpx" and async_http_client is not None:
            raise InvalidRequestError(
                "async_backend and async_http_client exclude each other: the given httpx.AsyncClient has its own "
                "transport"
            )
        self._given = http_client
        self._agiven = async_http_client
        self._sync: httpx.Client | None = None
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopClient] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self._closing: set[asyncio.Task[None]] = set()
        self._closed = False
        self._wakers: weakref.WeakSet[threading.Event] = weakref.WeakSet()
        _ALL.add(self)

    # ---- construction (one place each: a backend plugs in here) -------------------------------------------------

    def client_kwargs(self) -> dict[str, Any]:
        return {
            "timeout": self._timeout,
            "follow_redirects": False,
            "limits": HTTPX_LIMITS,
            "trust_env": self._trust_env,
        }

    def new_client(self) -> httpx.Client:
        return httpx.Client(**self.client_kwargs())

    def new_async_client(self) -> httpx.AsyncClient:
        if self.async_backend == "aiohttp":
            from ._aiohttp import AiohttpTransport

            transport = AiohttpTransport(limits=LIMITS, trust_env=self._trust_env)
            return httpx.AsyncClient(
                timeout=self._timeout, follow_redirects=False, trust_env=self._trust_env, transport=transport
            )
        return httpx.AsyncClient(**self.client_kwargs())

    # ---- access ---------------------------------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    def sync(self) -> httpx.Client:
        """The sync client (created on the first call, once even when threads race for it)."""
        if self._given is not None:
            if self._given.is_closed:
                raise ClientClosedError("the httpx.Client given to this Client is closed")
            return self._given
        client = self._sync
        if client is None:
            with self._lock:
                if self._closed:
                    raise ClientClosedError("this Client is closed")
                client = self._sync
                if client is None:
                    client = self._sync = self.new_client()
        if self._closed:
            raise ClientClosedError("this Client is closed")
        return client

    async def async_(self) -> httpx.AsyncClient:
        """The async client of the running event loop (created on its first call in that loop)."""
        if self._agiven is not None:
            if self._agiven.is_closed:
                raise ClientClosedError("the httpx.AsyncClient given to this Client is closed")
            return self._agiven
        loop = asyncio.get_running_loop()
        entry = self._loops.get(loop)
        if entry is None:
            with self._lock:
                if self._closed:
                    raise ClientClosedError("this Client is closed")
                stale = [(lp, e) for lp, e in self._loops.items() if lp.is_closed()]
                for lp, _ in stale:
                    del self._loops[lp]
                entry = self._loops.get(loop)
                created = entry is None
                if entry is None:
                    entry = self._loops[loop] = _LoopClient(self.new_async_client())
            if created:
                # Parks the holder at its yield; registers it with this loop's async-generator shutdown.
                await entry.holder.__anext__()
        if self._closed:
            raise ClientClosedError("this Client is closed")
        return entry.client

    def current(self) -> httpx.Client | None:
        """The sync client if one was created or given (for tests and diagnostics)."""
        return self._given or self._sync

    def async_clients(self) -> list[httpx.AsyncClient]:
        """The async clients currently open, one per live loop (for tests and diagnostics)."""
        with self._lock:
            return [e.client for e in self._loops.values()]

    # ---- closing -------------------------------------------------------------------------------------------------

    def on_close(self, event: threading.Event) -> None:
        """Set ``event`` when these pools close (wakes a sender sleeping before a retry)."""
        self._wakers.add(event)

    def _take(self) -> tuple[httpx.Client | None, list[tuple[asyncio.AbstractEventLoop, _LoopClient]]]:
        with self._lock:
            self._closed = True
            sync, self._sync = self._sync, None
            entries = list(self._loops.items())
            self._loops.clear()
            wakers = list(self._wakers)
        for event in wakers:
            event.set()
        return sync, entries

    def close(self) -> None:
        """Close every client these pools created (never the ones they were given), from any thread."""
        sync, entries = self._take()
        if sync is not None:
            sync.close()
        for loop, entry in entries:
            self._close_elsewhere(loop, entry)

    async def aclose(self) -> None:
        sync, entries = self._take()
        if sync is not None:
            sync.close()
        running = asyncio.get_running_loop()
        for loop, entry in entries:
            if loop is running:
                await _aclose(entry)
            else:
                await asyncio.to_thread(self._close_elsewhere, loop, entry)

    def _close_elsewhere(self, loop: asyncio.AbstractEventLoop, entry: _LoopClient) -> None:
        """Close ``entry`` in its own loop: scheduled when that loop is this thread's running loop, awaited (bounded)
        when another thread runs it, run to completion when the loop is idle. A closed loop already closed it."""
        if loop.is_closed() or entry.client.is_closed:
            return
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is running:
            task = loop.create_task(_aclose(entry))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
        elif loop.is_running():
            future = asyncio.run_coroutine_threadsafe(_aclose(entry), loop)
            with contextlib.suppress(Exception):
                future.result(timeout=CLOSE_WAIT)
        else:
            _run_idle(loop, _aclose(entry))

    # ---- fork ----------------------------------------------------------------------------------------------------

    def _after_fork_in_child(self) -> None:
        """Forget every connection inherited from the parent: the child opens its own."""
        self._lock = threading.Lock()  # another thread of the parent may have held it at fork time
        for client in (self._sync, self._given):
            if client is not None:
                _drop_connections(client)
        self._sync = None  # a fresh client: the old pool's own lock may be held too
        if self._loops:
            # The parent's loops do not run here; their clients must not be finalised here either (that would
            # schedule work on a loop object shared with the parent): keep them, unused, for the child's life.
            _INHERITED.extend(self._loops.values())
            self._loops = weakref.WeakKeyDictionary()


def check_async_backend(name: object) -> AsyncBackend:
    """``name`` when it is a known backend whose dependencies are installed: InvalidRequestError for an unknown
    name, MissingExtraError when the aiohttp extra is missing (aiohttp is imported here, only when chosen)."""
    if name == "httpx":
        return "httpx"
    if name == "aiohttp":
        try:
            importlib.import_module(f"{__package__}._aiohttp")
        except ImportError:
            raise MissingExtraError(AIOHTTP_MISSING, name="aiohttp") from None
        return "aiohttp"
    raise InvalidRequestError(f"unknown async_backend {name!r}: use one of {', '.join(map(repr, ASYNC_BACKENDS))}")


async def _aclose(entry: _LoopClient) -> None:
    await entry.holder.aclose()
    await entry.client.aclose()  # the holder never started when its first step was interrupted


def _run_idle(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, None]) -> None:
    """Run ``coro`` on ``loop`` (alive, not running); in a helper thread when this thread already runs a loop."""

    def run() -> None:
        with contextlib.suppress(Exception):
            loop.run_until_complete(coro)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        run()
        return
    helper = threading.Thread(target=run, name="dify-oapi-close", daemon=True)
    helper.start()
    helper.join(CLOSE_WAIT)


def _drop_connections(client: httpx.Client) -> None:
    """Close the sockets of the pooled connections in this process (the child's copies of the file descriptors:
    the parent's connections stay intact; HTTP/1.1 closes send nothing). No pool lock is taken."""
    pool: Any = getattr(client._transport, "_pool", None)  # pyright: ignore[reportPrivateUsage]
    for connection in list(getattr(pool, "connections", None) or ()):
        with contextlib.suppress(Exception):
            connection.close()


_ALL: weakref.WeakSet[Pools] = weakref.WeakSet()
_INHERITED: list[_LoopClient] = []


def _after_fork_in_child() -> None:
    for pools in list(_ALL):
        pools._after_fork_in_child()  # pyright: ignore[reportPrivateUsage]


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
