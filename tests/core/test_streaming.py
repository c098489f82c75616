"""Typed streams through the real transport: pings skipped, unknown events kept, errors raised, never a silent stop."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dify_oapi import APIConnectionError, APIResponseValidationError, StreamIncompleteError
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest, MessageEndEvent, MessageEvent
from dify_oapi.core import errors
from dify_oapi.core.events import StreamEvent
from tests.support import Recorder, make_client, transcript_response

REQ = ChatMessageRequest.builder().query("hi").user("u").build()


def frames(*events: dict[str, Any], ping: bool = True) -> bytes:
    out = b"event: ping\n\n" if ping else b""
    for event in events:
        out += b"data: " + json.dumps(event).encode() + b"\n\n"
    return out


def sse(body: bytes | Iterator[bytes], status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, headers={"content-type": "text/event-stream", **(headers or {})}, content=body)


MSG = {"event": "message", "answer": "Hel", "message_id": "m1", "conversation_id": "c1", "created_at": 1}
MSG2 = {"event": "message", "answer": "lo", "message_id": "m1"}
END = {"event": "message_end", "id": "m1", "metadata": {"usage": {"total_tokens": 3, "total_price": "0.1"}}}


def test_events_are_typed_pings_skipped_unknown_kept() -> None:
    body = frames(MSG, {"event": "brand_new_event", "x": 1}, {"event": "ping"}, MSG2, END)
    rec = Recorder(answers=[sse(body, headers={"x-request-id": "req-1"})])
    stream = make_client(rec).chat.v1.message.stream(REQ)
    assert stream.status_code == 200 and stream.request_id == "req-1"
    events = list(stream)
    assert [type(e) for e in events] == [MessageEvent, StreamEvent, MessageEvent, MessageEndEvent]
    assert events[1].event == "brand_new_event" and events[1].model_extra == {"x": 1}
    assert isinstance(events[3], MessageEndEvent) and events[3].metadata.usage is not None
    assert events[3].metadata.usage.total_price == "0.1"
    assert rec.json()["response_mode"] == "streaming"
    assert rec.last.headers["accept"] == "text/event-stream"
    assert stream.response.is_closed


async def test_async_stream_opens_lazily_and_parses_the_same() -> None:
    body = frames(MSG, MSG2, END)
    rec = Recorder(answers=[sse(body)] * 3)
    client = make_client(rec)
    stream = client.chat.v1.message.astream(REQ)
    assert rec.requests == []  # nothing sent until used
    events = [e async for e in stream]
    assert [e.event for e in events] == ["message", "message", "message_end"]
    async with client.chat.v1.message.astream(REQ) as opened:
        assert opened.status_code == 200
        assert len([e async for e in opened]) == 3
    awaited = await client.chat.v1.message.astream(REQ)
    assert len([e async for e in awaited]) == 3
    assert len(rec.requests) == 3


def test_error_event_raises_the_typed_error() -> None:
    body = frames(MSG, {"event": "error", "status": 400, "code": "completion_request_error", "message": "model died"})
    rec = Recorder(answers=[sse(body)])
    stream = make_client(rec).chat.v1.message.stream(REQ)
    got: list[StreamEvent] = []
    with pytest.raises(errors.CompletionRequestError) as info:
        got.extend(stream)
    assert [e.event for e in got] == ["message"]
    assert info.value.status_code == 400 and info.value.code == "completion_request_error"
    assert info.value.message == "model died"
    assert stream.response.is_closed


async def test_error_event_raises_async() -> None:
    body = frames({"event": "error", "status": 429, "code": "too_many_requests", "message": "slow down"})
    rec = Recorder(answers=[sse(body)])
    with pytest.raises(errors.TooManyRequestsError):
        async for _ in make_client(rec).chat.v1.message.astream(REQ):
            pass
    assert len(rec.requests) == 1  # an in-stream error is never retried


def test_stream_without_terminal_event_raises_incomplete() -> None:
    rec = Recorder(answers=[sse(frames(MSG, MSG2))])
    events: list[StreamEvent] = []
    with pytest.raises(StreamIncompleteError):
        events.extend(make_client(rec).chat.v1.message.stream(REQ))
    assert len(events) == 2


def test_chatflow_stream_continues_after_message_end() -> None:
    rec = Recorder(answers=[transcript_response("cf_chat_streaming_new")])
    events = list(make_client(rec).chat.v1.message.stream(REQ))
    names = [e.event for e in events]
    assert names.index("message_end") < names.index("workflow_finished") == len(names) - 1


def _broken(first: bytes) -> Iterator[bytes]:
    yield first
    raise httpx.ReadError("connection reset by peer")


def test_connection_dropped_mid_stream_raises_and_is_not_resent() -> None:
    rec = Recorder(answers=[lambda request: sse(_broken(frames(MSG)))] * 3)
    got: list[StreamEvent] = []
    with pytest.raises(APIConnectionError) as info:
        got.extend(make_client(rec).chat.v1.message.stream(REQ))
    assert not isinstance(info.value, StreamIncompleteError)
    assert len(got) == 1 and len(rec.requests) == 1


async def _abroken(first: bytes) -> Any:
    yield first
    raise httpx.ReadTimeout("no data")


async def test_async_read_timeout_mid_stream_raises_timeout() -> None:
    rec = Recorder(answers=[lambda request: sse(_abroken(frames(MSG)))])  # type: ignore[arg-type, list-item]
    with pytest.raises(errors.APITimeoutError):
        async for _ in make_client(rec).chat.v1.message.astream(REQ):
            pass
    assert len(rec.requests) == 1


def test_http_error_before_the_stream_raises_typed_error() -> None:
    rec = Recorder(answers=[transcript_response("cf_chat_streaming_missing_query_param_user")])
    with pytest.raises(errors.InvalidParamError) as info:
        make_client(rec).chat.v1.message.stream(REQ)
    assert "user" in info.value.message


def test_invalid_json_event_and_invalid_utf8_raise() -> None:
    rec = Recorder(answers=[sse(b"data: {not json\n\n"), sse(b"data: \xff\xfe\n\n")])
    client = make_client(rec)
    with pytest.raises(APIResponseValidationError):
        list(client.chat.v1.message.stream(REQ))
    with pytest.raises(APIResponseValidationError):
        list(client.chat.v1.message.stream(REQ))


def test_closing_early_closes_the_response() -> None:
    rec = Recorder(answers=[sse(frames(MSG, MSG2, END))])
    with make_client(rec).chat.v1.message.stream(REQ) as stream:
        first = next(iter(stream))
        assert first.event == "message"
    assert stream.response.is_closed


def test_large_single_event_and_many_small_events() -> None:
    big = {"event": "message", "answer": "x" * 2_000_000}
    many = [MSG2] * 5000
    rec = Recorder(answers=[sse(frames(big, END)), sse(frames(*many, END))])
    client = make_client(rec)
    events = list(client.chat.v1.message.stream(REQ))
    assert isinstance(events[0], MessageEvent) and len(events[0].answer) == 2_000_000
    assert len(list(client.chat.v1.message.stream(REQ))) == 5001


def test_two_asyncio_runs_with_one_client() -> None:
    rec = Recorder(default=lambda request: sse(frames(MSG, END)))
    client = make_client(rec)

    async def once() -> int:
        return len([e async for e in client.chat.v1.message.astream(REQ)])

    assert asyncio.run(once()) == 2
    assert asyncio.run(once()) == 2


def test_undecodable_bodies_raise_typed_errors() -> None:
    bad_gzip = {"content-encoding": "gzip"}
    rec = Recorder(
        answers=[
            lambda request: sse(b"not gzip at all", headers=bad_gzip),
            lambda request: httpx.Response(
                200, headers={**bad_gzip, "content-type": "application/json"}, content=b"nope"
            ),
        ]
    )
    client = make_client(rec)
    with pytest.raises(APIConnectionError, match="DecodingError"):
        list(client.chat.v1.message.stream(REQ))
    with pytest.raises(APIConnectionError, match="DecodingError"):
        client.chat.v1.message.create(REQ)
    assert len(rec.requests) == 2  # POSTs: not retried


# ---- a 200 that is JSON, not SSE ----------------------------------------------------------------------------------


def _json_200(body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json=body, headers={"x-request-id": "req-7"})


async def _drain(mode: str, client: Any) -> list[Any]:
    if mode == "sync":
        return list(client.chat.v1.message.stream(REQ))
    return [e async for e in client.chat.v1.message.astream(REQ)]


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_json_error_instead_of_events_raises_its_typed_error(mode: str) -> None:
    body = {"code": "invalid_param", "message": "conversation not exists", "status": 400}
    rec = Recorder(answers=[_json_200(body)])
    with pytest.raises(errors.InvalidParamError) as info:
        await _drain(mode, make_client(rec))
    assert info.value.status_code == 400 and info.value.message == "conversation not exists"
    assert info.value.request_id == "req-7" and len(rec.requests) == 1


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_json_result_instead_of_events_is_never_lost(mode: str) -> None:
    """A chat stream has no JSON answer: a clear typed error that keeps the body (never a silent empty stream, never
    StreamIncompleteError)."""
    body = {"event": "message", "answer": "the whole answer", "message_id": "m1", "metadata": {}}
    rec = Recorder(answers=[_json_200(body)])
    with pytest.raises(APIResponseValidationError, match="expected an event stream") as info:
        await _drain(mode, make_client(rec))
    assert not isinstance(info.value, StreamIncompleteError)
    assert info.value.body is not None and "the whole answer" in info.value.body


async def test_http_facts_of_an_async_stream_not_opened_yet_raise_a_dify_error() -> None:
    rec = Recorder(answers=[sse(frames(MSG, END), headers={"x-request-id": "r-9"}), httpx.Response(404)])
    client = make_client(rec)
    stream = client.chat.v1.message.astream(REQ)
    for fact in ("response", "status_code", "headers", "request_id"):
        with pytest.raises(errors.StreamNotOpenError, match="not open yet: await it") as info:
            getattr(stream, fact)
        assert isinstance(info.value, errors.DifyError) and isinstance(info.value, RuntimeError)
    assert rec.requests == []  # asking sends nothing
    await stream
    assert stream.status_code == 200 and stream.request_id == "r-9"
    await stream.aclose()

    failed = client.chat.v1.message.astream(REQ)
    with pytest.raises(errors.NotFoundError):
        await failed
    with pytest.raises(errors.StreamNotOpenError, match="closed \\(or failed\\) before the server answered"):
        _ = failed.status_code
