"""client.workflow.v1 end to end against the built-in server (workflow app: input `text`, output `text`;
`needs_approval` pauses at a human-input form), sync and async."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dify_oapi import AuthenticationError, Client, NotFoundError
from dify_oapi.api.workflow.v1.model.event import (
    HumanInputFormFilledEvent,
    HumanInputRequiredEvent,
    NodeStartedEvent,
    TextChunkEvent,
    WorkflowFinishedEvent,
    WorkflowPausedEvent,
    WorkflowStartedEvent,
)
from dify_oapi.api.workflow.v1.model.human_input import GetHumanInputFormRequest, SubmitHumanInputFormRequest
from dify_oapi.api.workflow.v1.model.log import ListWorkflowLogsRequest
from dify_oapi.api.workflow.v1.model.workflow_run import (
    GetWorkflowRunRequest,
    RunWorkflowByIdRequest,
    RunWorkflowRequest,
    StopWorkflowRequest,
    WorkflowEventsRequest,
)
from dify_oapi.core.errors import (
    HumanInputFormExpiredError,
    HumanInputFormSubmittedError,
    InvalidParamError,
    NotWorkflowAppError,
)
from dify_oapi.testing import DifyTestServer

from .harness import Api

MakeApi = Callable[..., Api]


def run_request(text: str, user: str, **inputs: Any) -> RunWorkflowRequest:
    return RunWorkflowRequest.builder().inputs({"text": text, **inputs}).user(user).build()


async def test_run_stream_get_stop_and_logs(make_api: MakeApi, user: str) -> None:
    api = make_api("workflow")
    wf, log = api.client.workflow.v1.workflow, api.client.workflow.v1.log

    blocking = await api.call(wf, "run", run_request("blocking run", user))
    assert blocking.data.status == "succeeded" and blocking.data.outputs == {"text": "blocking run"}
    assert blocking.workflow_run_id == blocking.data.id and blocking.task_id

    events = await api.events(wf, "stream", run_request("streamed run", user))
    started, finished = events[0], events[-1]
    assert isinstance(started, WorkflowStartedEvent) and isinstance(finished, WorkflowFinishedEvent)
    assert any(isinstance(e, NodeStartedEvent) for e in events)
    assert [e.data.text for e in events if isinstance(e, TextChunkEvent)] == ["streamed run"]
    assert finished.data.outputs == {"text": "streamed run"} and finished.data.status == "succeeded"
    assert {e.workflow_run_id for e in events} == {started.workflow_run_id}
    workflow_id = started.data.workflow_id
    assert workflow_id

    pinned = await api.call(
        wf, "run_by_id", RunWorkflowByIdRequest.builder().workflow_id(workflow_id).inputs({"text": "pinned"}).user(user)
    )
    assert pinned.data.outputs == {"text": "pinned"} and pinned.data.workflow_id == workflow_id
    pinned_events = await api.events(
        wf, "stream_by_id",
        RunWorkflowByIdRequest.builder().workflow_id(workflow_id).inputs({"text": "pinned stream"}).user(user).build(),
    )  # fmt: skip
    assert isinstance(pinned_events[-1], WorkflowFinishedEvent)
    assert pinned_events[-1].data.outputs == {"text": "pinned stream"}
    with pytest.raises(NotFoundError):
        await api.call(
            wf, "run_by_id",
            RunWorkflowByIdRequest.builder().workflow_id("00000000-0000-0000-0000-000000000000")
            .inputs({"text": "x"}).user(user).build(),
        )  # fmt: skip

    collected = await api.call(wf, "run_via_stream", run_request("via stream", user))
    assert collected.data.status == "succeeded" and collected.data.outputs == {"text": "via stream"}
    assert collected.workflow_run_id and collected.task_id

    detail = await api.call(wf, "get", GetWorkflowRunRequest(workflow_run_id=collected.workflow_run_id))
    assert detail.id == collected.workflow_run_id and detail.status == "succeeded"
    assert detail.inputs["text"] == "via stream" and detail.outputs == {"text": "via stream"}

    replay = await api.events(
        wf,
        "stream_events",
        WorkflowEventsRequest.builder().workflow_run_id(blocking.workflow_run_id).user(user).build(),
    )
    assert [e.event for e in replay] == ["workflow_finished"]
    assert replay[0].data.outputs == {"text": "blocking run"}

    stopped = await api.call(wf, "stop", StopWorkflowRequest.builder().task_id(started.task_id).user(user).build())
    assert stopped.result == "success"

    mine = {blocking.workflow_run_id, started.workflow_run_id, pinned.workflow_run_id, collected.workflow_run_id}
    page = await api.call(log, "list", ListWorkflowLogsRequest.builder().keyword("pinned").limit(1).build())
    assert page.total and page.total >= 2 and len(page.data) == 1 and page.has_more
    every = await api.items(log, "iter", ListWorkflowLogsRequest.builder().limit(2).build())
    assert mine <= {entry.workflow_run.id for entry in every}
    assert len(every) == len({entry.id for entry in every})
    assert all(entry.workflow_run.status == "succeeded" for entry in every if entry.workflow_run.id in mine)


async def test_stream_resumable_survives_a_dropped_connection(
    make_api: MakeApi, server: DifyTestServer, user: str
) -> None:
    api = make_api("workflow")
    wf = api.client.workflow.v1.workflow
    server.drop_stream(after_events=2, path="/workflows/run")
    events = await api.events(wf, "stream_resumable", run_request("keeps going", user))
    assert [e.event for e in events[:2]] == ["workflow_started", "node_started"]
    assert isinstance(events[-1], WorkflowFinishedEvent) and events[-1].data.outputs == {"text": "keeps going"}
    run_id = events[0].workflow_run_id
    assert server.requests_to(f"/workflow/{run_id}/events", "GET")  # continued through the events endpoint

    # a broken blocking-over-stream run resumes the same way
    server.drop_stream(after_events=1, path="/workflows/run")
    result = await api.call(wf, "run_via_stream", run_request("also resumed", user))
    assert result.data.status == "succeeded" and result.data.outputs == {"text": "also resumed"}


async def test_human_input_pause_submit_resume(make_api: MakeApi, user: str) -> None:
    api = make_api("workflow")
    wf, human = api.client.workflow.v1.workflow, api.client.workflow.v1.human_input

    events = await api.events(wf, "stream", run_request("ship it", user, needs_approval=True))
    assert [e.event for e in events][-2:] == ["human_input_required", "workflow_paused"]
    required, paused = events[-2], events[-1]
    assert isinstance(required, HumanInputRequiredEvent) and isinstance(paused, WorkflowPausedEvent)
    token, run_id = required.data.form_token, required.workflow_run_id
    assert token and run_id

    detail = await api.call(wf, "get", GetWorkflowRunRequest(workflow_run_id=run_id))
    assert detail.status == "paused"
    pending = await api.events(wf, "resume", run_id, user)  # still paused: the form is not submitted yet
    assert [e.event for e in pending] == ["human_input_required", "workflow_paused"]

    form = await api.call(human, "get", GetHumanInputFormRequest(form_token=token))
    assert [a.id for a in form.user_actions] == ["approve", "reject"]
    assert "ship it" in (form.form_content or "")
    submitted = await api.call(
        human, "submit",
        SubmitHumanInputFormRequest.builder().form_token(token).action("approve").inputs({"comment": "ok"})
        .user(user).build(),
    )  # fmt: skip
    assert submitted is not None

    resumed = await api.events(wf, "resume", run_id, user)
    assert isinstance(resumed[0], HumanInputFormFilledEvent) and resumed[0].data.action_id == "approve"
    assert isinstance(resumed[-1], WorkflowFinishedEvent) and resumed[-1].data.outputs == {"text": "ship it"}
    finished = await api.call(wf, "get", GetWorkflowRunRequest(workflow_run_id=run_id))
    assert finished.status == "succeeded" and finished.outputs == {"text": "ship it"}

    with pytest.raises(HumanInputFormSubmittedError):
        await api.call(human, "get", GetHumanInputFormRequest(form_token=token))

    # paused through the resumable stream and through run_via_stream too
    again = await api.events(wf, "stream_resumable", run_request("second", user, needs_approval=True))
    assert isinstance(again[-1], WorkflowPausedEvent)
    result = await api.call(wf, "run_via_stream", run_request("third", user, needs_approval=True))
    assert result.data.status == "paused"


async def test_expired_form(make_api: MakeApi, server: DifyTestServer, user: str) -> None:
    api = make_api("workflow")
    wf, human = api.client.workflow.v1.workflow, api.client.workflow.v1.human_input
    paused = await api.call(wf, "run", run_request("too late", user, needs_approval=True))
    assert paused.data.status == "paused"
    tail = await api.events(
        wf, "stream_events", WorkflowEventsRequest(workflow_run_id=paused.workflow_run_id, user=user)
    )
    required = tail[0]
    assert isinstance(required, HumanInputRequiredEvent) and required.data.form_token
    server.expire_forms()
    with pytest.raises(HumanInputFormExpiredError) as raised:
        await api.call(
            human, "submit",
            SubmitHumanInputFormRequest.builder().form_token(required.data.form_token).action("approve").user(user),
        )  # fmt: skip
    assert raised.value.status_code == 412 and raised.value.code == "human_input_form_expired"


async def test_errors(make_api: MakeApi, server: DifyTestServer, user: str) -> None:
    api = make_api("workflow")
    wf = api.client.workflow.v1.workflow
    with pytest.raises(InvalidParamError):  # the required input `text` is missing
        await api.call(wf, "run", RunWorkflowRequest(user=user))
    with pytest.raises(NotFoundError):
        await api.call(wf, "get", GetWorkflowRunRequest(workflow_run_id="00000000-0000-0000-0000-000000000000"))
    on_chat_app = make_api("chat")
    with pytest.raises(NotWorkflowAppError):
        await on_chat_app.call(on_chat_app.client.workflow.v1.workflow, "run", run_request("x", user))
    wrong = make_api(client=Client(base_url=server.url, api_key="app-nope", max_retries=0))
    with pytest.raises(AuthenticationError):
        await wrong.call(wrong.client.workflow.v1.log, "list", ListWorkflowLogsRequest())
