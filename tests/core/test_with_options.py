"""Client.with_options: a Client with other defaults over the parent's connection pools (sync and async)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from dify_oapi import APIStatusError, Client, ClientClosedError, RequestOption
from dify_oapi.api.chat.v1.model.conversation import ListConversationsRequest
from tests.support import APP_KEY, DATASET_KEY, Recorder, call, make_client, sse_response


class _PortsHandler(BaseHTTPRequestHandler):
    """Answers every request with a small JSON body and records the client port it came from (one port = one
    connection)."""

    protocol_version = "HTTP/1.1"
    server: _PortsServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.seen.append((self.client_address[1], self.path, self.headers.get("authorization", "")))
        body = b'{"name": "app", "data": [], "has_more": false, "limit": 20}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _PortsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _PortsHandler)
        self.seen: list[tuple[int, str, str]] = []


@pytest.fixture
def ports_server() -> Iterator[_PortsServer]:
    server = _PortsServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _url(server: _PortsServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/v1"


def test_options_override_and_the_rest_is_inherited() -> None:
    parent = Client(
        base_url="http://x.test/v1", api_key="app-parent", dataset_api_key="ds-parent", timeout=30, max_retries=4,
        default_user="parent-user", headers={"X-Team": "a", "X-Keep": "k"}, stream_read_timeout=90,
    )  # fmt: skip
    child = parent.with_options(api_key="app-child", headers={"x-team": "b"}, timeout=httpx.Timeout(7.0))
    assert isinstance(child, Client) and child is not parent
    assert child.config.api_key == "app-child" and child.config.dataset_api_key == "ds-parent"
    assert child.config.timeout == httpx.Timeout(7.0)
    assert child.config.retry.max_retries == 4 and child.config.default_user == "parent-user"
    assert child.config.stream_read_timeout == 90 and child.base_url == "http://x.test/v1"
    assert dict(child.config.headers) == {"X-Keep": "k", "x-team": "b"}
    grandchild = child.with_options(
        dataset_api_key="ds-g", max_retries=0, default_user="g", stream_read_timeout=5, timeout=12
    )
    assert grandchild.config.api_key == "app-child" and grandchild.config.dataset_api_key == "ds-g"
    assert grandchild.config.retry.max_retries == 0 and grandchild.config.default_user == "g"
    assert grandchild.config.stream_read_timeout == 5 and grandchild.config.timeout.read == 12
    # the parent is left as it was
    assert parent.config.api_key == "app-parent" and parent.config.retry.max_retries == 4
    assert "app-child" not in repr(child) and "ds-g" not in repr(grandchild)
    with pytest.raises(ValueError):
        parent.with_options(max_retries=-1)
    with pytest.raises(ValueError):
        parent.with_options(stream_read_timeout=0)


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_derived_client_sends_with_its_own_key_user_headers_and_retries(mode: str) -> None:
    rec = Recorder(answers=[httpx.Response(200, json={"data": [], "has_more": False, "limit": 20})])
    parent = make_client(rec, default_user="parent-user", max_retries=3, headers={"X-Team": "a"})
    child = parent.with_options(
        api_key="app-other", dataset_api_key="ds-other", default_user="child-user", headers={"X-Team": "b"},
        max_retries=0,
    )  # fmt: skip
    request = ListConversationsRequest.builder()
    if mode == "sync":
        child.chat.v1.conversation.list(request)
    else:
        await child.chat.v1.conversation.alist(request)
    sent = rec.last
    assert sent.headers["authorization"] == "Bearer app-other"
    assert sent.url.params["user"] == "child-user"
    assert sent.headers.get_list("x-team") == ["b"]
    # max_retries=0 on the child: one attempt only for a retryable 503 (the parent would try 4 times)
    rec.answers[:] = [httpx.Response(503, headers={"retry-after": "0"}, json={"code": "x", "message": "busy"})] * 4
    before = len(rec.requests)
    with pytest.raises(APIStatusError, match="busy"):
        await call(mode, child.dify.v1.app, "info")
    assert len(rec.requests) - before == 1
    # the dataset key of the child goes to knowledge endpoints; the parent still sends its own keys
    rec.answers[:] = [httpx.Response(200, json={"data": [], "has_more": False})] * 2
    if mode == "sync":
        child.knowledge_base.v1.dataset.list()
        parent.knowledge_base.v1.dataset.list()
    else:
        await child.knowledge_base.v1.dataset.alist()
        await parent.knowledge_base.v1.dataset.alist()
    assert [r.headers["authorization"] for r in rec.requests[-2:]] == ["Bearer ds-other", f"Bearer {DATASET_KEY}"]
    # a per-call option still wins over the derived defaults
    rec.answers[:] = [httpx.Response(200, json={"name": "app"})]
    option = RequestOption.builder().api_key("app-per-call").build()
    if mode == "sync":
        child.dify.v1.app.info(None, option)
    else:
        await child.dify.v1.app.ainfo(None, option)
    assert rec.last.headers["authorization"] == "Bearer app-per-call"
    assert APP_KEY != "app-other"


async def test_stream_read_timeout_of_the_derived_client_is_used_for_its_streams() -> None:
    seen: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return sse_response({"event": "message_end", "id": "m", "conversation_id": "c"})

    rec = Recorder(default=answer)
    child = make_client(rec, stream_read_timeout=60).with_options(stream_read_timeout=3)
    from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest

    request = ChatMessageRequest.builder().query("q").user("u").build()
    with child.chat.v1.message.stream(request) as stream:
        list(stream)
    async with child.chat.v1.message.astream(request) as astream:
        [event async for event in astream]
    assert [t["read"] for t in seen] == [3, 3]


def test_sync_derived_client_shares_the_pool_and_closing_it_leaves_the_parent_open(
    ports_server: _PortsServer,
) -> None:
    parent = Client(base_url=_url(ports_server), api_key="app-parent")
    try:
        parent.dify.v1.app.info()
        http = parent._transport.client
        child = parent.with_options(api_key="app-child")
        assert child._transport.client is parent._transport.client  # one httpx.Client, one pool
        child.dify.v1.app.info()
        grandchild = child.with_options(timeout=20)
        grandchild.dify.v1.app.info()
        ports = {port for port, _, _ in ports_server.seen}
        assert len(ports) == 1, "the derived clients opened connections of their own"
        assert [auth for _, _, auth in ports_server.seen] == [
            "Bearer app-parent",
            "Bearer app-child",
            "Bearer app-child",
        ]
        child.close()
        with child:
            pass
        assert child.is_closed and not parent.is_closed and not grandchild.is_closed
        with pytest.raises(ClientClosedError):
            child.dify.v1.app.info()
        parent.dify.v1.app.info()  # the parent's pool is still open, and still the same connection
        grandchild.dify.v1.app.info()
        assert len({port for port, _, _ in ports_server.seen}) == 1
    finally:
        parent.close()
    assert http.is_closed
    assert grandchild.is_closed  # closing the parent closes the pools of every client derived from it
    with pytest.raises(ClientClosedError, match="derived"):
        grandchild.dify.v1.app.info()


async def test_async_derived_client_shares_the_pool_and_closing_it_leaves_the_parent_open(
    ports_server: _PortsServer,
) -> None:
    parent = Client(base_url=_url(ports_server), api_key="app-parent")
    try:
        await parent.dify.v1.app.ainfo()
        child = parent.with_options(api_key="app-child")
        http = await parent._transport.aclient()
        assert await child._transport.aclient() is http
        await child.dify.v1.app.ainfo()
        await child.aclose()
        async with parent.with_options(max_retries=1) as scoped:
            await scoped.dify.v1.app.ainfo()
        assert child.is_closed and scoped.is_closed and not parent.is_closed
        with pytest.raises(ClientClosedError):
            await child.dify.v1.app.ainfo()
        await parent.dify.v1.app.ainfo()
        assert len({port for port, _, _ in ports_server.seen}) == 1
        assert len(ports_server.seen) == 4
    finally:
        await parent.aclose()
    assert http.is_closed


def test_a_given_http_client_is_shared_and_never_closed() -> None:
    rec = Recorder()
    own = httpx.Client(transport=httpx.MockTransport(rec))
    parent = Client(base_url="http://x.test/v1", api_key="k", http_client=own)
    child = parent.with_options(api_key="k2")
    child.dify.v1.app.info()
    child.close()
    parent.close()
    assert not own.is_closed and rec.last.headers["authorization"] == "Bearer k2"
    own.close()


def test_deriving_opens_nothing() -> None:
    parent = Client(base_url="http://127.0.0.1:9/v1", api_key="k")
    child = parent.with_options(api_key="k2")
    assert parent._transport.pools.current() is None and child._transport.pools.current() is None
    parent.close()
