"""The features built over the resources, end to end against the built-in server, sync and async: chat sessions,
inputs checked before sending, hooks, waiting for many batches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dify_oapi import HookEvent, InvalidRequestError
from dify_oapi.api.chat.v1.model.event import MessageEvent
from dify_oapi.api.chat.v1.session import AsyncChatSession, ChatSession
from dify_oapi.api.knowledge_base.v1.indexing import DocumentProgress
from dify_oapi.api.knowledge_base.v1.model.dataset import CreateDatasetRequest
from dify_oapi.api.knowledge_base.v1.model.document import CreateDocumentByTextRequest
from dify_oapi.api.workflow.v1.model.workflow_run import RunWorkflowRequest
from dify_oapi.testing import DifyTestServer

from .harness import Api

MakeApi = Callable[..., Api]


async def _run(api: Api, value: Any) -> Any:
    return await value if api.is_async else value


async def test_chat_session(make_api: MakeApi, user: str) -> None:
    api = make_api("chat")
    v1 = api.client.chat.v1
    session: ChatSession | AsyncChatSession = (
        v1.asession(user=user, inputs={"name": "e2e"})
        if api.is_async
        else v1.session(user=user, inputs={"name": "e2e"})
    )
    first = await _run(api, session.send("hello"))
    assert first.answer == "Echo: hello" and session.conversation_id == first.conversation_id
    pieces: list[str] = []
    if isinstance(session, AsyncChatSession):
        async with session.stream("streamed") as astream:
            pieces = [e.answer async for e in astream if isinstance(e, MessageEvent)]
    else:
        with session.stream("streamed") as stream:
            pieces = [e.answer for e in stream if isinstance(e, MessageEvent)]
    assert "".join(pieces) == "Echo: streamed"
    history = await _run(api, session.history())
    assert [m.query for m in history] == ["hello", "streamed"]
    assert [m.conversation_id for m in history] == [first.conversation_id] * 2
    assert (await _run(api, session.rename("e2e session"))).name == "e2e session"
    assert (await _run(api, session.delete())).result == "success" and session.conversation_id is None


async def test_inputs_checked_before_sending(make_api: MakeApi, server: DifyTestServer) -> None:
    api = make_api(client=server.client("workflow", check_inputs=True))
    workflow = api.client.workflow.v1.workflow
    before = len(server.requests_to("/workflows/run"))
    missing = RunWorkflowRequest.builder().inputs({}).user("e2e-check").build()
    with pytest.raises(InvalidRequestError, match="text is required"):
        await api.events(workflow, "stream", missing)
    with pytest.raises(InvalidRequestError, match="max_length 256"):
        await api.call(workflow, "run", RunWorkflowRequest.builder().inputs({"text": "x" * 257}).user("e2e").build())
    assert len(server.requests_to("/workflows/run")) == before  # nothing was sent
    done = await api.call(workflow, "run", RunWorkflowRequest.builder().inputs({"text": "ok"}).user("e2e").build())
    assert done.data.outputs == {"text": "ok"}


async def test_hooks_and_opentelemetry(make_api: MakeApi, server: DifyTestServer, user: str) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from dify_oapi.otel import OpenTelemetryHook

    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    seen: list[HookEvent] = []
    api = make_api(client=server.client("workflow", hooks=[seen.append, OpenTelemetryHook(provider)]))
    workflow = api.client.workflow.v1.workflow
    run = RunWorkflowRequest.builder().inputs({"text": "traced"}).user(user).build()
    events = await api.events(workflow, "stream", run)
    assert [e.kind for e in seen] == ["request", "response"] + ["stream_event"] * len(events) + ["stream_end"]
    assert seen[-1].completed is True and seen[-1].latency is not None
    (span,) = spans.get_finished_spans()
    assert span.name == "POST /workflows/run" and (span.attributes or {})["dify.stream.completed"] is True


async def test_waiting_for_many_batches(make_api: MakeApi, server: DifyTestServer, mode: str) -> None:
    api = make_api()
    kb = api.client.knowledge_base.v1
    made = await api.call(
        kb.dataset, "create", CreateDatasetRequest.builder().name(f"Many {mode}").indexing_technique("economy").build()
    )
    server.fail_indexing(f"broken-{mode}.txt", error="Could not extract text")
    try:
        created = []
        for name in ("one.txt", "two.txt", f"broken-{mode}.txt"):
            request = CreateDocumentByTextRequest.builder().dataset_id(made.id).name(name).text("Figs.\n\nDates.")
            created.append(await api.call(kb.document, "create_by_text", request.build()))
    finally:
        server.reset_faults()
    progress: list[DocumentProgress] = []
    result = await api.call(
        kb.document, "wait_for_indexing_all", made.id, [created[0], created[1].batch, created[2]],
        timeout=30, poll_interval=0.01, max_interval=0.02, on_progress=progress.append,
    )  # fmt: skip
    assert [p.document_id for p in result.completed] == [c.document.id for c in created[:2]]
    assert [(p.name, p.error) for p in result.failed] == [(f"broken-{mode}.txt", "Could not extract text")]
    assert [(b.batch, b.done) for b in result.batches] == [(c.batch, True) for c in created]
    assert {p.document_id for p in progress} == {c.document.id for c in created}
