"""Proxies from the environment (``HTTP_PROXY`` / ``NO_PROXY``, read when ``trust_env`` is on, the default) carry
every kind of call, over a real loopback proxy: blocking calls (which go straight to the transport httpx picks for
the URL), streams and downloads, sync and async (on both async backends); ``trust_env=False`` and ``NO_PROXY`` go
direct."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from dify_oapi import APIConnectionError, Client
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from tests.support import APP_KEY, MODES, call, collect

UNREACHABLE = "http://dify.invalid/v1"  # never resolved: only the proxy can answer for it
CHAT = {"answer": "via proxy", "message_id": "m1", "conversation_id": "c1", "mode": "chat"}


class _Proxy(BaseHTTPRequestHandler):
    """A forward proxy that answers for the origin itself: it records each request line (absolute-form) and the
    Authorization header the SDK sent, and answers like Dify."""

    protocol_version = "HTTP/1.1"
    server: _ProxyServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body: dict[str, Any] = json.loads(self.rfile.read(length)) if length else {}
        self.server.seen.append((self.command, self.path, self.headers.get("authorization")))
        if body.get("response_mode") == "streaming":
            content = b'data: {"event": "message", "answer": "a"}\n\ndata: {"event": "message_end", "id": "m"}\n\n'
            ctype = "text/event-stream"
        elif self.path.endswith("/info"):
            content, ctype = json.dumps({"name": "app"}).encode(), "application/json"
        else:
            content, ctype = json.dumps(CHAT).encode(), "application/json"
        self.send_response(200)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Proxy)
        self.seen: list[tuple[str, str, str | None]] = []


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[_ProxyServer]:
    server = _ProxyServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _ask() -> ChatMessageRequest:
    return ChatMessageRequest.builder().query("hi").user("u").build()


@pytest.mark.parametrize("mode", MODES)
async def test_every_kind_of_call_goes_through_the_proxy(proxy: _ProxyServer, mode: str) -> None:
    with Client(api_key=APP_KEY, base_url=UNREACHABLE, max_retries=0) as client:
        answer = await call(mode, client.chat.v1.message, "create", _ask())
        info = await call(mode, client.dify.v1.app, "info")
        events = await collect(mode, client.chat.v1.message, "stream", _ask())
        if mode == "async":
            await client.aclose()
    assert (answer.answer, info.name, [e.event for e in events]) == ("via proxy", "app", ["message", "message_end"])
    assert [(m, p) for m, p, _ in proxy.seen] == [
        ("POST", UNREACHABLE + "/chat-messages"),  # absolute-form: the request was proxied
        ("GET", UNREACHABLE + "/info"),
        ("POST", UNREACHABLE + "/chat-messages"),
    ]
    assert all(auth == f"Bearer {APP_KEY}" for _, _, auth in proxy.seen)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("how", ["trust_env=False", "NO_PROXY"])
async def test_no_proxy_when_told_not_to(
    proxy: _ProxyServer, mode: str, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if how == "NO_PROXY":
        monkeypatch.setenv("NO_PROXY", "dify.invalid")
    trust_env = how != "trust_env=False"
    with Client(api_key=APP_KEY, base_url=UNREACHABLE, max_retries=0, trust_env=trust_env) as client:
        with pytest.raises(APIConnectionError):  # straight to dify.invalid: no such host
            await call(mode, client.dify.v1.app, "info")
        if mode == "async":
            await client.aclose()
    assert proxy.seen == []
