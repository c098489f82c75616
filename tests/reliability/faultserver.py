"""Fault servers on 127.0.0.1 that we control byte by byte.

:class:`FaultServer` is a raw HTTP/1.1 server (asyncio, in its own thread, random port) that reads each request
completely, records it (:class:`Seen`) and then performs the :class:`Act` its script gives for that request number:
answer, answer partially, send nothing, close, reset (RST) or stall. Every wait inside it is bounded
(:data:`STALL_MAX`), so a client that hangs can be detected rather than hanging the suite.

:class:`Blackhole` is a listening socket whose accept queue is full: a connect to it neither succeeds nor is refused
(the kernel drops the SYN), which is how a connect timeout looks from the client.

:class:`Refused` is a port on which nothing listens.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

STALL_MAX = 5.0
"""The longest any fault server waits for anything; longer than every SDK timeout used with it."""

Then = Literal["keep", "close", "reset", "stall", "trickle"]


@dataclass(frozen=True)
class Seen:
    """One request as it arrived on the wire."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    at: float
    connection: int

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


Body = bytes | Callable[[Seen], bytes]


@dataclass(frozen=True)
class Act:
    """What the server does with one request.

    ``status=None`` sends no status line at all (then ``then`` says what happens: ``stall`` is a silent server,
    ``reset`` an RST, ``close`` a FIN). ``framing``: ``length`` (a content-length), ``chunked`` (transfer-encoding;
    ``then="keep"`` ends it properly), ``declared`` (a content-length of ``declared`` bytes of which only ``body`` is
    sent: a body cut mid-way). After the bytes: ``keep`` the connection alive, ``close`` it, ``reset`` it,
    ``stall`` (send nothing more until the client goes away or :data:`STALL_MAX` passes), or ``trickle`` (send
    ``drip`` every 50 ms, as a chunk when chunked, until the client goes away or :data:`STALL_MAX` passes: a body
    that never ends, each read answered in time).
    """

    status: int | None = 200
    body: Body = b""
    headers: tuple[tuple[str, str], ...] = (("content-type", "application/json"),)
    framing: Literal["length", "chunked", "declared"] = "length"
    declared: int = 0
    then: Then = "keep"
    label: str = ""
    drip: bytes = b" "


SILENT = Act(status=None, then="stall", label="silent")
RESET = Act(status=None, then="reset", label="reset")
CLOSE = Act(status=None, then="close", label="close")


class FaultServer:
    """A real HTTP/1.1 server on 127.0.0.1 answering request number ``n`` (0-based, over all connections) with
    ``script[min(n, len(script) - 1)]``, or with ``script(seen, n)`` when the script is a function."""

    def __init__(
        self,
        script: Sequence[Act] | Callable[[Seen, int], Act],
        *,
        ssl_context: ssl.SSLContext | None = None,
        backlog: int = 1024,
    ) -> None:
        self._script = script
        self._ssl = ssl_context
        self._backlog = backlog
        self.seen: list[Seen] = []
        self.handshakes = 0
        self.open_connections = 0
        self.connections = 0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="fault-server")
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._stopping: asyncio.Event | None = None
        self.port = 0
        self.errors: list[BaseException] = []

    # ---- lifecycle ----------------------------------------------------------------------------------------------

    def __enter__(self) -> FaultServer:
        self._thread.start()
        if not self._ready.wait(5):
            raise RuntimeError("fault server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        fut = asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
        with contextlib.suppress(Exception):
            fut.result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        scheme = "https" if self._ssl else "http"
        return f"{scheme}://127.0.0.1:{self.port}/v1"

    def wait_closed(self, timeout: float = 2.0) -> bool:
        """Wait (bounded) until the client has closed every connection; True when it did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.open_connections == 0:
                return True
            time.sleep(0.01)
        return self.open_connections == 0

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _start(self) -> None:
        self._stopping = asyncio.Event()
        self._server = await asyncio.start_server(
            self._connection, "127.0.0.1", 0, ssl=self._ssl, backlog=self._backlog, limit=1 << 20
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _shutdown(self) -> None:
        assert self._stopping is not None and self._server is not None
        self._stopping.set()
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # ---- one connection -----------------------------------------------------------------------------------------

    def _act_for(self, seen: Seen, index: int) -> Act:
        script = self._script
        if callable(script):
            return script(seen, index)
        return script[min(index, len(script) - 1)]

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._lock:
            self.open_connections += 1
            self.connections += 1
            number = self.connections
        if self._ssl is not None:
            self.handshakes += 1
        self._writers.add(writer)
        writer.transport.set_write_buffer_limits(high=1 << 16)
        try:
            while True:
                seen = await _read_request(reader, number)
                if seen is None:
                    break
                with self._lock:
                    index = len(self.seen)
                    self.seen.append(seen)
                keep = await self._perform(self._act_for(seen, index), seen, reader, writer)
                if not keep:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ssl.SSLError, OSError):
            pass
        except asyncio.CancelledError:
            pass
        except BaseException as exc:  # a bug in the fault server itself: surface it to the test
            self.errors.append(exc)
        finally:
            self._writers.discard(writer)
            if not writer.transport.is_closing():
                writer.transport.abort()
            with self._lock:
                self.open_connections -= 1

    async def _perform(self, act: Act, seen: Seen, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        if act.status is not None:
            body = act.body(seen) if callable(act.body) else act.body
            head = [f"HTTP/1.1 {act.status} {_reason(act.status)}"]
            head += [f"{k}: {v}" for k, v in act.headers]
            if act.framing == "chunked":
                head.append("transfer-encoding: chunked")
            elif act.framing == "declared":
                head.append(f"content-length: {act.declared}")
            else:
                head.append(f"content-length: {len(body)}")
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
            if act.framing == "chunked":
                for start in range(0, len(body), 1 << 16):
                    piece = body[start : start + (1 << 16)]
                    writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    await writer.drain()
                if act.then == "keep":
                    writer.write(b"0\r\n\r\n")
            else:
                for start in range(0, len(body), 1 << 16):
                    writer.write(body[start : start + (1 << 16)])
                    await writer.drain()
            await writer.drain()
        if act.then == "keep":
            return True
        if act.then == "stall":
            await self._stall(reader)
            return False
        if act.then == "trickle":
            await self._trickle(act, writer)
            return False
        if act.then == "reset":
            await asyncio.sleep(0.02)  # let the bytes already written reach the client before the RST
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        writer.close()  # "close": an orderly FIN
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 1.0)
        return False

    async def _trickle(self, act: Act, writer: asyncio.StreamWriter) -> None:
        """Send ``act.drip`` every 50 ms until the client goes away (a write fails) or STALL_MAX passes."""
        assert self._stopping is not None
        piece = b"%x\r\n%s\r\n" % (len(act.drip), act.drip) if act.framing == "chunked" else act.drip
        deadline = time.monotonic() + STALL_MAX
        while time.monotonic() < deadline and not self._stopping.is_set():
            await asyncio.sleep(0.05)
            if writer.transport.is_closing():
                return
            writer.write(piece)
            await writer.drain()

    async def _stall(self, reader: asyncio.StreamReader) -> None:
        """Send nothing until the client closes the connection (EOF) or STALL_MAX passes."""
        assert self._stopping is not None
        deadline = time.monotonic() + STALL_MAX
        while (left := deadline - time.monotonic()) > 0 and not self._stopping.is_set():
            try:
                data = await asyncio.wait_for(reader.read(65536), left)
            except (TimeoutError, ConnectionError):
                return
            if not data:
                return


async def _read_request(reader: asyncio.StreamReader, connection: int) -> Seen | None:
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = raw.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(parts)
    else:
        length = int(headers.get("content-length") or 0)
        body = await reader.readexactly(length) if length else b""
    return Seen(method, target, headers, body, time.monotonic(), connection)


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


@dataclass
class Blackhole:
    """A listener whose accept queue is full: new connects get no answer at all (a connect timeout)."""

    port: int = 0
    _listener: socket.socket | None = None
    _fillers: list[socket.socket] = field(default_factory=list)

    def __enter__(self) -> Blackhole:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        self._listener = listener
        self.port = listener.getsockname()[1]
        # Fill the accept queue until a connect no longer completes (bounded: at most 16 tries of 0.2 s).
        for _ in range(16):
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            probe.settimeout(0.2)
            try:
                probe.connect(("127.0.0.1", self.port))
            except OSError:
                probe.close()
                return self
            self._fillers.append(probe)
        raise RuntimeError("could not fill the accept queue of a listen(0) socket")

    def __exit__(self, *exc: object) -> None:
        for sock in self._fillers:
            sock.close()
        if self._listener is not None:
            self._listener.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


class Refused:
    """A port on 127.0.0.1 that refuses connections while this is open: bound, never listening. Held, so that no
    server started meanwhile (a parallel cell's, binding port 0) can be given it: a released port could be, and a
    call meant to be refused then reached that other server."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> Refused:
        return self

    def __exit__(self, *_: object) -> None:
        self._sock.close()
