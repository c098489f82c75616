"""``Client(async_backend=...)``: the choice (checked at construction, lazily imported, the missing extra named) and the
aiohttp transport over real loopback sockets (core/_aiohttp.py): each aiohttp failure as the httpx error the retry
rule expects, bodies streamed both ways, the same request on the wire as httpx's, nothing left open.

The whole async suite over sockets also runs on this backend (tests/conftest.py); the fault matrix has an aiohttp
column (tests/reliability/matrix.py)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

import httpx
import pytest

from dify_oapi import Client, InvalidRequestError, MissingExtraError
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.api.dify.v1.model.file import UploadFileRequest
from dify_oapi.core._aiohttp import AiohttpTransport
from dify_oapi.core._pools import LIMITS
from tests.reliability.faultserver import CLOSE, RESET, SILENT, Act, Blackhole, FaultServer, Refused
from tests.reliability.matrix import CLIENT_KEY, ok, sse

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.filterwarnings("error::ResourceWarning")


# ---- the choice -------------------------------------------------------------------------------------------------


def test_an_unknown_backend_fails_at_construction() -> None:
    with pytest.raises(InvalidRequestError, match="unknown async_backend 'trio'"):
        Client(api_key="k", async_backend="trio")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError):
        Client.builder().api_key("k").async_backend("trio").build()  # type: ignore[arg-type]


def test_the_backend_is_kept_by_derived_clients_and_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIFY_ASYNC_BACKEND", raising=False)
    assert Client(api_key="k").config.async_backend == "httpx"
    client = Client.builder().api_key("k").async_backend("aiohttp").build()
    assert client.config.async_backend == "aiohttp"
    assert client.with_options(max_retries=0).config.async_backend == "aiohttp"
    monkeypatch.setenv("DIFY_ASYNC_BACKEND", "aiohttp")
    assert Client(api_key="k").config.async_backend == "aiohttp"
    assert Client(api_key="k", async_backend="httpx").config.async_backend == "httpx"
    # A given httpx.AsyncClient is used as it is: the environment's choice does not apply to it ...
    given = httpx.AsyncClient()
    assert Client(api_key="k", async_http_client=given).config.async_backend == "httpx"
    # ... and an explicit choice contradicting it is refused.
    with pytest.raises(InvalidRequestError, match="exclude each other"):
        Client(api_key="k", async_http_client=given, async_backend="aiohttp")
    monkeypatch.setenv("DIFY_ASYNC_BACKEND", "curio")
    with pytest.raises(InvalidRequestError, match="unknown async_backend"):
        Client(api_key="k")
    asyncio.run(given.aclose())


def test_a_missing_extra_is_named_with_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "aiohttp", None)  # ``import aiohttp`` raises ImportError
    monkeypatch.delitem(sys.modules, "dify_oapi.core._aiohttp")
    with pytest.raises(MissingExtraError) as info:
        Client(api_key="k", async_backend="aiohttp")
    assert 'pip install ".[aiohttp]"' in str(info.value)
    assert isinstance(info.value, ImportError) and info.value.name == "aiohttp"
    assert Client(api_key="k").config.async_backend == "httpx"  # the default backend needs nothing more


def test_aiohttp_is_imported_only_when_chosen() -> None:
    code = textwrap.dedent("""
        import sys
        from dify_oapi import Client
        Client(api_key="k").close()
        assert "aiohttp" not in sys.modules, "imported without being chosen"
        Client(api_key="k", async_backend="aiohttp").close()
        assert "aiohttp" in sys.modules
    """)
    env = {k: v for k, v in os.environ.items() if k != "DIFY_ASYNC_BACKEND"}
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], cwd=ROOT, env=env, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()


# ---- the transport: errors ------------------------------------------------------------------------------------


def _http(**timeouts: float) -> httpx.AsyncClient:
    timeout = httpx.Timeout(timeouts.get("read", 5.0), connect=timeouts.get("connect", 5.0),
                            pool=timeouts.get("pool", 5.0))  # fmt: skip
    return httpx.AsyncClient(transport=AiohttpTransport(limits=LIMITS, trust_env=False), timeout=timeout)


async def _get(url: str, **timeouts: float) -> httpx.Response:
    async with _http(**timeouts) as http:
        response = await http.get(url + "/info")
        await response.aread()
        return response


async def test_a_refused_connection_is_a_connect_error() -> None:
    with Refused() as refused, pytest.raises(httpx.ConnectError):
        await _get(refused.url)


async def test_a_connect_timeout_is_a_connect_timeout() -> None:
    with Blackhole() as hole, pytest.raises(httpx.ConnectTimeout):
        await _get(hole.url, connect=0.3)


async def test_a_silent_server_is_a_read_timeout() -> None:
    with FaultServer([SILENT]) as server, pytest.raises(httpx.ReadTimeout):
        await _get(server.url, read=0.3)


@pytest.mark.parametrize("fault", [CLOSE, RESET], ids=["closed", "reset"])
async def test_a_disconnect_after_sending_is_never_a_connect_class_error(fault: Act) -> None:
    with FaultServer([fault]) as server, pytest.raises(httpx.TransportError) as info:
        await _get(server.url)
    assert isinstance(info.value, httpx.RemoteProtocolError | httpx.ReadError), repr(info.value)
    assert len(server.seen) == 1  # sent once: aiohttp's own re-send on a reused connection is off


@pytest.mark.parametrize("then", ["reset", "close"])
async def test_a_body_cut_midway_is_a_read_class_error(then: Any) -> None:
    cut = Act(200, b'{"answer": "par', framing="declared", declared=400, then=then)
    with FaultServer([cut]) as server, pytest.raises(httpx.TransportError) as info:
        await _get(server.url)
    assert isinstance(info.value, httpx.RemoteProtocolError | httpx.ReadError), repr(info.value)


async def test_a_full_pool_is_a_pool_timeout_and_a_closed_answer_frees_its_slot() -> None:
    stall = Act(200, sse({"event": "message"}), headers=(("content-type", "text/event-stream"),), framing="chunked",
                then="stall")  # fmt: skip
    with FaultServer(lambda seen, n: stall if n == 0 else ok("get")) as server:
        transport = AiohttpTransport(limits=httpx.Limits(max_connections=1), trust_env=False)
        async with httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(5.0, pool=0.2)) as http:
            held = await http.send(http.build_request("GET", server.url + "/stream"), stream=True)
            with pytest.raises(httpx.PoolTimeout):
                await http.get(server.url + "/info")
            assert transport.busy() == 1
            await held.aclose()
            assert transport.busy() == 0
            assert (await http.get(server.url + "/info")).json()["name"] == "app"
        assert server.wait_closed(10)


# ---- the transport: bodies and the wire --------------------------------------------------------------------------


async def test_an_answer_is_handed_over_as_it_arrives() -> None:
    """The first event reaches the caller while the server still holds the stream open (nothing is buffered)."""
    first = Act(200, sse({"event": "message", "answer": "a"}), headers=(("content-type", "text/event-stream"),),
                framing="chunked", then="stall")  # fmt: skip
    with FaultServer([first]) as server:
        async with _http() as http, http.stream("POST", server.url + "/chat-messages", json={}) as response:
            chunk = await anext(response.aiter_bytes())
            assert b'"answer": "a"' in chunk
            assert server.open_connections == 1  # still streaming: the chunk was not held back until the end


class _Sink:
    """A one-request HTTP server (a thread, a socket) that counts the body bytes it reads and keeps none."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.received = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/v1"

    def _serve(self) -> None:
        self.listener.settimeout(30)
        conn, _ = self.listener.accept()
        with conn:
            conn.settimeout(30)
            head = b""
            while b"\r\n\r\n" not in head:
                head += conn.recv(65536)
            head, _, rest = head.partition(b"\r\n\r\n")
            length = int(next(v for k, _, v in (h.partition(b":") for h in head.split(b"\r\n"))
                              if k.lower() == b"content-length"))  # fmt: skip
            self.received = len(rest)
            while self.received < length and (data := conn.recv(1 << 16)):
                self.received += len(data)
            body = b'{"id": "f-1", "name": "big.bin", "size": 1}'
            conn.sendall(b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\nconnection: close\r\n"
                         b"content-length: %d\r\n\r\n%s" % (len(body), body))  # fmt: skip
        self.listener.close()


def test_an_upload_from_a_path_is_streamed_not_loaded(tmp_path: Path) -> None:
    size = 32 * 1024 * 1024
    path = tmp_path / "big.bin"
    with path.open("wb") as out:
        out.truncate(size)
    sink = _Sink()
    client = Client(base_url=sink.url, api_key=CLIENT_KEY, async_backend="aiohttp", trust_env=False)

    async def main() -> int:
        request = UploadFileRequest.builder().file(str(path)).user("u-1").build()
        tracemalloc.start()
        try:
            await client.dify.v1.file.aupload(request)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            await client.aclose()

    peak = asyncio.run(main())
    sink.thread.join(30)
    assert sink.received > size  # the whole file went out ...
    assert peak < size // 4, peak  # ... and never was in memory at once (a read of the file would be 32 MiB)


async def test_the_request_on_the_wire_is_the_one_httpx_sends() -> None:
    with FaultServer([ok("blocking")]) as server:
        seen: list[dict[str, str]] = []
        for backend in ("httpx", "aiohttp"):
            async with Client(base_url=server.url, api_key=CLIENT_KEY, async_backend=backend,  # type: ignore[arg-type]
                              headers={"X-Trace": "t-1"}, trust_env=False) as client:  # fmt: skip
                await client.arequest("POST", "/chat-messages", json={"query": "q"})
            seen.append(server.seen[-1].headers)
        assert server.seen[0].body == server.seen[1].body
    assert seen[0] == seen[1]
    assert seen[1]["authorization"] == f"Bearer {CLIENT_KEY}"


def test_each_loop_closes_its_aiohttp_session_without_a_resource_warning() -> None:
    code = textwrap.dedent("""
        import asyncio, gc
        from dify_oapi import Client
        client = Client(base_url="{url}", api_key="k", async_backend="aiohttp", trust_env=False)
        async def one():
            return (await client.arequest("GET", "/info"))["name"]
        assert asyncio.run(one()) == "app"      # the loop's client is closed as the loop ends ...
        assert asyncio.run(one()) == "app"
        async def left_open():
            await client.arequest("GET", "/info")
        asyncio.run(left_open())
        client.close()                         # ... and close() closes what is left
        gc.collect()
        print("ok")
    """)
    with FaultServer([ok("get")]) as server:
        env = {k: v for k, v in os.environ.items() if k != "DIFY_ASYNC_BACKEND"}
        done = subprocess.run(
            [sys.executable, "-W", "error", "-X", "dev", "-c", code.replace("{url}", server.url)],
            cwd=ROOT, env=env, capture_output=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0 and b"Unclosed" not in done.stderr, done.stderr.decode()
        assert server.wait_closed(10)


@pytest.mark.parametrize("backend", ["httpx", "aiohttp"])
async def test_a_connection_the_server_closed_while_the_loop_was_busy_is_not_reused(backend: str) -> None:
    """A server closes a kept-alive connection (an idle timeout, or just after answering) while the program is busy
    elsewhere (the loop not running). The next POST must not go out on that connection: its failure could not be
    retried (it may have been processed), a spurious error. httpcore checks an idle connection before reusing it;
    the aiohttp transport lets the loop see the close first."""
    answer = Act(200, b'{"answer": "a", "message_id": "m", "conversation_id": "c"}', then="close")
    with FaultServer([answer, answer, answer]) as server:
        client = Client(api_key=CLIENT_KEY, base_url=server.url, async_backend=backend, max_retries=0)  # type: ignore[arg-type]
        async with client:
            ask = ChatMessageRequest.builder().query("q").user("u").build()
            for _ in range(3):
                answered = await client.chat.v1.message.acreate(ask)
                assert answered.answer == "a"
                time.sleep(0.05)  # noqa: ASYNC251  # busy, the loop not running: the server's FIN arrives meanwhile
        assert len(server.seen) == 3
