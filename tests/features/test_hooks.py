"""Hooks: one typed HookEvent per moment of every call, through the real transport (built-in server and
httpx.MockTransport); a hook that raises never breaks the call."""

from __future__ import annotations

import logging

import httpx
import pytest

from dify_oapi import APIConnectionError, APIResponseValidationError, Client, InternalServerError, NotFoundError
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.api.chat.v1.model.conversation import ListConversationsRequest
from dify_oapi.api.completion.v1.model.completion_message import CompletionMessageRequest
from dify_oapi.api.workflow.v1.model.workflow_run import RunWorkflowRequest
from dify_oapi.core.hooks import HookEvent, TokenUsage
from dify_oapi.testing import DifyTestServer
from tests.support import APP_KEY, Recorder, call, collect, make_client, sse_response, take_first, transcript_response


def ask(query: str = "hello", user: str = "u-hooks") -> ChatMessageRequest:
    return ChatMessageRequest.builder().query(query).user(user).build()


def kinds(events: list[HookEvent]) -> list[str]:
    return [e.kind for e in events]


async def test_a_blocking_call(server: DifyTestServer, mode: str) -> None:
    seen: list[HookEvent] = []
    with server.client(hooks=[seen.append]) as client:
        await call(mode, client.chat.v1.message, "create", ask())
        await client.aclose()
    assert kinds(seen) == ["request", "response"]
    request, response = seen
    assert request.call_id == response.call_id
    assert (response.method, response.path, response.status, response.attempt) == ("POST", "/chat-messages", 200, 1)
    assert response.server_address == "127.0.0.1" and response.server_port == server.port
    assert response.endpoint_kind == "json" and response.elapsed >= request.elapsed >= 0


async def test_a_stream_reports_each_event_and_its_end(server: DifyTestServer, mode: str) -> None:
    seen: list[HookEvent] = []
    with server.client(hooks=[seen.append]) as client:
        events = await collect(mode, client.chat.v1.message, "stream", ask())
        await client.aclose()
    assert kinds(seen) == ["request", "response"] + ["stream_event"] * len(events) + ["stream_end"]
    assert [e.event for e in seen if e.kind == "stream_event"] == [e.event for e in events]
    end = seen[-1]
    assert end.completed is True and end.events == len(events) and end.endpoint_kind == "stream"
    assert end.usage == TokenUsage(0, 0, 0) and end.latency == 0.0  # the built-in server's message_end usage
    assert len({e.call_id for e in seen}) == 1


async def test_usage_and_latency_from_the_final_event(mode: str) -> None:
    usage = {"prompt_tokens": 12, "completion_tokens": 30, "total_tokens": 42, "latency": 1.5}
    chat = sse_response(
        {"event": "message", "answer": "hi", "conversation_id": "c"},
        {"event": "message_end", "id": "m", "conversation_id": "c", "metadata": {"usage": usage}},
        {"event": "workflow_finished", "workflow_run_id": "r", "data": {"id": "r", "total_tokens": 42, "elapsed_time": 2}},
    )  # fmt: skip
    flow = sse_response({"event": "workflow_finished", "data": {"id": "r", "total_tokens": 7, "elapsed_time": 0.25}})
    rec = Recorder(answers=[chat, flow])
    seen: list[HookEvent] = []
    client = make_client(rec, hooks=[seen.append])
    await collect(mode, client.chat.v1.message, "stream", ask())
    await collect(mode, client.workflow.v1.workflow, "stream", RunWorkflowRequest.builder().user("u").build())
    ends = [e for e in seen if e.kind == "stream_end"]
    assert [(e.usage, e.latency) for e in ends] == [(TokenUsage(12, 30, 42), 1.5), (TokenUsage(None, None, 7), 0.25)]
    client.close()
    await client.aclose()


async def test_usage_and_latency_from_a_blocking_answer(mode: str) -> None:
    """Replayed real-server answers (Dify 1.14.1) and made-up figures: chat/completion ``metadata.usage``, a workflow
    run's ``data.total_tokens`` / ``elapsed_time``; an answer without them reports none."""
    usage = {"prompt_tokens": 12, "completion_tokens": 30, "total_tokens": 42, "latency": 1.5}
    completion = {"event": "message", "id": "m", "answer": "hi", "metadata": {"usage": usage}, "created_at": 1}
    rec = Recorder(
        answers=[
            transcript_response("cf_chat_blocking_new"),
            httpx.Response(200, json=completion),
            transcript_response("wf_run_blocking"),
            httpx.Response(200, json={"data": [], "has_more": False, "limit": 20}),
        ]
    )
    seen: list[HookEvent] = []
    client = make_client(rec, hooks=[seen.append])
    await call(mode, client.chat.v1.message, "create", ask())
    await call(mode, client.completion.v1.message, "create", CompletionMessageRequest.builder().user("u").build())
    await call(mode, client.workflow.v1.workflow, "run", RunWorkflowRequest.builder().user("u").build())
    await call(mode, client.chat.v1.conversation, "list", ListConversationsRequest.builder().user("u").build())
    responses = [(e.path, e.usage, e.latency) for e in seen if e.kind == "response"]
    assert responses == [
        ("/chat-messages", TokenUsage(0, 0, 0), responses[0][2]),
        ("/completion-messages", TokenUsage(12, 30, 42), 1.5),
        ("/workflows/run", TokenUsage(None, None, 0), 0.029849),
        ("/conversations", None, None),
    ]
    assert isinstance(responses[0][2], float)  # the transcript's latency
    client.close()
    await client.aclose()


async def test_an_answer_that_does_not_parse_is_reported_as_the_error_raised(mode: str) -> None:
    """A 2xx JSON answer is reported once parsed: one that fails to parse is the call's ``error`` (the
    APIResponseValidationError the caller gets), never a ``response`` (the span would have ended as a success)."""
    rec = Recorder(answers=[httpx.Response(200, json={"data": "not a list"})])
    seen: list[HookEvent] = []
    client = make_client(rec, hooks=[seen.append])
    with pytest.raises(APIResponseValidationError):
        await call(mode, client.chat.v1.conversation, "list", ListConversationsRequest.builder().user("u").build())
    assert kinds(seen) == ["request", "error"]
    assert (seen[1].error_type, seen[1].status) == ("APIResponseValidationError", 200)
    client.close()
    await client.aclose()


async def test_retry_then_success_and_a_final_error(server: DifyTestServer, mode: str) -> None:
    seen: list[HookEvent] = []
    with server.client(hooks=[seen.append], max_retries=1, retry_base_delay=0) as client:
        server.fail_next(1, 503, retry_after=0, path="/conversations")
        listing = ListConversationsRequest.builder().user("u-hooks").build()
        await call(mode, client.chat.v1.conversation, "list", listing)
        assert kinds(seen) == ["request", "retry", "request", "response"]
        assert (seen[1].status, seen[1].error_type, seen[1].retry_delay, seen[1].attempt) == (
            503, "InternalServerError", 0.0, 1,
        )  # fmt: skip
        assert [e.attempt for e in seen] == [1, 1, 2, 2]
        seen.clear()
        with pytest.raises(NotFoundError) as raised:
            await call(mode, client.chat.v1.message, "create", ask().model_copy(update={"conversation_id": _NONE}))
        await client.aclose()
    assert kinds(seen) == ["request", "error"]
    assert (seen[1].status, seen[1].error_type) == (404, type(raised.value).__name__)


_NONE = "00000000-0000-0000-0000-000000000000"


async def test_stream_errors_and_leaving_early(server: DifyTestServer, mode: str) -> None:
    seen: list[HookEvent] = []
    with server.client(hooks=[seen.append]) as client:
        server.stream_error(after_events=1, path="/chat-messages")
        with pytest.raises(InternalServerError):
            await collect(mode, client.chat.v1.message, "stream", ask())
        assert kinds(seen)[-1] == "error" and seen[-1].error_type == "InternalServerError"
        assert seen[-1].status == 500
        seen.clear()
        server.drop_stream(after_events=1, path="/chat-messages")
        with pytest.raises(APIConnectionError):
            await collect(mode, client.chat.v1.message, "stream", ask())
        assert kinds(seen)[-1] == "error" and "stream_end" not in kinds(seen)
        seen.clear()
        await take_first(mode, client.chat.v1.message, "stream", ask())
        assert kinds(seen) == ["request", "response", "stream_event", "stream_end"]
        assert seen[-1].completed is False and seen[-1].events == 1
        seen.clear()
        if mode == "sync":
            client.chat.v1.message.stream(ask()).close()  # closed before reading anything
        else:
            opened = await client.chat.v1.message.astream(ask())
            await opened.close()
        assert kinds(seen) == ["request", "response", "stream_end"] and seen[-1].completed is False
        await client.aclose()


async def test_events_are_reported_as_the_caller_takes_them(mode: str) -> None:
    """Every event arrives in one read (one body over httpx.MockTransport): a caller leaving after the first event
    has one event reported and a stream left early, not its final event and a completed stream."""
    body = (
        {"event": "message", "answer": "a", "conversation_id": "c"},
        {"event": "message", "answer": "b", "conversation_id": "c"},
        {"event": "message_end", "id": "m", "conversation_id": "c", "metadata": {"usage": {"total_tokens": 3}}},
    )
    rec = Recorder(default=lambda request: sse_response(*body))
    seen: list[HookEvent] = []
    client = make_client(rec, hooks=[seen.append])

    async def leave_after(taken: int, *, close: bool) -> None:
        if mode == "sync":
            stream = client.chat.v1.message.stream(ask())
            for _ in range(taken):
                next(stream)
            if close:
                stream.close()
        else:
            astream = await client.chat.v1.message.astream(ask())
            for _ in range(taken):
                await astream.__anext__()
            if close:
                await astream.aclose()

    await leave_after(1, close=True)
    assert kinds(seen) == ["request", "response", "stream_event", "stream_end"]
    assert seen[2].event == "message" and (seen[-1].completed, seen[-1].events, seen[-1].usage) == (False, 1, None)
    seen.clear()
    await leave_after(1, close=False)  # left without close(): reported as the stream is freed
    assert kinds(seen) == ["request", "response", "stream_event", "stream_end"] and seen[-1].completed is False
    seen.clear()
    await leave_after(3, close=True)  # the final event taken: completed, with its usage
    assert [e.event for e in seen if e.kind == "stream_event"] == ["message", "message", "message_end"]
    assert (seen[-1].completed, seen[-1].events, seen[-1].usage) == (True, 3, TokenUsage(total_tokens=3))
    seen.clear()
    raw = sse_response({"event": "tick"}, {"event": "tock"}, ping=False)
    rec.answers.extend([raw, raw])
    events = await collect(mode, client, "stream", "GET", "/ticks")  # no final event: completed at the end
    assert len(events) == 2 and (seen[-1].kind, seen[-1].completed, seen[-1].events) == ("stream_end", True, 2)
    seen.clear()
    if mode == "sync":
        next(iter(client.stream("GET", "/ticks")))
    else:
        await client.astream("GET", "/ticks").__anext__()
    assert (seen[-1].kind, seen[-1].completed, seen[-1].events) == ("stream_end", False, 1)
    client.close()
    await client.aclose()


async def test_a_hook_that_raises_is_logged_and_never_breaks_the_call(
    mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: HookEvent) -> None:
        raise RuntimeError(f"boom with {APP_KEY}")

    seen: list[HookEvent] = []
    rec = Recorder(default=lambda request: httpx.Response(200, json={"data": [], "has_more": False}))
    client = make_client(rec, hooks=[broken, seen.append])
    with caplog.at_level(logging.WARNING, logger="dify_oapi"):
        page = await call(
            mode, client.chat.v1.conversation, "list", ListConversationsRequest.builder().user("u").build()
        )
    assert page.data == [] and kinds(seen) == ["request", "response"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and all("RuntimeError" in w and "boom with ***" in w for w in warnings)
    assert APP_KEY not in caplog.text
    client.close()
    await client.aclose()


async def test_events_carry_no_secret_and_with_options_replaces_the_hooks(mode: str) -> None:
    first: list[HookEvent] = []
    second: list[HookEvent] = []
    rec = Recorder(default=lambda request: httpx.Response(200, json={"data": []}))
    client = make_client(rec, hooks=[first.append], headers={"X-Secret": "hdr-secret"})
    derived = client.with_options(hooks=[second.append])
    listing = ListConversationsRequest.builder().user("u").build()
    await call(mode, derived.chat.v1.conversation, "list", listing)
    await call(mode, client.with_options(hooks=[]).chat.v1.conversation, "list", listing)
    assert first == [] and kinds(second) == ["request", "response"]
    for event in second:
        text = repr(event)
        assert APP_KEY not in text and "hdr-secret" not in text and event.path != "u"
    await call(mode, client.chat.v1.conversation, "list", listing)
    assert kinds(first) == ["request", "response"] and first[0].path == "/conversations"
    client.close()
    await client.aclose()


def test_hook_events_are_frozen() -> None:
    event = HookEvent("request", 1, "GET", "/info", "json", "h", None, 1, 0.0)
    with pytest.raises(AttributeError):
        event.status = 200  # type: ignore[misc]
    assert Client(base_url="http://x/v1", api_key="k").config.hooks == ()
