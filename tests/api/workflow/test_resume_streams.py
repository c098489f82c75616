"""``resume`` / ``stream_resumable`` and their async twins answer the same Stream / AsyncStream as every other stream:
context managers, ``close()`` / ``aclose()``, ``status_code``, ``headers``, ``request_id`` (of the current
connection, also after a reconnection), typed events; through MockTransport and the built-in server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from dify_oapi.api.workflow.v1.model.event import NodeStartedEvent, WorkflowFinishedEvent, WorkflowStartedEvent
from dify_oapi.api.workflow.v1.model.workflow_run import RunWorkflowRequest
from dify_oapi.core.errors import APIConnectionError
from dify_oapi.core.streaming import AsyncStream, Stream
from dify_oapi.testing import DifyTestServer
from tests.api.workflow._util import RUN_ID, TASK_ID, USER, collect, run, sse
from tests.support import Recorder, make_client

STARTED = {"event": "workflow_started", "task_id": TASK_ID, "workflow_run_id": RUN_ID,
           "data": {"id": RUN_ID, "workflow_id": "w-1", "created_at": 1795387519}}  # fmt: skip
NODE = {"event": "node_started", "task_id": TASK_ID, "workflow_run_id": RUN_ID,
        "data": {"id": "ne-1", "node_id": "n1", "node_type": "llm", "title": "LLM", "index": 1}}  # fmt: skip
FINISHED = {"event": "workflow_finished", "task_id": TASK_ID, "workflow_run_id": RUN_ID,
            "data": {"id": RUN_ID, "status": "succeeded", "outputs": {"text": "done"}}}  # fmt: skip
REQUEST = RunWorkflowRequest.builder().inputs({"text": "hi"}).user(USER).build()


class _Broken(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that sends ``chunk`` and then breaks the connection."""

    def __init__(self, chunk: bytes) -> None:
        self.chunk = chunk

    def __iter__(self) -> Iterator[bytes]:
        yield self.chunk
        raise httpx.ReadError("connection reset by peer")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.chunk
        raise httpx.ReadError("connection reset by peer")


def _answer(request_id: str, *payloads: dict[str, Any], broken: bool = False) -> Any:
    headers = {"content-type": "text/event-stream", "x-request-id": request_id}

    def answer(request: httpx.Request) -> httpx.Response:
        if broken:
            return httpx.Response(200, headers=headers, stream=_Broken(sse(*payloads)))
        return httpx.Response(200, headers=headers, content=sse(*payloads))

    return answer


def test_stream_resumable_is_a_stream_across_a_reconnection(recorder: Recorder) -> None:
    recorder.answers += [_answer("req-run", STARTED, broken=True), _answer("req-events", NODE, FINISHED)]
    with make_client(recorder).workflow.v1.workflow.stream_resumable(REQUEST) as stream:
        assert type(stream) is Stream
        assert (stream.status_code, stream.request_id) == (200, "req-run")
        first = next(stream)
        assert isinstance(first, WorkflowStartedEvent)
        second = next(stream)  # read after the reconnection: the facts are the new connection's
        assert isinstance(second, NodeStartedEvent)
        assert stream.request_id == "req-events" and stream.headers["x-request-id"] == "req-events"
        rest = list(stream)
    assert [type(e) for e in rest] == [WorkflowFinishedEvent] and stream.closed
    assert [r.url.path for r in recorder.requests] == ["/v1/workflows/run", f"/v1/workflow/{RUN_ID}/events"]


async def test_astream_resumable_is_an_async_stream_across_a_reconnection(recorder: Recorder) -> None:
    recorder.answers += [_answer("req-run", STARTED, broken=True), _answer("req-events", NODE, FINISHED)]
    client = make_client(recorder)
    opened = client.workflow.v1.workflow.astream_resumable(REQUEST)
    assert type(opened) is AsyncStream and not recorder.requests  # sent when first used, like astream
    async with opened as stream:
        assert (stream.status_code, stream.request_id) == (200, "req-run")
        events = [event async for event in stream]
        assert stream.request_id == "req-events"
    assert [type(e) for e in events] == [WorkflowStartedEvent, NodeStartedEvent, WorkflowFinishedEvent]
    assert stream.closed
    await client.aclose()


def test_resume_is_a_stream(recorder: Recorder) -> None:
    recorder.answers.append(_answer("req-1", FINISHED))
    stream = make_client(recorder).workflow.v1.workflow.resume(RUN_ID, USER)
    assert type(stream) is Stream and stream.request_id == "req-1" and stream.status_code == 200
    with stream:
        events = list(stream)
    assert [type(e) for e in events] == [WorkflowFinishedEvent]
    assert isinstance(events[0], WorkflowFinishedEvent) and events[0].data.outputs == {"text": "done"}


async def test_aresume_is_an_async_stream(recorder: Recorder) -> None:
    recorder.answers += [_answer("req-1", FINISHED), _answer("req-2", FINISHED)]
    client = make_client(recorder)
    workflow = client.workflow.v1.workflow
    stream = await workflow.aresume(RUN_ID, USER)  # awaited: opened
    assert type(stream) is AsyncStream and stream.request_id == "req-1" and stream.status_code == 200
    assert [type(e) async for e in stream] == [WorkflowFinishedEvent] and stream.closed
    async for event in workflow.aresume(RUN_ID, USER):  # iterated directly
        assert isinstance(event, WorkflowFinishedEvent)
    await client.aclose()


async def test_resume_reconnects_when_the_events_endpoint_is_out_of_reach(mode: str, recorder: Recorder) -> None:
    recorder.answers += [httpx.ConnectError("refused"), _answer("req-2", FINISHED)]
    client = make_client(recorder, max_retries=0)  # no transport retry: the reconnection does it
    workflow = client.workflow.v1.workflow
    if mode == "sync":
        with workflow.resume(RUN_ID, USER, max_reconnects=1) as stream:
            events = list(stream)
    else:
        async with workflow.aresume(RUN_ID, USER, max_reconnects=1) as astream:
            events = [event async for event in astream]
    assert [type(e) for e in events] == [WorkflowFinishedEvent] and len(recorder.requests) == 2
    recorder.answers += [httpx.ConnectError("refused"), httpx.ConnectError("refused again")]
    with pytest.raises(APIConnectionError):  # both tries out of reach: raised when the stream opens
        await run(mode, workflow, "resume", RUN_ID, USER, max_reconnects=1)
    assert len(recorder.requests) == 4
    await client.aclose()


async def test_closed_resumable_stream_does_not_reconnect(mode: str, recorder: Recorder) -> None:
    recorder.answers += [_answer("req-run", STARTED, NODE, broken=True), _answer("req-events", FINISHED)]
    client = make_client(recorder)
    if mode == "sync":
        stream = client.workflow.v1.workflow.stream_resumable(REQUEST)
        assert isinstance(next(stream), WorkflowStartedEvent)
        stream.close()
        assert stream.closed and list(stream) == []
    else:
        astream = client.workflow.v1.workflow.astream_resumable(REQUEST)
        assert isinstance(await anext(astream), WorkflowStartedEvent)
        await astream.aclose()
        assert astream.closed and [e async for e in astream] == []
    assert len(recorder.requests) == 1
    await client.aclose()


# ---- the built-in server (a real loopback transport) ----------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[DifyTestServer]:
    with DifyTestServer(indexing_seconds=0) as started:
        yield started


def test_built_in_server_sync(server: DifyTestServer) -> None:
    server.drop_stream(after_events=2, path="/workflows/run")
    with server.client("workflow") as client:
        workflow = client.workflow.v1.workflow
        with workflow.stream_resumable(REQUEST) as stream:
            assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
            events = list(stream)
        assert stream.closed
        assert isinstance(events[0], WorkflowStartedEvent) and isinstance(events[-1], WorkflowFinishedEvent)
        run_id = events[0].workflow_run_id
        assert run_id
        with workflow.resume(run_id, USER) as replay:
            assert [type(e) for e in replay] == [WorkflowFinishedEvent]
    assert [r.path.split("/")[1] for r in server.requests] == ["workflows", "workflow", "workflow"]


async def test_built_in_server_async(server: DifyTestServer) -> None:
    server.drop_stream(after_events=2, path="/workflows/run")
    async with server.client("workflow") as client:
        workflow = client.workflow.v1.workflow
        async with workflow.astream_resumable(REQUEST) as stream:
            assert stream.status_code == 200
            events = [event async for event in stream]
        assert stream.closed
        assert isinstance(events[0], WorkflowStartedEvent) and isinstance(events[-1], WorkflowFinishedEvent)
        run_id = events[0].workflow_run_id
        assert run_id
        async with workflow.aresume(run_id, USER) as replay:
            assert [type(e) async for e in replay] == [WorkflowFinishedEvent]
    assert [r.path.split("/")[1] for r in server.requests] == ["workflows", "workflow", "workflow"]


# ---- RequestOption.deadline bounds the whole resumed stream ---------------------------------------------------------


async def test_a_deadline_is_not_resumed_past(mode: str) -> None:
    """A stream cut by the call's deadline raises APITimeoutError: the deadline is not a broken connection to resume
    (no events request is sent)."""
    from dify_oapi import Client
    from dify_oapi.core.errors import APITimeoutError
    from dify_oapi.core.option import RequestOption
    from tests.api.workflow.test_workflow_hang import StallingServer
    from tests.support import APP_KEY

    option = RequestOption.builder().deadline(0.3).build()
    with StallingServer(sse(STARTED), hold=5.0) as server:
        client = Client(base_url=server.url, api_key=APP_KEY, stream_read_timeout=30, max_retries=0)
        got: list[Any] = []
        with pytest.raises(APITimeoutError, match="deadline"):
            await collect(mode, client.workflow.v1.workflow, "stream_resumable", REQUEST, option, into=got)
        assert [type(e) for e in got] == [WorkflowStartedEvent]
        assert len(server.requests) == 1 and server.requests[0].startswith(b"POST /v1/workflows/run ")
        client.close() if mode == "sync" else await client.aclose()


async def test_a_client_deadline_bounds_the_reconnection_by_the_time_left(mode: str, recorder: Recorder) -> None:
    """``Client(deadline=...)`` (no per-call option) is the call's deadline across a reconnection too: the events
    request gets what is left of it, not a fresh deadline of its own."""
    recorder.answers += [_answer("req-run", STARTED, broken=True), _answer("req-events", NODE, FINISHED)]
    client = make_client(recorder, deadline=30.0, timeout=httpx.Timeout(600.0, connect=5.0))
    events: list[Any] = []
    await collect(mode, client.workflow.v1.workflow, "stream_resumable", REQUEST, into=events)
    assert [type(e) for e in events] == [WorkflowStartedEvent, NodeStartedEvent, WorkflowFinishedEvent]
    first, again = (r.extensions["timeout"]["read"] for r in recorder.requests)
    assert first <= 30.0 and again < first  # the reconnection's bound is the time left of the same deadline
    client.close() if mode == "sync" else await client.aclose()
