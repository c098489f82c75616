"""A JSON call on a plain httpx client goes straight to the client's transport (core/_transport.py ``_direct``):
the request on the wire is the one ``httpx.Client.send`` would have sent, and whatever a given client adds (event
hooks, auth, default params, redirects, cookies, mounts) is still applied."""

from __future__ import annotations

import re
from collections.abc import Callable, Generator
from typing import Any

import httpx
import pytest

from dify_oapi import Client, RequestOption
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.api.chat.v1.model.conversation import ListConversationsRequest
from dify_oapi.api.dify.v1.model.file import UploadFileRequest
from dify_oapi.api.knowledge_base.v1.model.dataset import CreateDatasetRequest
from dify_oapi.core._transport import _direct, _url  # pyright: ignore[reportPrivateUsage]
from tests.support import APP_KEY, BASE_URL, DATASET_KEY, MODES, call

Wire = tuple[str, str, list[tuple[bytes, bytes]], bytes, Any]
CHAT = {"answer": "hi", "message_id": "m1", "conversation_id": "c1", "mode": "chat"}


def _answer(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path.endswith("/chat-messages"):
        return httpx.Response(200, json=CHAT)
    if path.endswith("/conversations"):
        return httpx.Response(200, json={"data": [], "has_more": False, "limit": 20})
    if path.endswith("/files/upload"):
        return httpx.Response(201, json={"id": "f1", "name": "a.txt"})
    if path.endswith("/datasets"):
        return httpx.Response(200, json={"id": "d1", "name": "kb"})
    return httpx.Response(200, json={"name": "app"})


def _wire(request: httpx.Request) -> Wire:
    """What went out: method, URL, every header in order, the body (a multipart boundary made constant), timeouts."""
    body = request.read()
    headers = list(request.headers.raw)
    match = re.search(rb"boundary=([0-9a-f]+)", request.headers.get("content-type", "").encode())
    if match:
        body = body.replace(match.group(1), b"BOUNDARY")
        headers = [(k, v.replace(match.group(1), b"BOUNDARY")) for k, v in headers]
    return (request.method, str(request.url), headers, body, request.extensions.get("timeout"))


class _Seen:
    def __init__(self, answer: Callable[[httpx.Request], httpx.Response] = _answer) -> None:
        self.wire: list[Wire] = []
        self.answer = answer

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.wire.append(_wire(request))
        return self.answer(request)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return self(request)


class _Async(httpx.AsyncBaseTransport):
    def __init__(self, seen: _Seen) -> None:
        self.seen = seen

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.seen.handle(request)


def _sdk(seen: _Seen, **httpx_options: Any) -> Client:
    return Client(
        api_key=APP_KEY, dataset_api_key=DATASET_KEY, base_url=BASE_URL, retry_base_delay=0.0,
        headers={"X-Team": "blue", "user-agent": "mine/1.0"},
        http_client=httpx.Client(transport=httpx.MockTransport(seen), **httpx_options),
        async_http_client=httpx.AsyncClient(transport=_Async(seen), **httpx_options),
    )  # fmt: skip


async def _calls(mode: str, client: Client) -> None:
    """One of each kind of JSON call: POST with a body, GET, GET with a query, a knowledge call, a multipart upload,
    and per-call headers with an extra query."""
    chat = ChatMessageRequest.builder().query("Hello").inputs({"a": 1}).user("u").build()
    await call(mode, client.chat.v1.message, "create", chat)
    await call(mode, client.dify.v1.app, "info")
    await call(mode, client.chat.v1.conversation, "list", ListConversationsRequest.builder().user("u").limit(5).build())
    await call(mode, client.knowledge_base.v1.dataset, "create", CreateDatasetRequest.builder().name("kb").build())
    upload = UploadFileRequest.builder().file(("a.txt", b"hello", "text/plain")).user("u").build()
    await call(mode, client.dify.v1.file, "upload", upload)
    option = RequestOption(headers={"X-Trace": "t1", "X-Team": "red"}, extra_query={"debug": True}, timeout=7.5)
    await call(mode, client.chat.v1.message, "create", chat, option)


def _noop(*_: Any) -> None:
    pass


async def _anoop(*_: Any) -> None:
    pass


@pytest.mark.parametrize("mode", MODES)
async def test_a_direct_request_is_the_request_httpx_send_makes(mode: str) -> None:
    direct, through_send = _Seen(), _Seen()
    hook = {"request": [_noop if mode == "sync" else _anoop]}  # an event hook: the call goes through client.send
    with _sdk(direct) as plain, _sdk(through_send, event_hooks=hook) as hooked:
        await _calls(mode, plain)
        await _calls(mode, hooked)
    assert len(direct.wire) == 6
    assert direct.wire == through_send.wire
    first = {k.lower(): v for k, v in direct.wire[0][2]}
    assert len(first) == len(direct.wire[0][2])  # each header once
    assert first[b"user-agent"] == b"mine/1.0"  # the Client's headers over httpx's defaults
    assert first[b"authorization"] == f"Bearer {APP_KEY}".encode()
    assert first[b"accept-encoding"]  # httpx's defaults are still sent
    assert {k.lower(): v for k, v in direct.wire[-1][2]}[b"x-team"] == b"red"


def test_the_direct_path_is_taken_on_this_httpx() -> None:
    """The direct path relies on httpx's own transport pick; if a new httpx drops it, calls still work (through
    ``send``), and this test says the speed-up is gone."""
    url = _url(BASE_URL + "/info")
    for client in (httpx.Client(), httpx.AsyncClient()):
        assert _direct(client, url) is not None
    mount = httpx.MockTransport(_answer)
    assert _direct(httpx.Client(mounts={"http://dify.test": mount}), url) is mount
    assert _direct(httpx.Client(event_hooks={"response": [_noop]}), url) is None
    assert _direct(httpx.Client(follow_redirects=True), url) is None
    assert _direct(httpx.Client(params={"a": "1"}), url) is None
    assert _direct(httpx.Client(auth=("u", "p")), url) is None


@pytest.mark.parametrize("mode", MODES)
async def test_a_given_clients_mount_hooks_params_and_auth_still_apply(mode: str) -> None:
    mounted, fallback = _Seen(), _Seen()
    if mode == "sync":
        mounts: dict[str, Any] = {"http://dify.test": httpx.MockTransport(mounted)}
    else:
        mounts = {"http://dify.test": _Async(mounted)}
    heard: list[str] = []

    def hook(response: httpx.Response) -> None:
        heard.append(str(response.status_code))

    async def ahook(response: httpx.Response) -> None:
        hook(response)

    class Signed(httpx.Auth):
        def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
            request.headers["X-Signature"] = "signed"
            yield request

    options: dict[str, Any] = {"mounts": mounts}
    cases: list[dict[str, Any]] = [
        {},
        {"event_hooks": {"response": [hook if mode == "sync" else ahook]}},
        {"params": {"tenant": "t1"}},
        {"auth": Signed()},
    ]
    for extra in cases:
        factory: Any = httpx.Client if mode == "sync" else httpx.AsyncClient
        transport: Any = httpx.MockTransport(fallback) if mode == "sync" else _Async(fallback)
        given = factory(transport=transport, **options, **extra)
        key = "http_client" if mode == "sync" else "async_http_client"
        with Client(api_key=APP_KEY, base_url=BASE_URL, **{key: given}) as client:
            info = await call(mode, client.dify.v1.app, "info")
        assert info.name == "app"
    assert fallback.wire == []  # every call went through the mount
    assert len(mounted.wire) == 4
    assert heard == ["200"]
    assert "tenant=t1" in mounted.wire[2][1]
    assert dict(mounted.wire[3][2])[b"X-Signature"] == b"signed"


@pytest.mark.parametrize("mode", MODES)
async def test_a_redirect_is_followed_by_a_client_that_follows_them(mode: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/info":
            return httpx.Response(307, headers={"location": BASE_URL + "/moved"})
        return httpx.Response(200, json={"name": "moved"})

    seen = _Seen(answer)
    with _sdk(seen, follow_redirects=True) as client:
        info = await call(mode, client.dify.v1.app, "info")
    assert info.name == "moved"
    assert [w[1] for w in seen.wire] == [BASE_URL + "/info", BASE_URL + "/moved"]


@pytest.mark.parametrize("mode", MODES)
async def test_cookies_an_answer_sets_are_sent_back(mode: str) -> None:
    """A cookie set by a JSON answer on the direct path is kept in the client's jar and sent with the next call, as
    ``client.send`` does (a load balancer's sticky cookie)."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"set-cookie": "lb=node-2; Path=/"}, json={"name": "app"})

    seen = _Seen(answer)
    with _sdk(seen) as client:
        await call(mode, client.dify.v1.app, "info")
        await call(mode, client.dify.v1.app, "info")
    assert b"cookie" not in {k.lower() for k, _ in seen.wire[0][2]}
    assert dict(seen.wire[1][2])[b"Cookie"] == b"lb=node-2"


@pytest.mark.parametrize("mode", MODES)
async def test_a_given_client_closed_by_its_owner_refuses_the_call(mode: str) -> None:
    seen = _Seen()
    client = _sdk(seen)
    with client:
        given: Any = client._transport.pools._given if mode == "sync" else client._transport.pools._agiven  # pyright: ignore[reportPrivateUsage]
        if mode == "sync":
            given.close()
        else:
            await given.aclose()
        with pytest.raises(Exception) as info:
            await call(mode, client.dify.v1.app, "info")
    assert "closed" in str(info.value)
    assert seen.wire == []
