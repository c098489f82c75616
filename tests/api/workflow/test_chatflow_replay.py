"""The events endpoint also replays chatflow runs: their message events arrive typed, not as plain StreamEvent."""

from __future__ import annotations

import json

import httpx

from dify_oapi.api.chat.v1.model.event import MessageEndEvent, MessageEvent
from dify_oapi.api.workflow.v1.model.event import WorkflowFinishedEvent
from dify_oapi.api.workflow.v1.model.workflow_run import WorkflowEventsRequest
from tests.support import Recorder, make_client


def test_chatflow_events_replay_is_typed() -> None:
    frames = [
        {"event": "message", "answer": "Echo: hi", "message_id": "m1", "conversation_id": "c1"},
        {"event": "message_end", "id": "m1", "metadata": {}},
        {"event": "workflow_finished", "workflow_run_id": "r1", "data": {"status": "succeeded", "outputs": None}},
    ]
    body = b"".join(b"data: " + json.dumps(f).encode() + b"\n\n" for f in frames)
    rec = Recorder(answers=[httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)])
    req = WorkflowEventsRequest.builder().workflow_run_id("r1").user("u").build()
    events = list(make_client(rec).workflow.v1.workflow.stream_events(req))
    assert [type(e) for e in events] == [MessageEvent, MessageEndEvent, WorkflowFinishedEvent]
    assert rec.last.url.path == "/v1/workflow/r1/events"
    assert isinstance(events[2], WorkflowFinishedEvent) and events[2].data.outputs == {}
