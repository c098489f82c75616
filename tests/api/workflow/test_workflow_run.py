"""client.workflow.v1.workflow: run, run_by_id, stream, stream_by_id, get, stop, run_via_stream (sync and async),
replayed from the real server's transcripts; no retry of a run once sent."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from dify_oapi.api.dify.v1.model.shared import InputFile
from dify_oapi.api.workflow.v1.model.event import (
    NodeFinishedEvent,
    NodeStartedEvent,
    TextChunkEvent,
    WorkflowFinishedEvent,
    WorkflowStartedEvent,
)
from dify_oapi.api.workflow.v1.model.workflow_run import (
    GetWorkflowRunRequest,
    RunCollector,
    RunWorkflowByIdRequest,
    RunWorkflowRequest,
    StopWorkflowRequest,
    WorkflowRun,
    WorkflowRunResponse,
)
from dify_oapi.core.errors import (
    APIConnectionError,
    InvalidParamError,
    InvalidRequestError,
    NotFoundError,
    StreamIncompleteError,
)
from dify_oapi.core.model import SimpleResult
from tests.api.workflow._util import RUN_ID, TASK_ID, USER, check_sent, collect, run, sse_response
from tests.support import Recorder, make_client, transcript, transcript_response

PINNED = "62046be8-dd27-4e06-b0e3-c867c072f1a3"


def _run_request(text: str = "Hello, Dify!") -> RunWorkflowRequest:
    return RunWorkflowRequest.builder().inputs({"text": text}).user(USER).build()


# ---- blocking -----------------------------------------------------------------------------------------------------


async def test_run_replays_blocking_answer(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_run_blocking"))
    result = await run(mode, make_client(recorder).workflow.v1.workflow, "run", _run_request())
    check_sent(recorder, "POST", "/workflows/run", body=transcript("wf_run_blocking")["request"]["body"])
    assert isinstance(result, WorkflowRunResponse)
    assert result.task_id == "df5ecfc8-fe16-43df-b906-48d28aeb2ac1"
    assert result.workflow_run_id == result.data.id == "47f44916-d99c-4ec5-a3c1-d84b188fd586"
    assert result.status == "succeeded" and result.outputs == {"text": "Hello, Dify!"}
    assert result.data.total_steps == 2 and result.data.created_at == 1795387519 and result.data.error is None


async def test_run_by_id_replays_pinned_version(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_run_by_workflow_id"))
    req = RunWorkflowByIdRequest.builder().workflow_id(PINNED).inputs({"text": "pinned version"}).user(USER).build()
    result = await run(mode, make_client(recorder).workflow.v1.workflow, "run_by_id", req)
    sent = transcript("wf_run_by_workflow_id")["request"]
    check_sent(recorder, "POST", f"/workflows/{PINNED}/run", body=sent["body"])
    assert result.data.workflow_id == PINNED and result.outputs == {"text": "pinned version"}


async def test_run_missing_input_raises_invalid_param(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_run_blocking_missing_input"))
    req = RunWorkflowRequest.builder().user(USER).build()
    with pytest.raises(InvalidParamError) as info:
        await run(mode, make_client(recorder).workflow.v1.workflow, "run", req)
    assert info.value.status_code == 400 and "text is required" in str(info.value)
    check_sent(recorder, "POST", "/workflows/run", body={"inputs": {}, "response_mode": "blocking", "user": USER})
    assert len(recorder.requests) == 1


async def test_run_sends_files_typed_and_default_user(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_run_blocking"))
    client = make_client(recorder, default_user="u-default")
    builder = RunWorkflowRequest.builder().inputs(
        {"doc": InputFile.local("f-1", "document"), "pics": [InputFile.remote("https://x.test/a.png", "image")], "n": 3}
    )
    await run(mode, client.workflow.v1.workflow, "run", builder.files([InputFile.local("f-2", "image")]))
    check_sent(
        recorder, "POST", "/workflows/run",
        body={
            "inputs": {
                "doc": {"type": "document", "transfer_method": "local_file", "upload_file_id": "f-1"},
                "pics": [{"type": "image", "transfer_method": "remote_url", "url": "https://x.test/a.png"}],
                "n": 3,
            },
            "files": [{"type": "image", "transfer_method": "local_file", "upload_file_id": "f-2"}],
            "response_mode": "blocking",
            "user": "u-default",
        },
    )  # fmt: skip


def test_run_request_is_validated_before_io() -> None:
    with pytest.raises(InvalidRequestError, match="user"):
        RunWorkflowRequest.builder().inputs({"a": 1}).build()
    with pytest.raises(InvalidRequestError, match="workflow_id"):
        RunWorkflowByIdRequest.builder().user(USER).build()


async def test_run_is_not_resent_after_a_read_error(mode: str) -> None:
    """A workflow run that may have reached the server is never sent twice (POST runs are not retry-safe)."""
    recorder = Recorder(answers=[httpx.ReadError("connection reset"), transcript_response("wf_run_blocking")])
    client = make_client(recorder, max_retries=3)
    with pytest.raises(APIConnectionError):
        await run(mode, client.workflow.v1.workflow, "run", _run_request())
    assert len(recorder.requests) == 1


async def test_stream_is_not_resent_after_a_read_error(mode: str) -> None:
    recorder = Recorder(answers=[httpx.ReadTimeout("slow"), transcript_response("wf_run_streaming")])
    client = make_client(recorder, max_retries=3)
    with pytest.raises(APIConnectionError):
        await collect(mode, client.workflow.v1.workflow, "stream", _run_request())
    assert len(recorder.requests) == 1


async def test_run_is_retried_when_nothing_was_sent(mode: str) -> None:
    recorder = Recorder(answers=[httpx.ConnectError("refused"), transcript_response("wf_run_blocking")])
    result = await run(mode, make_client(recorder).workflow.v1.workflow, "run", _run_request())
    assert len(recorder.requests) == 2 and result.status == "succeeded"


# ---- streaming ----------------------------------------------------------------------------------------------------


async def test_stream_replays_streaming_run(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_run_streaming"))
    req = _run_request("Hello, stream!")
    events = await collect(mode, make_client(recorder).workflow.v1.workflow, "stream", req)
    check_sent(recorder, "POST", "/workflows/run", body=transcript("wf_run_streaming")["request"]["body"])
    assert recorder.last.headers["accept"] == "text/event-stream"
    kinds: list[type[Any]] = [type(e) for e in events]
    assert kinds == [
        WorkflowStartedEvent, NodeStartedEvent, TextChunkEvent, NodeFinishedEvent, NodeStartedEvent,
        NodeFinishedEvent, WorkflowFinishedEvent,
    ]  # fmt: skip
    started, finished = events[0], events[-1]
    assert started.workflow_run_id == RUN_ID and started.task_id == TASK_ID
    assert started.data.inputs["text"] == "Hello, stream!" and started.data.reason == "initial"
    assert events[2].data.text == "Hello, stream!" and events[2].data.from_variable_selector == ["start", "text"]
    assert events[3].data.outputs == {"text": "Hello, stream!"} and events[3].data.status == "succeeded"
    assert finished.data.status == "succeeded" and finished.data.outputs == {"text": "Hello, stream!"}
    assert finished.data.created_by == {"id": "531b1471-64ed-409b-8350-41ffe66cd293", "user": USER}


async def test_stream_by_id_sends_streaming_mode(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_run_streaming"))
    req = RunWorkflowByIdRequest.builder().workflow_id(PINNED).user(USER).build()
    events = await collect(mode, make_client(recorder).workflow.v1.workflow, "stream_by_id", req)
    check_sent(
        recorder, "POST", f"/workflows/{PINNED}/run", body={"inputs": {}, "response_mode": "streaming", "user": USER}
    )
    assert isinstance(events[-1], WorkflowFinishedEvent)


async def test_stream_cut_before_final_event_raises(mode: str, recorder: Recorder) -> None:
    body = transcript("wf_run_streaming")["response"]["body"]
    cut = body[: body.index(b'data: {"event":"workflow_finished"')]
    recorder.answers.append(httpx.Response(200, headers={"content-type": "text/event-stream"}, content=cut))
    seen: list[object] = []
    with pytest.raises(StreamIncompleteError):
        await collect(mode, make_client(recorder).workflow.v1.workflow, "stream", _run_request(), into=seen)
    assert len(seen) == 6


async def test_stream_error_event_raises_typed_error(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(
        sse_response(
            {"event": "workflow_started", "task_id": "t", "workflow_run_id": "r", "data": {"id": "r"}},
            {"event": "error", "task_id": "t", "status": 400, "code": "invalid_param", "message": "bad input"},
        )
    )
    seen: list[object] = []
    with pytest.raises(InvalidParamError, match="bad input"):
        await collect(mode, make_client(recorder).workflow.v1.workflow, "stream", _run_request(), into=seen)
    assert [type(e) for e in seen] == [WorkflowStartedEvent]


# ---- a blocking result over a stream ------------------------------------------------------------------------------


async def test_run_via_stream_returns_the_blocking_result(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_run_streaming"))
    req = _run_request("Hello, stream!")
    result = await run(mode, make_client(recorder).workflow.v1.workflow, "run_via_stream", req)
    check_sent(recorder, "POST", "/workflows/run", body=transcript("wf_run_streaming")["request"]["body"])
    assert isinstance(result, WorkflowRunResponse)
    assert result.task_id == TASK_ID and result.workflow_run_id == RUN_ID
    assert result.data.id == RUN_ID and result.data.workflow_id == PINNED
    assert result.status == "succeeded" and result.outputs == {"text": "Hello, stream!"}
    assert result.data.total_steps == 2 and result.data.finished_at == 1795387519


async def test_run_via_stream_of_a_pinned_version(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_run_streaming"))
    req = RunWorkflowByIdRequest.builder().workflow_id(PINNED).user(USER).build()
    result = await run(mode, make_client(recorder).workflow.v1.workflow, "run_via_stream", req)
    assert recorder.last.url.path == f"/v1/workflows/{PINNED}/run"
    assert result.status == "succeeded"


def test_collector_paused_and_partial_runs() -> None:
    collector = RunCollector()
    assert collector.result().data.status is None and not collector.done
    collector.add(WorkflowStartedEvent.model_validate(
        {"task_id": "t", "workflow_run_id": "r", "data": {"id": "r", "workflow_id": "w", "created_at": 5}}
    ))  # fmt: skip
    from dify_oapi.api.workflow.v1.model.event import WorkflowPausedEvent

    collector.add(WorkflowPausedEvent.model_validate(
        {"task_id": "t", "workflow_run_id": "r", "data": {"outputs": {"a": 1}, "total_steps": 2, "elapsed_time": 0.5}}
    ))  # fmt: skip
    paused = collector.result()
    assert collector.done and paused.status == "paused" and paused.outputs == {"a": 1}
    assert paused.data.workflow_id == "w" and paused.data.created_at == 5 and paused.workflow_run_id == "r"
    collector.add(WorkflowFinishedEvent.model_validate(
        {"task_id": "t", "workflow_run_id": "r", "data": {"status": "partial-succeeded", "outputs": None}}
    ))  # fmt: skip
    final = collector.result()
    assert final.status == "partial-succeeded" and final.outputs == {} and final.data.workflow_id == "w"


# ---- get, stop ----------------------------------------------------------------------------------------------------


async def test_get_replays_run_detail_with_json_string_inputs(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_run_get"))
    req = GetWorkflowRunRequest.builder().workflow_run_id(RUN_ID).build()
    detail = await run(mode, make_client(recorder).workflow.v1.workflow, "get", req)
    check_sent(recorder, "GET", f"/workflows/run/{RUN_ID}")
    assert isinstance(detail, WorkflowRun)
    assert detail.inputs["text"] == "Hello, stream!" and detail.inputs["sys.user_id"] == USER
    assert detail.outputs == {"text": "Hello, stream!"}
    assert detail.status == "succeeded" and detail.total_steps == 2 and detail.elapsed_time == pytest.approx(0.060641)


async def test_get_accepts_object_and_null_inputs(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(
        httpx.Response(200, json={"id": "r", "inputs": {"a": 1}, "outputs": None, "status": "running"})
    )
    recorder.answers.append(httpx.Response(200, json={"id": "r", "inputs": None, "outputs": '{"b": 2}'}))
    workflow = make_client(recorder).workflow.v1.workflow
    first = await run(mode, workflow, "get", GetWorkflowRunRequest(workflow_run_id="r"))
    second = await run(mode, workflow, "get", GetWorkflowRunRequest(workflow_run_id="r"))
    assert first.inputs == {"a": 1} and first.outputs == {} and first.status == "running"
    assert second.inputs == {} and second.outputs == {"b": 2}


async def test_get_unknown_run_raises_not_found(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_run_get_unknown"))
    req = GetWorkflowRunRequest.builder().workflow_run_id("00000000-0000-0000-0000-000000000000").build()
    with pytest.raises(NotFoundError) as info:
        await run(mode, make_client(recorder).workflow.v1.workflow, "get", req)
    assert info.value.code == "not_found" and info.value.status_code == 404


async def test_stop_replays_success(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_task_stop"))
    req = StopWorkflowRequest.builder().task_id(TASK_ID).user(USER).build()
    result = await run(mode, make_client(recorder).workflow.v1.workflow, "stop", req)
    check_sent(recorder, "POST", f"/workflows/tasks/{TASK_ID}/stop", body={"user": USER})
    assert isinstance(result, SimpleResult) and result.result == "success"


async def test_path_values_are_encoded(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_run_get"))
    await run(mode, make_client(recorder).workflow.v1.workflow, "get", GetWorkflowRunRequest(workflow_run_id="a/b"))
    assert recorder.last.url.raw_path == b"/v1/workflows/run/a%2Fb"
