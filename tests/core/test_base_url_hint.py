"""A base_url without /v1 answered by a web server's 404 page says what is wrong; Dify's own JSON 404 keeps its
message."""

from __future__ import annotations

import pickle

import httpx
import pytest

from dify_oapi import Client, NotFoundError
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.testing import DifyTestServer
from tests.support import MODES, Recorder, call, make_client

HTML_404 = httpx.Response(
    404, headers={"content-type": "text/html"}, text="<html><title>404 Not Found</title><h1>Not Found</h1></html>"
)
JSON_404 = httpx.Response(404, json={"code": "not_found", "message": "App not found.", "status": 404})
HINT = "base_url should end with /v1"


@pytest.mark.parametrize("mode", MODES)
async def test_html_404_without_v1_says_so(mode: str) -> None:
    rec = Recorder(answers=[HTML_404])
    client = make_client(rec, base_url="http://dify.test")
    with pytest.raises(NotFoundError) as info:
        await call(mode, client.dify.v1.app, "info")
    assert HINT in str(info.value) and HINT in info.value.message and "404 Not Found" in info.value.message
    assert info.value.status_code == 404 and info.value.code is None
    assert HINT in str(pickle.loads(pickle.dumps(info.value)))
    # a base path of its own (a gateway) without /v1: the same hint
    rec.answers[:] = [HTML_404]
    gateway = make_client(rec, base_url="http://gw.test/dify-api/")
    with pytest.raises(NotFoundError, match=HINT):
        await call(mode, gateway.dify.v1.app, "info")


@pytest.mark.parametrize("mode", MODES)
async def test_json_404_keeps_its_message_and_v1_gets_no_hint(mode: str) -> None:
    rec = Recorder(answers=[JSON_404])
    client = make_client(rec, base_url="http://dify.test")
    with pytest.raises(NotFoundError) as info:
        await call(mode, client.dify.v1.app, "info")
    assert info.value.message == "App not found." and info.value.code == "not_found" and HINT not in str(info.value)
    rec.answers[:] = [HTML_404]
    with_v1 = make_client(rec)  # http://dify.test/v1
    with pytest.raises(NotFoundError) as html:
        await call(mode, with_v1.dify.v1.app, "info")
    assert HINT not in str(html.value)


def test_streams_and_raw_requests_get_the_hint_too() -> None:
    rec = Recorder(default=lambda r: HTML_404)
    client = make_client(rec, base_url="http://dify.test/")
    with pytest.raises(NotFoundError, match=HINT):
        client.chat.v1.message.stream(ChatMessageRequest.builder().query("q").user("u").build())
    with pytest.raises(NotFoundError, match=HINT):
        client.request("GET", "/info")


@pytest.mark.parametrize("mode", MODES)
async def test_against_the_built_in_server(mode: str) -> None:
    with DifyTestServer() as server:
        root = server.url.removesuffix("/v1")
        client = Client(base_url=root, api_key=server.app_key("chat"), max_retries=0)
        with pytest.raises(NotFoundError, match=HINT):
            await call(mode, client.dify.v1.app, "info")
        fine = server.client("chat")
        assert (await call(mode, fine.dify.v1.app, "info")).name
        client.close()
        fine.close()
