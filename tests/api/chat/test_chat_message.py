"""client.chat.v1.message: create, stream, create_via_stream, stop, suggested (sync and async), replayed from the
real server's transcripts where recorded."""

from __future__ import annotations

import json

import httpx
import pytest

from dify_oapi import Client
from dify_oapi.api.chat.v1.model.chat_message import (
    AnswerCollector,
    ChatMessageRequest,
    ChatMessageResponse,
    StopMessageRequest,
    SuggestedQuestions,
    SuggestedQuestionsRequest,
)
from dify_oapi.api.chat.v1.model.event import MessageEndEvent, MessageEvent
from dify_oapi.api.dify.v1.model.shared import InputFile
from dify_oapi.core.errors import (
    BadRequestError,
    InvalidParamError,
    InvalidRequestError,
    NotChatAppError,
    NotFoundError,
    StreamIncompleteError,
)
from dify_oapi.core.events import StreamEvent
from dify_oapi.core.model import SimpleResult
from tests.api.chat._util import check_sent, events, run, sse_response
from tests.support import Recorder, make_client, transcript, transcript_response

USER = "sdk-fixture-user"


def _client(rec: Recorder, **options: object) -> Client:
    return make_client(rec, **options)


# ---- blocking ---------------------------------------------------------------------------------------------------


async def test_create_replays_blocking_answer(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_chat_blocking_new"))
    req = ChatMessageRequest.builder().query("Hello").inputs({"name": "Ada"}).user(USER).build()
    answer = await run(mode, _client(recorder).chat.v1.message, "create", req)
    check_sent(recorder, "POST", "/chat-messages", body=transcript("cf_chat_blocking_new")["request"]["body"])
    assert isinstance(answer, ChatMessageResponse)
    assert answer.answer == "Echo: Hello (name=Ada)"
    assert answer.event == "message" and answer.mode == "advanced-chat"
    assert answer.id == answer.message_id == "6e6d5f1a-3fd4-4036-a7dd-c60cbea2e737"
    assert answer.conversation_id == "fc968351-0433-489f-becd-d04406eebf0e"
    assert answer.task_id == "7632bb8c-5a21-4c4d-91e3-34e7849c3050"
    assert answer.created_at == 1795387544
    usage = answer.metadata.usage
    assert usage is not None and usage.total_price == "0.0" and usage.currency == "USD" and usage.total_tokens == 0
    assert usage.model_extra == {"time_to_first_token": 0.069, "time_to_generate": 0.0}  # extra fields kept
    assert answer.metadata.retriever_resources == [] and answer.metadata.annotation_reply is None


async def test_create_followup_sends_conversation_id(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_chat_blocking_followup"))
    conv = "fc968351-0433-489f-becd-d04406eebf0e"
    req = ChatMessageRequest.builder().query("And again").user(USER).conversation_id(conv).build()
    answer = await run(mode, _client(recorder).chat.v1.message, "create", req)
    check_sent(recorder, "POST", "/chat-messages", body=transcript("cf_chat_blocking_followup")["request"]["body"])
    assert answer.conversation_id == conv and answer.answer == "Echo: And again (name=)"


async def test_create_with_an_uploaded_file(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_chat_blocking_with_file"))
    file_id = "ad09b2fb-0c43-4c3f-9256-ac93771270c0"
    req = (
        ChatMessageRequest.builder()
        .query("Blocking with a file")
        .user(USER)
        .files([InputFile.local(file_id, "document")])
    )
    answer = await run(mode, _client(recorder).chat.v1.message, "create", req.build())
    check_sent(recorder, "POST", "/chat-messages", body=transcript("cf_chat_blocking_with_file")["request"]["body"])
    assert answer.answer == "Echo: Blocking with a file (name=)"


async def test_create_with_a_remote_file_and_every_field(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(
        httpx.Response(200, json={"event": "message", "answer": "ok", "created_at": "2026-01-02T03:04:05Z"})
    )
    req = (
        ChatMessageRequest.builder()
        .query("q")
        .user("u")
        .inputs({"a": 1})
        .files([InputFile.remote("https://x.test/a.png", type="image")])
        .auto_generate_name(False)
        .workflow_id("wf-1")
        .build()
    )
    answer = await run(mode, _client(recorder).chat.v1.message, "create", req)
    body = {
        "query": "q",
        "user": "u",
        "inputs": {"a": 1},
        "files": [{"type": "image", "transfer_method": "remote_url", "url": "https://x.test/a.png"}],
        "auto_generate_name": False,
        "workflow_id": "wf-1",
        "response_mode": "blocking",
    }
    check_sent(recorder, "POST", "/chat-messages", body=body)
    assert answer.created_at == 1767323045  # ISO string accepted


async def test_default_user_fills_the_unbuilt_builder(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_chat_blocking_new"))
    client = _client(recorder, default_user=USER)
    req = ChatMessageRequest.builder().query("Hello").inputs({"name": "Ada"})
    await run(mode, client.chat.v1.message, "create", req)
    assert json.loads(recorder.bodies[-1])["user"] == USER


async def test_missing_user_fails_before_sending(mode: str, recorder: Recorder) -> None:
    with pytest.raises(InvalidRequestError, match="user"):
        await run(mode, _client(recorder).chat.v1.message, "create", ChatMessageRequest.builder().query("hi"))
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("name", "error", "code"),
    [
        ("err_chat_on_workflow_app", NotChatAppError, "not_chat_app"),
        ("err_unknown_conversation", NotFoundError, "not_found"),
        ("err_bad_conversation_id", InvalidParamError, "invalid_param"),
    ],
)
async def test_create_error_answers_raise_typed_errors(
    mode: str, recorder: Recorder, name: str, error: type[Exception], code: str
) -> None:
    recorder.answers.append(transcript_response(name))
    sent = transcript(name)["request"]["body"]
    req = ChatMessageRequest.builder().query(sent["query"]).user(sent["user"]).inputs(sent["inputs"])
    if "conversation_id" in sent:
        req = req.conversation_id(sent["conversation_id"])
    with pytest.raises(error) as info:
        await run(mode, _client(recorder).chat.v1.message, "create", req.build())
    assert info.value.code == code
    assert len(recorder.requests) == 1  # a 4xx is never retried


# ---- streaming --------------------------------------------------------------------------------------------------


async def test_stream_replays_a_chatflow_stream(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_chat_streaming_new"))
    req = ChatMessageRequest.builder().query("Stream me").inputs({"name": "Grace"}).user(USER).build()
    got = await events(mode, _client(recorder).chat.v1.message, req)
    check_sent(recorder, "POST", "/chat-messages", body=transcript("cf_chat_streaming_new")["request"]["body"])
    assert recorder.last.headers["accept"] == "text/event-stream"
    names = [e.event for e in got]
    assert names == [
        "workflow_started",
        "node_started",
        "message",
        "message",
        "message",
        "message",
        "message",
        "node_finished",
        "node_started",
        "node_finished",
        "message_end",
        "workflow_finished",  # after message_end: the stream is read to its end
    ]
    assert all(type(e) is not StreamEvent for e in got)  # every recorded event has its model
    chunks = [e for e in got if isinstance(e, MessageEvent)]
    assert "".join(c.answer for c in chunks) == "Echo: Stream me (name=Grace)"
    assert chunks[1].from_variable_selector == ["sys", "query"]
    end = got[-2]
    assert isinstance(end, MessageEndEvent) and end.metadata.usage is not None
    assert end.conversation_id == "8128655a-8e14-41d0-b65d-99acdd3ad067" and end.created_at == 1795387544
    assert got[-1].data.status == "succeeded"


async def test_stream_with_file_replays(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_chat_streaming_with_file"))
    sent = transcript("cf_chat_streaming_with_file")["request"]["body"]
    req = ChatMessageRequest.builder().query(sent["query"]).user(USER).inputs(sent["inputs"])
    req = req.files([InputFile.model_validate(f) for f in sent["files"]])
    got = await events(mode, _client(recorder).chat.v1.message, req.build())
    check_sent(recorder, "POST", "/chat-messages", body=sent)
    assert "".join(e.answer for e in got if isinstance(e, MessageEvent)) == "Echo: With a file (name=)"
    assert got[-1].event == "workflow_finished"


async def test_stream_without_user_answered_400_json(mode: str, recorder: Recorder) -> None:
    # The server answers a streaming request without user with plain JSON 400, not SSE.
    recorder.answers.append(transcript_response("cf_chat_streaming_missing_query_param_user"))
    req = ChatMessageRequest.builder().query("hi").user("x").build()
    with pytest.raises(InvalidParamError, match="Arg user must be provided"):
        await events(mode, _client(recorder).chat.v1.message, req)


async def test_stream_on_unknown_conversation_is_incomplete(mode: str, recorder: Recorder) -> None:
    # The real server answers 200 + one ping and then stays silent (the recording ends at the client's read
    # timeout); replayed, the stream closes without its final event, which must not pass for an empty answer.
    recorder.answers.append(transcript_response("cf_chat_streaming_unknown_conversation"))
    sent = transcript("cf_chat_streaming_unknown_conversation")["request"]["body"]
    req = ChatMessageRequest.builder().query("hi").user(USER).conversation_id(sent["conversation_id"]).build()
    with pytest.raises(StreamIncompleteError):
        await events(mode, _client(recorder).chat.v1.message, req)
    check_sent(recorder, "POST", "/chat-messages", body=sent)


# ---- blocking over a stream -------------------------------------------------------------------------------------


def _blocking_twin_of_stream() -> dict[str, object]:
    """The blocking answer for the streamed exchange, built like cf_chat_blocking_new from the stream's values."""
    blocking = json.loads(transcript("cf_chat_blocking_new")["response"]["body_text"])
    body = transcript("cf_chat_streaming_new")["response"]["body"].decode()
    frames = [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]
    end = next(f for f in frames if f["event"] == "message_end")
    blocking.update(
        task_id=end["task_id"],
        id=end["id"],
        message_id=end["message_id"],
        conversation_id=end["conversation_id"],
        answer="Echo: Stream me (name=Grace)",
        metadata=end["metadata"],
        created_at=end["created_at"],
    )
    return blocking


async def test_create_via_stream_equals_the_blocking_answer(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_chat_streaming_new"))
    recorder.answers.append(httpx.Response(200, json=_blocking_twin_of_stream()))
    message = _client(recorder).chat.v1.message
    req = ChatMessageRequest.builder().query("Stream me").inputs({"name": "Grace"}).user(USER).build()
    if mode == "sync":
        via_stream, blocking = message.create_via_stream(req), message.create(req)
    else:
        via_stream, blocking = await message.acreate_via_stream(req), await message.acreate(req)
    assert json.loads(recorder.bodies[0])["response_mode"] == "streaming"
    assert json.loads(recorder.bodies[1])["response_mode"] == "blocking"
    assert via_stream == blocking
    # and it has exactly the fields the real blocking answer has
    real = ChatMessageResponse.model_validate_json(transcript("cf_chat_blocking_new")["response"]["body"])
    assert via_stream.model_dump().keys() == real.model_dump().keys()
    assert via_stream.model_fields_set == real.model_fields_set


def _agent_frames(*, closing_message: bool) -> list[dict[str, object]]:
    base = {"task_id": "t1", "message_id": "m1", "conversation_id": "c1", "created_at": 1700000000}
    frames: list[dict[str, object]] = [
        {
            "event": "agent_thought",
            **base,
            "id": "th1",
            "position": 1,
            "thought": "",
            "tool": "calc",
            "tool_input": '{"calc": {"x": 1}}',
            "observation": "",
            "message_files": [],
        },
        {"event": "agent_message", **base, "id": "m1", "answer": "Hel"},
        {"event": "agent_message", **base, "id": "m1", "answer": "lo"},
        {"event": "message_file", **base, "id": "f1", "type": "image", "belongs_to": "assistant", "url": "/f"},
    ]
    if closing_message:
        frames.append({"event": "message", **base, "id": "m1", "answer": "Hello!"})
    frames.append({"event": "message_end", **base, "id": "m1", "metadata": {"usage": {"total_tokens": 7}}})
    return frames


@pytest.mark.parametrize(("closing", "expected"), [(False, "Hello"), (True, "Hello!")])
async def test_create_via_stream_for_agent_apps(mode: str, recorder: Recorder, closing: bool, expected: str) -> None:
    recorder.answers.append(sse_response(*_agent_frames(closing_message=closing)))
    message = _client(recorder).chat.v1.message
    req = ChatMessageRequest.builder().query("hi").user("u").build()
    answer = message.create_via_stream(req) if mode == "sync" else await message.acreate_via_stream(req)
    assert answer.answer == expected  # a New Agent's closing message replaces its chunks
    assert answer.id == "m1" and answer.conversation_id == "c1" and answer.task_id == "t1"
    assert answer.metadata.usage is not None and answer.metadata.usage.total_tokens == 7
    assert answer.mode is None  # agent apps: the stream does not say which


async def test_create_via_stream_honours_message_replace(mode: str, recorder: Recorder) -> None:
    base = {"task_id": "t1", "message_id": "m1", "conversation_id": "c1", "created_at": 1}
    recorder.answers.append(
        sse_response(
            {"event": "message", **base, "answer": "bad "},
            {"event": "message", **base, "answer": "words"},
            {"event": "message_replace", **base, "answer": "[moderated]", "reason": "output_moderation"},
            {"event": "message_end", **base, "id": "m1", "metadata": {}},
        )
    )
    message = _client(recorder).chat.v1.message
    req = ChatMessageRequest.builder().query("hi").user("u").build()
    answer = message.create_via_stream(req) if mode == "sync" else await message.acreate_via_stream(req)
    assert answer.answer == "[moderated]" and answer.mode == "chat" and answer.event == "message"


async def test_create_via_stream_of_a_paused_chatflow(mode: str, recorder: Recorder) -> None:
    base = {"task_id": "t1", "message_id": "m1", "conversation_id": "c1", "created_at": 1, "workflow_run_id": "r1"}
    recorder.answers.append(
        sse_response(
            {"event": "workflow_started", **base, "data": {"id": "r1", "workflow_id": "w1", "inputs": {}}},
            {"event": "message", **base, "answer": "Before the form"},
            {"event": "human_input_required", **base, "data": {"form_id": "f1", "node_id": "n1"}},
            {"event": "workflow_paused", **base, "data": {"workflow_run_id": "r1", "paused_nodes": ["n1"]}},
        )
    )
    message = _client(recorder).chat.v1.message
    req = ChatMessageRequest.builder().query("hi").user("u").build()
    answer = message.create_via_stream(req) if mode == "sync" else await message.acreate_via_stream(req)
    assert answer.event == "workflow_paused" and answer.answer == "Before the form"
    assert answer.mode == "advanced-chat"


def test_answer_collector_alone() -> None:
    collector = AnswerCollector(ChatMessageResponse)
    collector.add(MessageEvent(answer="a", message_id="m", task_id="t"))
    collector.add(object())  # anything else is ignored
    collector.add(MessageEvent(answer="b"))
    assert collector.answer == "ab"
    result = collector.result()
    assert result.id == "m" and result.message_id == "m" and result.metadata.usage is None


# ---- stop, suggested --------------------------------------------------------------------------------------------


async def test_stop_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_chat_stop"))
    task = "e2074a68-cd8f-4d76-ba67-fd3d03db056d"
    result = await run(
        mode, _client(recorder).chat.v1.message, "stop", StopMessageRequest.builder().task_id(task).user(USER).build()
    )
    check_sent(recorder, "POST", f"/chat-messages/{task}/stop", body={"user": USER})
    assert isinstance(result, SimpleResult) and result.result == "success"


async def test_suggested(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"result": "success", "data": ["Why?", "How?"]}))
    req = SuggestedQuestionsRequest.builder().message_id("m-1").user(USER).build()
    answer = await run(mode, _client(recorder).chat.v1.message, "suggested", req)
    check_sent(recorder, "GET", "/messages/m-1/suggested", query={"user": USER})
    assert recorder.bodies[-1] == b""
    assert isinstance(answer, SuggestedQuestions) and answer.data == ["Why?", "How?"]


async def test_suggested_disabled_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_message_suggested"))
    message_id = "6e6d5f1a-3fd4-4036-a7dd-c60cbea2e737"
    req = SuggestedQuestionsRequest.builder().message_id(message_id).user(USER).build()
    with pytest.raises(BadRequestError, match="Suggested Questions Is Disabled") as info:
        await run(mode, _client(recorder).chat.v1.message, "suggested", req)
    assert info.value.code == "bad_request" and info.value.status_code == 400
    check_sent(recorder, "GET", f"/messages/{message_id}/suggested", query={"user": USER})
