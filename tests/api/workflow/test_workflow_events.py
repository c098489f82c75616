"""Workflow stream events: every event type parsed; the events endpoint (replayed); resuming a broken stream."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from dify_oapi.api.workflow.v1.model import event as ev
from dify_oapi.api.workflow.v1.model.workflow_run import RunWorkflowRequest, WorkflowEventsRequest
from dify_oapi.core.errors import APIConnectionError, InvalidRequestError, NotFoundError, StreamIncompleteError
from dify_oapi.core.events import StreamEvent
from dify_oapi.core.option import RequestOption
from tests.api.workflow._util import RUN_ID, TASK_ID, USER, check_sent, collect, run, sse, sse_response
from tests.support import Recorder, make_client, transcript_response

COMMON = {"task_id": "t-1", "workflow_run_id": "r-1"}
NODE = {"id": "ne-1", "node_id": "n1", "node_type": "llm", "title": "LLM", "index": 1}

# one payload per event type, and what it parses into
SAMPLES: list[tuple[dict[str, Any], type[StreamEvent]]] = [
    ({"event": "workflow_started", "data": {"id": "r-1", "workflow_id": "w", "inputs": "{\"q\": 1}"}},
     ev.WorkflowStartedEvent),
    ({"event": "workflow_finished", "data": {"id": "r-1", "status": "partial-succeeded", "outputs": None,
                                             "exceptions_count": 1}}, ev.WorkflowFinishedEvent),
    ({"event": "node_started", "data": {**NODE, "inputs": None}}, ev.NodeStartedEvent),
    ({"event": "node_finished", "data": {**NODE, "status": "exception", "outputs": "{\"x\": 2}",
                                         "process_data": {}, "execution_metadata": {"total_tokens": 3}}},
     ev.NodeFinishedEvent),
    ({"event": "node_retry", "data": {**NODE, "retry_index": 2, "error": "boom"}}, ev.NodeRetryEvent),
    ({"event": "iteration_started", "data": {**NODE, "metadata": {"iterator_length": 3}}}, ev.IterationStartedEvent),
    ({"event": "iteration_next", "data": {**NODE, "index": 2}}, ev.IterationNextEvent),
    ({"event": "iteration_completed", "data": {**NODE, "steps": 3, "status": "succeeded"}},
     ev.IterationCompletedEvent),
    ({"event": "loop_started", "data": NODE}, ev.LoopStartedEvent),
    ({"event": "loop_next", "data": {**NODE, "pre_loop_output": [1, 2]}}, ev.LoopNextEvent),
    ({"event": "loop_completed", "data": {**NODE, "steps": 2}}, ev.LoopCompletedEvent),
    ({"event": "text_chunk", "data": {"text": "Bon", "from_variable_selector": ["n1", "text"]}}, ev.TextChunkEvent),
    ({"event": "reasoning_chunk", "data": {"reasoning": "", "node_id": "n1", "is_final": True}},
     ev.ReasoningChunkEvent),
    ({"event": "agent_log", "data": {"node_execution_id": "ne-1", "id": "l1", "label": "Round 1",
                                     "status": "success", "data": {"k": "v"}}}, ev.AgentLogEvent),
    ({"event": "human_input_required", "data": {
        "form_id": "f1", "node_id": "h", "form_token": "tok", "form_content": "Review",
        "inputs": [{"type": "paragraph", "output_variable_name": "feedback"}],
        "actions": [{"id": "approve", "title": "Approve", "button_style": "primary"}],
        "expiration_time": 1745510400}}, ev.HumanInputRequiredEvent),
    ({"event": "workflow_paused", "data": {"workflow_run_id": "r-1", "paused_nodes": ["h"], "outputs": {},
                                           "status": "paused", "reasons": [{"type": "human_input"}]}},
     ev.WorkflowPausedEvent),
    ({"event": "human_input_form_filled", "data": {"node_id": "h", "action_id": "approve",
                                                   "submitted_data": {"feedback": "ok"}}},
     ev.HumanInputFormFilledEvent),
    ({"event": "human_input_form_timeout", "data": {"node_id": "h", "expiration_time": 1745510400}},
     ev.HumanInputFormTimeoutEvent),
    ({"event": "tts_message", "audio": "SUQz"}, ev.TtsMessageEvent),
    ({"event": "tts_message_end", "audio": ""}, ev.TtsMessageEndEvent),
]  # fmt: skip


def test_samples_cover_every_event_model() -> None:
    assert {model for _, model in SAMPLES} == set(ev.WORKFLOW_EVENT_MODELS)


async def test_every_event_type_is_parsed(mode: str, recorder: Recorder) -> None:
    payloads = [{**COMMON, "created_at": "2025-01-16T12:00:00Z", **p} for p, _ in SAMPLES[2:]]
    payloads.append({**COMMON, "event": "brand_new_event", "data": {"x": 1}})
    first, last = (p for p, _ in SAMPLES[:2])
    recorder.answers.append(sse_response({**COMMON, **first}, *payloads, {**COMMON, **last}))
    req = RunWorkflowRequest.builder().user(USER).build()
    events = await collect(mode, make_client(recorder).workflow.v1.workflow, "stream", req)
    expected = [SAMPLES[0][1], *(m for _, m in SAMPLES[2:]), StreamEvent, SAMPLES[1][1]]
    assert [type(e) for e in events] == expected
    by_name = {e.event: e for e in events}
    assert by_name["workflow_started"].data.inputs == {"q": 1}
    finished = by_name["workflow_finished"]
    assert finished.data.status == "partial-succeeded" and finished.data.outputs == {}
    assert by_name["node_started"].created_at == 1737028800 and by_name["node_started"].task_id == "t-1"
    assert by_name["node_finished"].data.outputs == {"x": 2} and by_name["node_finished"].data.status == "exception"
    assert by_name["node_retry"].data.retry_index == 2
    assert by_name["iteration_completed"].data.steps == 3 and by_name["loop_next"].data.pre_loop_output == [1, 2]
    assert by_name["text_chunk"].data.text == "Bon" and by_name["reasoning_chunk"].data.is_final is True
    assert by_name["agent_log"].data.label == "Round 1"
    required = by_name["human_input_required"].data
    assert required.form_token == "tok" and required.actions[0].id == "approve"
    assert required.inputs[0].output_variable_name == "feedback" and required.expiration_time == 1745510400
    assert by_name["workflow_paused"].data.paused_nodes == ["h"]
    assert by_name["human_input_form_filled"].data.submitted_data == {"feedback": "ok"}
    assert by_name["human_input_form_timeout"].data.node_id == "h"
    assert by_name["tts_message"].audio == "SUQz"
    unknown = by_name["brand_new_event"]
    assert unknown.model_extra == {"task_id": "t-1", "workflow_run_id": "r-1", "data": {"x": 1}}


def test_chatflow_fields_on_workflow_events() -> None:
    event = ev.NodeStartedEvent.model_validate(
        {**COMMON, "event": "node_started", "conversation_id": "c", "message_id": "m", "created_at": 5, "data": NODE}
    )
    assert event.conversation_id == "c" and event.message_id == "m" and event.created_at == 5


# ---- the events endpoint ----------------------------------------------------------------------------------------


async def test_stream_events_replays_a_finished_run(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_events"))
    req = WorkflowEventsRequest.builder().workflow_run_id(RUN_ID).user(USER).build()
    events = await collect(mode, make_client(recorder).workflow.v1.workflow, "stream_events", req)
    check_sent(recorder, "GET", f"/workflow/{RUN_ID}/events", query={"user": USER})
    assert recorder.last.headers["accept"] == "text/event-stream"
    assert [type(e) for e in events] == [ev.WorkflowFinishedEvent]
    assert events[0].workflow_run_id == RUN_ID and events[0].data.status == "succeeded"
    assert events[0].data.outputs == {"text": "Hello, stream!"}


async def test_stream_events_query_flags(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_events"))
    client = make_client(recorder, default_user="u-d")
    builder = WorkflowEventsRequest.builder().workflow_run_id(RUN_ID).include_state_snapshot(True)
    await collect(mode, client.workflow.v1.workflow, "stream_events", builder.continue_on_pause(False))
    check_sent(
        recorder, "GET", f"/workflow/{RUN_ID}/events",
        query={"user": "u-d", "include_state_snapshot": "true", "continue_on_pause": "false"},
    )  # fmt: skip


async def test_stream_events_with_a_task_id_is_not_found(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_events_by_task_id"))
    req = WorkflowEventsRequest.builder().workflow_run_id(TASK_ID).user(USER).build()
    with pytest.raises(NotFoundError, match="Workflow run not found"):
        await collect(mode, make_client(recorder).workflow.v1.workflow, "stream_events", req)


async def test_resume_by_run_id(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_events"))
    events = await collect(mode, make_client(recorder).workflow.v1.workflow, "resume", RUN_ID, USER)
    check_sent(recorder, "GET", f"/workflow/{RUN_ID}/events", query={"user": USER})
    assert [e.event for e in events] == ["workflow_finished"]


async def test_resume_passes_flags_and_option(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_events"))
    option = RequestOption.builder().api_key("app-other").build()
    workflow = make_client(recorder, default_user="u-d").workflow.v1.workflow
    await collect(mode, workflow, "resume", RUN_ID, None, option, include_state_snapshot=True, continue_on_pause=True)
    sent = recorder.last
    assert dict(sent.url.params) == {"user": "u-d", "include_state_snapshot": "true", "continue_on_pause": "true"}
    assert sent.headers["authorization"] == "Bearer app-other"


def test_resume_needs_a_user() -> None:
    with pytest.raises(InvalidRequestError, match="user"):
        make_client(Recorder()).workflow.v1.workflow.resume(RUN_ID)


# ---- resuming a broken stream -------------------------------------------------------------------------------------


class _Broken(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that sends ``chunks`` and then breaks the connection."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks
        raise httpx.ReadError("connection reset by peer")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        raise httpx.ReadError("connection reset by peer")


def _broken(*payloads: dict[str, Any]) -> Any:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=_Broken(sse(*payloads)))

    return answer


STARTED = {"event": "workflow_started", "task_id": TASK_ID, "workflow_run_id": RUN_ID,
           "data": {"id": RUN_ID, "workflow_id": "62046be8-dd27-4e06-b0e3-c867c072f1a3", "created_at": 1795387519}}  # fmt: skip
NODE_STARTED = {"event": "node_started", "task_id": TASK_ID, "workflow_run_id": RUN_ID, "data": NODE}


async def test_stream_resumable_continues_through_the_events_endpoint(mode: str, recorder: Recorder) -> None:
    recorder.answers += [_broken(STARTED, NODE_STARTED), transcript_response("wf_events")]
    req = RunWorkflowRequest.builder().inputs({"text": "Hello, stream!"}).user(USER).build()
    events = await collect(mode, make_client(recorder).workflow.v1.workflow, "stream_resumable", req)
    assert [e.event for e in events] == ["workflow_started", "node_started", "workflow_finished"]
    check_sent(recorder, "POST", "/workflows/run", index=0,
               body={"inputs": {"text": "Hello, stream!"}, "response_mode": "streaming", "user": USER})  # fmt: skip
    check_sent(recorder, "GET", f"/workflow/{RUN_ID}/events", query={"user": USER}, index=1)
    assert len(recorder.requests) == 2


async def test_stream_resumable_after_a_stream_closed_early(mode: str, recorder: Recorder) -> None:
    recorder.answers += [sse_response(STARTED), transcript_response("wf_events")]
    client = make_client(recorder, default_user="u-d")
    events = await collect(mode, client.workflow.v1.workflow, "stream_resumable", RunWorkflowRequest.builder())
    assert [e.event for e in events] == ["workflow_started", "workflow_finished"]
    assert recorder.last.url.params["user"] == "u-d"


async def test_run_via_stream_survives_a_broken_stream(mode: str, recorder: Recorder) -> None:
    recorder.answers += [_broken(STARTED), _broken(NODE_STARTED), transcript_response("wf_events")]
    req = RunWorkflowRequest.builder().user(USER).build()
    result = await run(mode, make_client(recorder).workflow.v1.workflow, "run_via_stream", req)
    assert result.status == "succeeded" and result.outputs == {"text": "Hello, stream!"}
    assert result.task_id == TASK_ID and result.workflow_run_id == RUN_ID
    assert [r.method for r in recorder.requests] == ["POST", "GET", "GET"]


async def test_no_resume_before_the_run_id_is_known(mode: str, recorder: Recorder) -> None:
    recorder.answers += [_broken(), transcript_response("wf_events")]
    req = RunWorkflowRequest.builder().user(USER).build()
    with pytest.raises(APIConnectionError):
        await collect(mode, make_client(recorder).workflow.v1.workflow, "stream_resumable", req)
    assert len(recorder.requests) == 1


async def test_resume_gives_up_after_max_reconnects(mode: str, recorder: Recorder) -> None:
    recorder.answers += [
        _broken(STARTED),
        _broken(NODE_STARTED),
        _broken(NODE_STARTED),
        transcript_response("wf_events"),
    ]
    req = RunWorkflowRequest.builder().user(USER).build()
    seen: list[Any] = []
    with pytest.raises(APIConnectionError):
        await collect(mode, make_client(recorder).workflow.v1.workflow, "stream_resumable", req, max_reconnects=2,
                      into=seen)  # fmt: skip
    assert len(recorder.requests) == 3 and [e.event for e in seen] == [
        "workflow_started",
        "node_started",
        "node_started",
    ]


async def test_resume_after_the_final_event_is_not_needed(mode: str, recorder: Recorder) -> None:
    finished = {
        "event": "workflow_finished",
        "task_id": TASK_ID,
        "workflow_run_id": RUN_ID,
        "data": {"status": "stopped"},
    }
    recorder.answers += [_broken(STARTED, finished), _broken(STARTED, finished)]
    workflow = make_client(recorder).workflow.v1.workflow
    req = RunWorkflowRequest.builder().user(USER).build()
    events = await collect(mode, workflow, "stream_resumable", req)
    assert [e.event for e in events] == ["workflow_started", "workflow_finished"]
    assert len(recorder.requests) == 1
    with pytest.raises(APIConnectionError) as info:  # the plain stream reports the broken connection
        await collect(mode, workflow, "stream", req)
    assert not isinstance(info.value, StreamIncompleteError)


def test_resume_events_endpoint_never_found_is_raised(recorder: Recorder) -> None:
    recorder.answers += [_broken(STARTED), transcript_response("wf_events_by_task_id")]
    req = RunWorkflowRequest.builder().user(USER).build()
    with pytest.raises(NotFoundError):
        list(make_client(recorder).workflow.v1.workflow.stream_resumable(req))
    assert json.loads(recorder.bodies[0])["response_mode"] == "streaming"
