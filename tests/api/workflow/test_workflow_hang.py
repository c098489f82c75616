"""A streaming run whose inputs the server rejects answers 200 + ping and then nothing (transcript
wf_run_streaming_missing_input). Over a real loopback socket that stalls, the stream read timeout turns that into
APITimeoutError; the run is sent once and not resumed (no run id was seen)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from types import TracebackType

import pytest

from dify_oapi import Client
from dify_oapi.api.workflow.v1.model.workflow_run import RunWorkflowRequest
from dify_oapi.core.errors import APITimeoutError
from dify_oapi.core.option import RequestOption
from tests.api.workflow._util import USER, collect, run
from tests.support import APP_KEY, transcript


class StallingServer:
    """Accepts connections on 127.0.0.1, answers each request with SSE headers and the recorded first bytes (a
    ping), then stalls until stopped (at most ``hold`` seconds)."""

    def __init__(self, first_bytes: bytes, hold: float = 5.0) -> None:
        self.first_bytes = first_bytes
        self.hold = hold
        self.requests: list[bytes] = []
        self._stop = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.05)
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}/v1"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(self.hold)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = next(
                    (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
                    0,
                )  # fmt: skip
                while len(body) < length:
                    body += conn.recv(65536)
                self.requests.append(head + b"\r\n\r\n" + body)
                chunk = self.first_bytes
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n" + f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
                )
                self._stop.wait(self.hold)  # the silence
            except OSError:
                pass

    def __enter__(self) -> StallingServer:
        self._thread.start()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()


@pytest.fixture
def server() -> Iterator[StallingServer]:
    recorded = transcript("wf_run_streaming_missing_input")
    assert recorded["meta"]["read_timed_out"] is True
    with StallingServer(recorded["response"]["body"]) as srv:
        yield srv


async def _close(mode: str, client: Client) -> None:
    if mode == "sync":
        client.close()
    else:
        await client.aclose()


def _request() -> RunWorkflowRequest:
    return RunWorkflowRequest.builder().user(USER).build()  # the required "text" input is missing


async def test_silent_stream_times_out(mode: str, server: StallingServer) -> None:
    client = Client(base_url=server.url, api_key=APP_KEY, stream_read_timeout=0.2, max_retries=3)
    with pytest.raises(APITimeoutError):
        await collect(mode, client.workflow.v1.workflow, "stream", _request())
    assert len(server.requests) == 1
    assert server.requests[0].startswith(b"POST /v1/workflows/run ")
    assert b'"response_mode":"streaming"' in server.requests[0].replace(b" ", b"")
    await _close(mode, client)


async def test_silent_stream_times_out_with_a_per_call_timeout(mode: str, server: StallingServer) -> None:
    client = Client(base_url=server.url, api_key=APP_KEY, max_retries=3)
    option = RequestOption.builder().timeout(0.2).build()
    with pytest.raises(APITimeoutError):
        await collect(mode, client.workflow.v1.workflow, "stream", _request(), option)
    assert len(server.requests) == 1
    await _close(mode, client)


async def test_silent_run_via_stream_is_not_resumed_nor_resent(mode: str, server: StallingServer) -> None:
    client = Client(base_url=server.url, api_key=APP_KEY, stream_read_timeout=0.2, max_retries=3)
    with pytest.raises(APITimeoutError):
        await run(mode, client.workflow.v1.workflow, "run_via_stream", _request())
    assert len(server.requests) == 1
    await _close(mode, client)
