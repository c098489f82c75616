"""client.completion.v1.message: create, stream, create_via_stream, stop (sync and async). No text generator app
was recorded: the answers are the spec's examples, and the error answer the real server's."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from dify_oapi.api.completion.v1.model.completion_message import (
    CompletionMessageRequest,
    CompletionMessageResponse,
    MessageEndEvent,
    MessageEvent,
    StopMessageRequest,
)
from dify_oapi.api.dify.v1.model.shared import InputFile
from dify_oapi.core.errors import AppUnavailableError, InvalidRequestError
from dify_oapi.core.model import SimpleResult
from tests.api.chat._util import check_sent, events, run
from tests.support import Recorder, make_client, spec, transcript, transcript_response


def _examples() -> dict[str, Any]:
    return spec()["paths"]["/completion-messages"]["post"]["responses"]["200"]["content"]


def _blocking_example() -> dict[str, Any]:
    value: dict[str, Any] = _examples()["application/json"]["examples"]["blockingResponse"]["value"]
    return value


def _stream_example() -> bytes:
    return str(_examples()["text/event-stream"]["examples"]["streamingResponse"]["value"]).encode()


def _sse(body: bytes) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)


async def test_create(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json=_blocking_example()))
    req = CompletionMessageRequest.builder().inputs({"city": "New York"}).query("Summarize").user("def-456").build()
    answer = await run(mode, make_client(recorder).completion.v1.message, "create", req)
    body = {"inputs": {"city": "New York"}, "query": "Summarize", "user": "def-456", "response_mode": "blocking"}
    check_sent(recorder, "POST", "/completion-messages", body=body)
    assert isinstance(answer, CompletionMessageResponse)
    assert answer.mode == "completion" and answer.answer == "Hello World!..."
    assert answer.message_id == "9da23599-e713-473b-982c-4328d4f5c78a" and answer.created_at == 1705407629
    assert answer.metadata.usage is not None and answer.metadata.usage.total_price == "0.0012890"


async def test_create_sends_inputs_even_when_empty_and_files(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"answer": "x"}))
    req = CompletionMessageRequest.builder().user("u").files([InputFile.remote("https://x.test/a.png", "image")])
    await run(mode, make_client(recorder).completion.v1.message, "create", req.build())
    files = [{"type": "image", "transfer_method": "remote_url", "url": "https://x.test/a.png"}]
    check_sent(
        recorder,
        "POST",
        "/completion-messages",
        body={"inputs": {}, "user": "u", "files": files, "response_mode": "blocking"},
    )


async def test_create_on_a_chatflow_app_is_app_unavailable(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("err_completion_on_chatflow"))
    req = CompletionMessageRequest.builder().inputs({"query": "hi"}).user("sdk-fixture-user").build()
    with pytest.raises(AppUnavailableError) as info:
        await run(mode, make_client(recorder).completion.v1.message, "create", req)
    assert info.value.code == "app_unavailable" and info.value.status_code == 400
    check_sent(
        recorder, "POST", "/completion-messages", body=transcript("err_completion_on_chatflow")["request"]["body"]
    )


async def test_stream(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(_sse(_stream_example()))
    req = CompletionMessageRequest.builder().inputs({"city": "San Francisco"}).user("abc-123").build()
    got = await events(mode, make_client(recorder).completion.v1.message, req)
    body = {"inputs": {"city": "San Francisco"}, "user": "abc-123", "response_mode": "streaming"}
    check_sent(recorder, "POST", "/completion-messages", body=body)
    assert [type(e) for e in got] == [MessageEvent, MessageEvent, MessageEndEvent]
    assert "".join(e.answer for e in got if isinstance(e, MessageEvent)) == " I'm"
    end = got[-1]
    assert (
        isinstance(end, MessageEndEvent) and end.metadata.usage is not None and end.metadata.usage.total_tokens == 1168
    )


async def test_create_via_stream_equals_the_blocking_answer(mode: str, recorder: Recorder) -> None:
    frames = [json.loads(line[6:]) for line in _stream_example().decode().splitlines() if line.startswith("data: ")]
    end = frames[-1]
    twin = {
        "event": "message",
        "task_id": end["task_id"],
        "id": end["id"],
        "message_id": end["message_id"],
        "mode": "completion",
        "answer": " I'm",
        "metadata": end["metadata"],
        "created_at": frames[0]["created_at"],
    }
    assert twin.keys() == _blocking_example().keys()  # the spec's blocking answer has exactly these fields
    recorder.answers += [_sse(_stream_example()), httpx.Response(200, json=twin)]
    message = make_client(recorder).completion.v1.message
    req = CompletionMessageRequest.builder().user("u").build()
    if mode == "sync":
        via_stream, blocking = message.create_via_stream(req), message.create(req)
    else:
        via_stream, blocking = await message.acreate_via_stream(req), await message.acreate(req)
    assert [json.loads(b)["response_mode"] for b in recorder.bodies] == ["streaming", "blocking"]
    assert isinstance(via_stream, CompletionMessageResponse)
    assert via_stream == blocking
    assert "conversation_id" not in via_stream.model_dump()


async def test_stop(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"result": "success"}))
    req = StopMessageRequest.builder().task_id("task-1").user("abc-123").build()
    result = await run(mode, make_client(recorder).completion.v1.message, "stop", req)
    check_sent(recorder, "POST", "/completion-messages/task-1/stop", body={"user": "abc-123"})
    assert isinstance(result, SimpleResult) and result.result == "success"


async def test_stop_with_default_user_and_missing_user(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"result": "success"}))
    message = make_client(recorder, default_user="dflt").completion.v1.message
    await run(mode, message, "stop", StopMessageRequest.builder().task_id("t"))
    check_sent(recorder, "POST", "/completion-messages/t/stop", body={"user": "dflt"})
    with pytest.raises(InvalidRequestError, match="user"):
        await run(mode, make_client(recorder).completion.v1.message, "stop", StopMessageRequest.builder().task_id("t"))
    assert len(recorder.requests) == 1
