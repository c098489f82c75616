"""Client configuration, lifecycle, lazy services, two event loops, options never mutated."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import httpx
import pytest

from dify_oapi import Client, ClientClosedError, InvalidRequestError, RequestOption
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.core.config import DEFAULT_BASE_URL
from tests.support import APP_KEY, LoopbackServer, Recorder, make_client


def test_defaults_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIFY_BASE_URL", "http://env.test/v1/")
    monkeypatch.setenv("DIFY_API_KEY", "app-env")
    monkeypatch.setenv("DIFY_DATASET_API_KEY", "ds-env")
    client = Client()
    assert client.base_url == "http://env.test/v1"
    assert client.config.api_key == "app-env" and client.config.dataset_api_key == "ds-env"
    monkeypatch.delenv("DIFY_BASE_URL")
    assert Client().base_url == DEFAULT_BASE_URL


def test_builder_and_keywords_make_the_same_client() -> None:
    built = (
        Client.builder().base_url("http://x/v1").api_key("a").dataset_api_key("d").timeout(30).max_retries(5).build()
    )
    kw = Client(base_url="http://x/v1", api_key="a", dataset_api_key="d", timeout=30, max_retries=5)
    assert built.config == kw.config
    assert built.config.timeout.read == 30 and built.config.timeout.connect == 5
    with pytest.raises(InvalidRequestError):
        Client.builder().max_retries(-1).build()


def test_import_is_lazy() -> None:
    code = "import sys, dify_oapi; print(sorted(m for m in sys.modules if m.startswith('dify_oapi.api')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.replace("'", '"')) == []
    code = "import sys, dify_oapi; c = dify_oapi.Client(api_key='k'); c.chat.v1; print(sorted({m.split('.')[2] for m in sys.modules if m.startswith('dify_oapi.api.')}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = json.loads(out.replace("'", '"'))
    assert "chat" in loaded and "knowledge_base" not in loaded and "completion" not in loaded


def test_context_managers_close_own_clients_only() -> None:
    rec = Recorder()
    own = httpx.Client(transport=httpx.MockTransport(rec))
    with Client(api_key="k", http_client=own) as client:
        client.dify.v1.app.info()
    assert not own.is_closed
    with pytest.raises(ClientClosedError):
        client.dify.v1.app.info()
    with Client(api_key="k", base_url="http://127.0.0.1:9/v1") as mine:
        http = mine._transport.client
    assert http.is_closed


async def test_async_context_manager() -> None:
    rec = Recorder()
    async with make_client(rec) as client:
        await client.dify.v1.app.ainfo()
    assert client.is_closed
    with pytest.raises(ClientClosedError):
        await client.dify.v1.app.ainfo()


def test_two_asyncio_runs_on_a_real_socket() -> None:
    with LoopbackServer(lambda m, p, b: (200, {"content-type": "application/json"}, b'{"name": "app"}')) as server:
        client = Client(base_url=server.url, api_key="k")

        async def twice() -> list[str]:
            return [(await client.dify.v1.app.ainfo()).name for _ in range(2)]

        assert asyncio.run(twice()) == ["app", "app"]
        assert asyncio.run(twice()) == ["app", "app"]
        assert len(server.seen) == 4
        client.close()


def test_request_option_applies_per_call_and_is_not_mutated() -> None:
    rec = Recorder()
    client = make_client(rec)
    option = (
        RequestOption.builder()
        .api_key("app-other")
        .headers({"X-Trace": "t1"})
        .extra_query({"debug": "1"})
        .extra_body({"trace_id": "abc"})
        .timeout(12)
        .build()
    )
    before = option.model_dump()
    client.chat.v1.message.create(ChatMessageRequest.builder().query("q").user("u").build(), option)
    assert rec.last.headers["authorization"] == "Bearer app-other"
    assert rec.last.headers["x-trace"] == "t1"
    assert rec.last.url.params["debug"] == "1"
    assert rec.json()["trace_id"] == "abc"
    assert rec.last.extensions["timeout"]["read"] == 12
    assert option.model_dump() == before
    client.dify.v1.app.info()
    assert rec.last.headers["authorization"] == f"Bearer {APP_KEY}"


def test_stream_timeout_defaults() -> None:
    rec = Recorder(
        answers=[
            httpx.Response(
                200, headers={"content-type": "text/event-stream"}, content=b'data: {"event": "message_end"}\n\n'
            )
        ]
    )
    client = make_client(rec)
    list(client.chat.v1.message.stream(ChatMessageRequest.builder().query("q").user("u").build()))
    assert rec.last.extensions["timeout"] == {"connect": 5.0, "read": 60.0, "write": 600.0, "pool": 600.0}
    client.dify.v1.app.info()
    assert rec.last.extensions["timeout"] == {"connect": 5.0, "read": 600.0, "write": 600.0, "pool": 600.0}


def test_default_user_fills_an_unbuilt_builder_and_build_says_user_is_required() -> None:
    rec = Recorder()
    client = make_client(rec, default_user="u-42")
    builder = ChatMessageRequest.builder().query("hi")
    client.chat.v1.message.create(builder)
    assert rec.json()["user"] == "u-42"
    with pytest.raises(InvalidRequestError, match="user is required"):
        builder.build()
    with pytest.raises(InvalidRequestError, match="user is required"):
        make_client(rec).chat.v1.message.create(builder)
    assert len(rec.requests) == 1
    explicit = ChatMessageRequest.builder().query("hi").user("me")
    client.chat.v1.message.create(explicit)
    assert rec.json()["user"] == "me"


def test_missing_key_fails_before_io(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIFY_API_KEY", raising=False)
    monkeypatch.delenv("DIFY_DATASET_API_KEY", raising=False)
    rec = Recorder()
    client = Client(http_client=httpx.Client(transport=httpx.MockTransport(rec)))
    with pytest.raises(InvalidRequestError, match="DIFY_API_KEY"):
        client.dify.v1.app.info()
    assert rec.requests == []


def test_bad_numbers_raise_invalid_request_error() -> None:
    """A Client's or with_options' bad max_retries / stream_read_timeout / deadline is a DifyError (and a ValueError)."""
    from dify_oapi import DifyError, InvalidRequestError

    parent = Client(api_key="k")
    attempts = [
        lambda: Client(api_key="k", max_retries=-1),
        lambda: Client(api_key="k", deadline=0),
        lambda: parent.with_options(max_retries=-1),
        lambda: parent.with_options(stream_read_timeout=0),
        lambda: parent.with_options(deadline=float("nan")),
    ]
    for attempt in attempts:
        with pytest.raises(InvalidRequestError) as caught:
            attempt()
        assert isinstance(caught.value, DifyError) and isinstance(caught.value, ValueError)
