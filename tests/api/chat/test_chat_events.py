"""Chat and completion stream events: every event the spec lists has its model, unknown events pass through, an
in-band error raises its typed error, and a stream ending without its final event raises."""

from __future__ import annotations

import typing
from typing import Any

import pytest

from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.api.chat.v1.model.event import (
    CHAT_EVENT_MODELS,
    COMPLETION_EVENT_MODELS,
    AgentMessageEvent,
    AgentThoughtEvent,
    ChatStreamEvent,
    MessageEndEvent,
    MessageEvent,
    MessageFileEvent,
    MessageReplaceEvent,
)
from dify_oapi.api.completion.v1.model.completion_message import CompletionMessageRequest
from dify_oapi.core.errors import InternalServerError, InvalidParamError, StreamIncompleteError
from dify_oapi.core.events import ErrorEvent, StreamEvent
from tests.api.chat._util import drain, events, sse_response
from tests.support import Recorder, make_client, spec

BASE = {"task_id": "t1", "message_id": "m1", "conversation_id": "c1", "created_at": 1705407629}
WF = {**BASE, "workflow_run_id": "r1"}


def _spec_events(schema: str) -> list[str]:
    names = spec()["components"]["schemas"][schema]["properties"]["event"]["enum"]
    return [n for n in names if n not in ("error", "ping")]


def _names(model: type[StreamEvent]) -> tuple[str, ...]:
    return typing.get_args(model.model_fields["event"].annotation)


def _payload(name: str) -> dict[str, Any]:
    """A plausible payload per event: message events flat, workflow-side events with ``data``."""
    if name in ("message", "agent_message"):
        return {"event": name, **BASE, "id": "m1", "answer": "hi"}
    if name == "agent_thought":
        return {"event": name, **BASE, "id": "a1", "position": 1, "thought": "t", "observation": "o", "tool": "x",
                "tool_input": "{}", "message_files": ["f1"]}  # fmt: skip
    if name == "message_file":
        return {"event": name, **BASE, "id": "f1", "type": "image", "belongs_to": "assistant", "url": "/x.png"}
    if name == "message_end":
        return {"event": name, **BASE, "id": "m1", "metadata": {"usage": {"total_tokens": 3, "total_price": "0.1"}}}
    if name == "message_replace":
        return {"event": name, **BASE, "answer": "[replaced]", "reason": "moderation"}
    if name in ("tts_message", "tts_message_end"):
        return {"event": name, **BASE, "audio": "AAAA"}
    if name == "reasoning_chunk":
        return {"event": name, **WF, "data": {"message_id": "m1", "reasoning": "r", "node_id": "n", "is_final": False}}
    if name == "text_chunk":
        return {"event": name, **WF, "data": {"text": "t", "from_variable_selector": ["a", "b"]}}
    if name == "agent_log":
        return {"event": name, **BASE, "data": {"node_execution_id": "e1", "id": "l1", "label": "step", "data": {}}}
    return {"event": name, **WF, "data": {"id": "x1", "node_id": "n1", "workflow_run_id": "r1"}}


def _stream(names: list[str], terminal: str) -> Any:
    return sse_response(*[_payload(n) for n in names], {"event": terminal, **BASE, "id": "m1", "metadata": {}})


async def test_every_chat_event_of_the_spec_is_typed(mode: str, recorder: Recorder) -> None:
    names = _spec_events("ChunkChatEvent")
    assert {"message", "agent_thought", "workflow_paused", "human_input_required", "agent_log"} <= set(names)
    recorder.answers.append(_stream(names, "message_end"))
    req = ChatMessageRequest.builder().query("q").user("u").build()
    got = await events(mode, make_client(recorder).chat.v1.message, req)
    assert [e.event for e in got] == [*names, "message_end"]
    for event in got:
        assert type(event) is not StreamEvent, event.event
        assert event.event in _names(type(event)), event.event
        assert type(event) in CHAT_EVENT_MODELS
        assert event.task_id == "t1"
    by_name = {e.event: e for e in reversed(got)}  # the first of each name
    thought = by_name["agent_thought"]
    assert isinstance(thought, AgentThoughtEvent) and thought.message_files == ["f1"] and thought.tool == "x"
    assert isinstance(by_name["agent_message"], AgentMessageEvent) and by_name["agent_message"].answer == "hi"
    file = by_name["message_file"]
    assert isinstance(file, MessageFileEvent) and file.belongs_to == "assistant" and file.url == "/x.png"
    end = by_name["message_end"]
    assert isinstance(end, MessageEndEvent) and end.metadata.usage is not None
    assert end.metadata.usage.total_price == "0.1"
    replace = by_name["message_replace"]
    assert isinstance(replace, MessageReplaceEvent) and replace.reason == "moderation"
    assert by_name["tts_message"].audio == "AAAA"
    assert by_name["text_chunk"].data.text == "t"
    assert by_name["reasoning_chunk"].data.reasoning == "r"


async def test_every_completion_event_of_the_spec_is_typed(mode: str, recorder: Recorder) -> None:
    names = _spec_events("ChunkCompletionEvent")
    assert set(names) == {"message", "message_end", "message_file", "tts_message", "tts_message_end", "message_replace"}
    recorder.answers.append(_stream(names, "message_end"))
    req = CompletionMessageRequest.builder().inputs({"q": "x"}).user("u").build()
    got = await events(mode, make_client(recorder).completion.v1.message, req)
    assert [e.event for e in got] == [*names, "message_end"]
    for event in got:
        assert type(event) in COMPLETION_EVENT_MODELS, event.event
        assert event.event in _names(type(event))


async def test_completion_stream_keeps_chat_only_events_as_plain_events(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(_stream(["agent_thought", "workflow_started"], "message_end"))
    req = CompletionMessageRequest.builder().user("u").build()
    got = await events(mode, make_client(recorder).completion.v1.message, req)
    assert [type(e) for e in got[:2]] == [StreamEvent, StreamEvent]
    assert isinstance(got[-1], MessageEndEvent)


async def test_unknown_events_pass_through_with_their_fields(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(
        sse_response(
            {"event": "message", **BASE, "answer": "a"},
            {"event": "brand_new_event", **BASE, "payload": {"x": [1, 2]}},
            {"event": "message_end", **BASE, "id": "m1", "metadata": {}},
        )
    )
    req = ChatMessageRequest.builder().query("q").user("u").build()
    got = await events(mode, make_client(recorder).chat.v1.message, req)
    unknown = got[1]
    assert type(unknown) is StreamEvent and unknown.event == "brand_new_event"
    assert unknown.model_extra is not None and unknown.model_extra["payload"] == {"x": [1, 2]}
    assert isinstance(got[0], MessageEvent) and isinstance(got[2], MessageEndEvent)


@pytest.mark.parametrize("service", ["chat", "completion"])
async def test_in_band_error_raises_its_typed_error(mode: str, recorder: Recorder, service: str) -> None:
    recorder.answers.append(
        sse_response(
            {"event": "message", **BASE, "answer": "partial"},
            {"event": "error", **BASE, "status": 400, "code": "invalid_param", "message": "bad input"},
            {"event": "message_end", **BASE, "id": "m1", "metadata": {}},
        )
    )
    client = make_client(recorder)
    seen: list[Any] = []
    if service == "chat":
        req: Any = ChatMessageRequest.builder().query("q").user("u").build()
        resource: Any = client.chat.v1.message
    else:
        req = CompletionMessageRequest.builder().user("u").build()
        resource = client.completion.v1.message
    with pytest.raises(InvalidParamError, match="bad input") as info:
        await drain(mode, resource, req, seen)
    assert info.value.status_code == 400 and info.value.code == "invalid_param"
    assert [e.event for e in seen] == ["message"]  # the chunk before the error was delivered


async def test_chatflow_failure_raises_after_workflow_finished(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(
        sse_response(
            {"event": "workflow_started", **WF, "data": {"id": "r1", "workflow_id": "w1", "inputs": {}}},
            {"event": "workflow_finished", **WF, "data": {"id": "r1", "status": "failed", "error": "boom"}},
            {"event": "error", **BASE, "status": 500, "code": "internal_server_error", "message": "boom"},
        )
    )
    got: list[Any] = []
    message = make_client(recorder).chat.v1.message
    req = ChatMessageRequest.builder().query("q").user("u").build()
    with pytest.raises(InternalServerError, match="boom"):
        await drain(mode, message, req, got)
    assert [e.event for e in got] == ["workflow_started", "workflow_finished"]


async def test_error_event_model() -> None:
    assert ErrorEvent.model_validate({"event": "error", "status": 400}).status == 400


@pytest.mark.parametrize("service", ["chat", "completion"])
async def test_stream_without_final_event_raises(mode: str, recorder: Recorder, service: str) -> None:
    recorder.answers.append(sse_response({"event": "message", **BASE, "answer": "cut"}))
    client = make_client(recorder)
    if service == "chat":
        resource: Any = client.chat.v1.message
        req: Any = ChatMessageRequest.builder().query("q").user("u").build()
    else:
        resource = client.completion.v1.message
        req = CompletionMessageRequest.builder().user("u").build()
    with pytest.raises(StreamIncompleteError):
        await events(mode, resource, req)


def test_message_events_share_the_chat_base() -> None:
    for model in (MessageEvent, AgentMessageEvent, AgentThoughtEvent, MessageFileEvent, MessageEndEvent):
        assert issubclass(model, ChatStreamEvent)
    event = MessageEvent.model_validate({"event": "message", "answer": "x", "created_at": "1705407629"})
    assert event.created_at == 1705407629
