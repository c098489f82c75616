"""Streams pick an event's model by the name its JSON starts with (core/events.py EventParser): every shape of event
text parses exactly as the endpoint's event union parses it, through the real transport."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from dify_oapi import APIResponseValidationError, RequestOption, TooManyRequestsError
from dify_oapi.api.chat.v1.model.chat_message import MessageEndEvent, MessageEvent
from dify_oapi.api.chat.v1.resource.message import STREAM
from dify_oapi.api.workflow.v1.model.event import WorkflowStartedEvent
from dify_oapi.core.events import EventParser, StreamEvent, event_models
from tests.core.test_streaming import REQ, frames, sse
from tests.support import Recorder, make_client

SHAPES = [
    '{"event": "message", "answer": "a", "created_at": 1}',  # Dify's own shape
    '{"event":"message","answer":"a"}',  # no spaces
    '{ "event": "message", "answer": "a"}',  # other spacing: the union
    '{"answer": "a", "event": "message"}',  # the name not first: the union
    '{"event": "mess\\u0061ge", "answer": "a"}',  # an escape in the name: the union
    '{"event": "message", "answer": "a", "event": "message_end"}',  # a repeated key: the last one counts
    '{"event": "message_end", "answer": "a", "event": "message"}',
    '{"event": "brand_new", "answer": "a", "event": "message"}',
    '{"event": "message", "answer": "a", "event": "brand_new"}',
    '{"event": "brand_new", "x": [1, {"y": 2}]}',  # unknown: a plain StreamEvent with its fields kept
    '{"event": "", "x": 1}',
    '{"x": 1}',  # no name at all
    '{"event": "workflow_started", "workflow_run_id": "r", "data": {"id": "r", "workflow_id": "w"}}',
    '{"event": "message_end", "id": "m", "metadata": {"usage": {"total_tokens": 3}}}',
    '{"event": "message", "created_at": "2026-01-01T00:00:00Z"}',  # lenient timestamp
    '{"event":"agent_message","answer":"a","event":"message"}',  # the leading name is a guess the model refuses
    '{"event":"message_end","id":"m","event":"message"}',  # a final event's name first
    '{"event":"ping","event":"message"}',
    '{"event":  "message", "answer": "a"}',  # two spaces
]


END = '{"event": "message_end", "id": "end"}'


def stream_events(*data: str) -> list[Any]:
    """The events of a stream of ``data`` frames (and a final message_end, left out)."""
    body = b"".join(b"data: " + d.encode() + b"\n\n" for d in (*data, END))
    events = list(make_client(Recorder(answers=[sse(body)])).chat.v1.message.stream(REQ))
    assert isinstance(events[-1], MessageEndEvent) and events[-1].id == "end"
    return events[:-1]


@pytest.mark.parametrize("data", SHAPES)
def test_every_shape_parses_like_the_union(data: str) -> None:
    expected = STREAM.adapter().validate_json(data)  # the union with its discriminator: what streams parsed before
    [event] = stream_events(data)
    assert type(event) is type(expected)
    assert event == expected and event.model_dump() == expected.model_dump()


def test_known_unknown_and_chatflow_events_are_typed() -> None:
    events = stream_events(SHAPES[0], SHAPES[9], SHAPES[12], SHAPES[13])
    assert [type(e) for e in events] == [MessageEvent, StreamEvent, WorkflowStartedEvent, MessageEndEvent]
    assert events[1].event == "brand_new" and events[1].model_extra == {"x": [1, {"y": 2}]}


@pytest.mark.parametrize(
    "data",
    [
        '{"event": "message", "answer": {"not": "text"}}',  # a known name, an odd shape
        '{"event": "message_end", "metadata": "nope"}',
        '{"event":"message","answer":["x"]}',
        '{"event":null,"message":"a"}',  # a guessed name ("message") that is no name
        '{"event":5,"agent_message":"a","answer":"b"}',
    ],
)
def test_a_known_name_with_an_odd_shape_raises_the_unions_error(data: str) -> None:
    with pytest.raises(APIResponseValidationError) as info:
        stream_events(data)
    with pytest.raises(ValidationError) as union_info:
        STREAM.adapter().validate_json(data)
    assert "unexpected event" in str(info.value)
    first = union_info.value.errors()[0]
    assert ".".join(str(p) for p in first["loc"]) in str(info.value)  # the union's location (model tag and field)


def test_a_broken_json_event_raises() -> None:
    with pytest.raises(APIResponseValidationError):
        stream_events('{"event": "message", "answer": ')


def test_the_parser_makes_no_validator_before_a_name_arrives() -> None:
    parser = EventParser(event_models(STREAM.parse_type))
    assert type(parser('{"event": "message_end", "id": "m"}')) is MessageEndEvent
    assert type(parser('{"event": "node_started", "data": {}}')).__name__ == "NodeStartedEvent"
    assert type(parser('{"event": "later", "data": {}}')) is StreamEvent
    assert parser('{"event": "message"}') == MessageEvent()


def test_error_event_still_raises_its_typed_error() -> None:
    data = json.dumps({"event": "error", "status": 429, "code": "too_many_requests", "message": "slow down"})
    with pytest.raises(TooManyRequestsError) as info:
        stream_events(data)
    assert info.value.status_code == 429 and info.value.code == "too_many_requests"


def test_each_call_scrubs_the_key_it_sent_though_the_last_ones_are_remembered() -> None:
    """Events and answers that quote the key of their own call (a per-call RequestOption.api_key) are scrubbed, call
    after call on one Client: the secrets remembered for the last request are never those of another."""

    def echo(request: httpx.Request) -> httpx.Response:
        key = request.headers["authorization"][7:]
        if request.url.path.endswith("/parameters"):
            return httpx.Response(200, json={"opening_statement": f"you sent {key}"})
        return sse(frames({"event": "message", "answer": f"you sent {key}"}, {"event": "message_end", "id": "m"}))

    client = make_client(Recorder(default=echo))
    for key in ("app-first-key-0000000001", "app-second-key-000000002", "app-first-key-0000000001"):
        option = RequestOption(api_key=key)
        first, _ = list(client.chat.v1.message.stream(REQ, option))
        assert isinstance(first, MessageEvent) and first.answer == "you sent ***"
        assert client.dify.v1.app.parameters(option=option).opening_statement == "you sent ***"


def test_the_fast_table_holds_only_names_whose_model_takes_that_one_name() -> None:
    from typing import Literal

    class One(StreamEvent):
        event: Literal["one"] = "one"

    class Two(StreamEvent):
        event: Literal["two", "deux"] = "two"

    class Done(StreamEvent):
        event: Literal["done"] = "done"

    parser = EventParser(event_models(One | Two | Done))
    table = parser.fast(frozenset({"done"}))
    assert table == {}  # filled as names are seen
    for name in ("one", "two", "deux", "done", "ping", "error", "unknown"):
        parser(f'{{"event": "{name}"}}')
    assert set(parser.validators) == {"one", "two", "deux", "done", "ping", "error", "unknown"}
    assert set(table) == {"one"}  # not a model of several names, nor a final event, ping, error or an unknown one
    assert set(parser.fast(frozenset())) == {"one", "done"}  # a table made later starts with the names seen
    assert type(table["one"]('{"event": "one", "x": 1}')) is One
    with pytest.raises(ValidationError):  # a repeated key: the model of the first name refuses the text
        table["one"]('{"event": "one", "event": "two"}')
    assert type(parser('{"event": "one", "event": "two"}')) is Two
