"""One timeout rule: a ``Client(timeout=...)`` (or ``with_options(timeout=...)``) whose read timeout is shorter than
the stream read timeout bounds stream reads too, unless ``stream_read_timeout`` is given explicitly;
``RequestOption.timeout`` still sets one call's timeouts. Checked on what httpx is asked to wait (MockTransport) and
on a real loopback stream that stalls after its first event (the error type only, never a duration)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dify_oapi import Client, RequestOption
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.api.chat.v1.model.event import MessageEvent
from dify_oapi.core.config import DEFAULT_STREAM_READ_TIMEOUT
from dify_oapi.core.errors import APIConnectionError, APITimeoutError
from tests.api.workflow.test_workflow_hang import StallingServer
from tests.support import APP_KEY, MODES, Recorder, collect, make_client, sse, sse_response

REQUEST = ChatMessageRequest.builder().query("q").user("u").build()
END = {"event": "message_end", "id": "m", "conversation_id": "c", "message_id": "m"}


def _stream_reads(
    client: Client, rec: Recorder, option: RequestOption | None = None
) -> tuple[float | None, float | None]:
    """The read timeouts httpx was given for one stream and one blocking call of ``client`` (answered by ``rec``)."""
    rec.answers[:] = [sse_response(END), httpx.Response(200, json={"name": "app"})]
    with client.chat.v1.message.stream(REQUEST, option) as stream:
        list(stream)
    client.dify.v1.app.info(None, option)
    stream_read = rec.requests[-2].extensions["timeout"]["read"]
    blocking_read = rec.requests[-1].extensions["timeout"]["read"]
    return stream_read, blocking_read


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, (DEFAULT_STREAM_READ_TIMEOUT, 600.0)),
        ({"timeout": 5}, (5.0, 5.0)),  # a shorter timeout bounds stream reads too
        ({"timeout": httpx.Timeout(10.0, read=4.0)}, (4.0, 4.0)),
        ({"timeout": 300}, (DEFAULT_STREAM_READ_TIMEOUT, 300.0)),  # a longer one leaves the stream default
        ({"timeout": httpx.Timeout(None)}, (DEFAULT_STREAM_READ_TIMEOUT, None)),
        ({"timeout": 5, "stream_read_timeout": 30}, (30.0, 5.0)),  # explicit wins, even when longer
        ({"timeout": 300, "stream_read_timeout": 2}, (2.0, 300.0)),
    ],
)
def test_client_timeout_rule(options: dict[str, Any], expected: tuple[float | None, float | None]) -> None:
    rec = Recorder()
    with make_client(rec, **options) as client:
        assert _stream_reads(client, rec) == expected


def test_with_options_follows_the_same_rule() -> None:
    rec = Recorder()
    with make_client(rec) as parent:
        assert _stream_reads(parent.with_options(timeout=3), rec) == (3.0, 3.0)
        assert _stream_reads(parent.with_options(timeout=3, stream_read_timeout=20), rec) == (20.0, 3.0)
        assert _stream_reads(parent.with_options(stream_read_timeout=7).with_options(timeout=3), rec) == (7.0, 3.0)
        assert _stream_reads(parent.with_options(timeout=3).with_options(timeout=200), rec) == (60.0, 200.0)
    with make_client(rec, stream_read_timeout=90) as explicit:  # an explicit value is kept by derived Clients
        assert _stream_reads(explicit.with_options(timeout=3), rec) == (90.0, 3.0)


def test_request_option_timeout_still_sets_one_call() -> None:
    rec = Recorder()
    with make_client(rec, timeout=5) as client:
        assert _stream_reads(client, rec, RequestOption.builder().timeout(1.5).build()) == (1.5, 1.5)
        assert _stream_reads(client, rec, RequestOption.builder().timeout(120).build()) == (120.0, 120.0)
        assert _stream_reads(client, rec) == (5.0, 5.0)


async def test_async_streams_use_the_rule_too() -> None:
    rec = Recorder(default=lambda request: sse_response(END))
    with make_client(rec, timeout=4) as client:
        async with client.chat.v1.message.astream(REQUEST) as stream:
            [event async for event in stream]
        async with client.with_options(stream_read_timeout=8).chat.v1.message.astream(REQUEST) as stream:
            [event async for event in stream]
        await client.aclose()
    assert [r.extensions["timeout"]["read"] for r in rec.requests] == [4.0, 8.0]


# ---- a real stream that stalls between events -----------------------------------------------------------------------


@pytest.fixture
def stalling() -> Iterator[StallingServer]:
    first = sse({"event": "message", "answer": "hi", "id": "m", "conversation_id": "c", "message_id": "m"})
    with StallingServer(first, hold=1.0) as server:  # sends one event, stalls, then drops the connection
        yield server


@pytest.mark.parametrize("mode", MODES)
async def test_a_short_client_timeout_cuts_a_stalled_stream(mode: str, stalling: StallingServer) -> None:
    client = Client(base_url=stalling.url, api_key=APP_KEY, timeout=0.2, max_retries=0)
    got: list[Any] = []
    with pytest.raises(APITimeoutError):
        await collect(mode, client.chat.v1.message, "stream", REQUEST, into=got)
    assert [type(event) for event in got] == [MessageEvent]
    assert len(stalling.requests) == 1
    client.close() if mode == "sync" else await client.aclose()


@pytest.mark.parametrize("mode", MODES)
async def test_a_short_with_options_timeout_cuts_a_stalled_stream(mode: str, stalling: StallingServer) -> None:
    parent = Client(base_url=stalling.url, api_key=APP_KEY, max_retries=0)
    got: list[Any] = []
    with pytest.raises(APITimeoutError):
        await collect(mode, parent.with_options(timeout=0.2).chat.v1.message, "stream", REQUEST, into=got)
    assert [type(event) for event in got] == [MessageEvent]
    parent.close() if mode == "sync" else await parent.aclose()


@pytest.mark.parametrize("mode", MODES)
async def test_an_explicit_stream_read_timeout_outlasts_the_stall(mode: str, stalling: StallingServer) -> None:
    """With ``stream_read_timeout`` given, the short ``timeout`` does not cut the stream: the server's drop (after its
    stall) ends it, a broken connection rather than a timeout."""
    client = Client(base_url=stalling.url, api_key=APP_KEY, timeout=0.2, stream_read_timeout=30, max_retries=0)
    got: list[Any] = []
    with pytest.raises(APIConnectionError) as caught:
        await collect(mode, client.chat.v1.message, "stream", REQUEST, into=got)
    assert not isinstance(caught.value, APITimeoutError), caught.value
    assert [type(event) for event in got] == [MessageEvent]
    client.close() if mode == "sync" else await client.aclose()
