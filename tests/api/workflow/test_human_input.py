"""client.workflow.v1.human_input: get and submit a form (sync and async), its errors, and the whole pause/resume
flow: stream -> human_input_required + workflow_paused -> get form -> submit -> resume -> workflow_finished."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from dify_oapi.api.workflow.v1.model.event import HumanInputRequiredEvent, WorkflowPausedEvent
from dify_oapi.api.workflow.v1.model.human_input import (
    GetHumanInputFormRequest,
    HumanInputForm,
    SubmitHumanInputFormRequest,
)
from dify_oapi.api.workflow.v1.model.workflow_run import RunWorkflowRequest
from dify_oapi.core.errors import HumanInputFormExpiredError, HumanInputFormSubmittedError, NotFoundError
from dify_oapi.core.model import SimpleResult
from tests.api.workflow._util import USER, check_sent, collect, run, sse_response
from tests.support import Recorder, make_client

TOKEN = "tok-123"
FORM: dict[str, Any] = {
    "form_content": "Please review the draft.",
    "inputs": [
        {"type": "paragraph", "output_variable_name": "feedback",
         "default": {"type": "constant", "selector": [], "value": ""}},
        {"type": "select", "output_variable_name": "priority",
         "option_source": {"type": "constant", "selector": [], "value": ["low", "high"]}},
        {"type": "file-list", "output_variable_name": "attachments", "allowed_file_types": ["image"],
         "allowed_file_extensions": [], "allowed_file_upload_methods": ["local_file"], "number_limits": 5},
    ],
    "resolved_default_values": {"feedback": ""},
    "user_actions": [{"id": "approve", "title": "Approve", "button_style": "primary"},
                     {"id": "reject", "title": "Request changes", "button_style": "default"}],
    "expiration_time": 1745510400,
}  # fmt: skip


async def test_get_form(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json=FORM))
    form = await run(mode, make_client(recorder).workflow.v1.human_input, "get",
                     GetHumanInputFormRequest.builder().form_token(TOKEN).build())  # fmt: skip
    check_sent(recorder, "GET", f"/form/human_input/{TOKEN}")
    assert isinstance(form, HumanInputForm)
    assert form.form_content == "Please review the draft." and form.expiration_time == 1745510400
    assert [a.id for a in form.user_actions] == ["approve", "reject"]
    assert form.inputs[1].option_source == {"type": "constant", "selector": [], "value": ["low", "high"]}
    assert form.inputs[2].number_limits == 5 and form.inputs[2].allowed_file_types == ["image"]
    assert form.resolved_default_values == {"feedback": ""}


async def test_submit_form(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={}))
    req = (
        SubmitHumanInputFormRequest.builder()
        .form_token(TOKEN).action("approve").inputs({"feedback": "Looks good"}).user(USER)
        .build()
    )  # fmt: skip
    result = await run(mode, make_client(recorder).workflow.v1.human_input, "submit", req)
    check_sent(recorder, "POST", f"/form/human_input/{TOKEN}",
               body={"inputs": {"feedback": "Looks good"}, "action": "approve", "user": USER})  # fmt: skip
    assert isinstance(result, SimpleResult) and result.result == "success"


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (412, "human_input_form_expired", HumanInputFormExpiredError),
        (412, "human_input_form_submitted", HumanInputFormSubmittedError),
        (404, "not_found", NotFoundError),
    ],
)
async def test_submit_errors_are_typed(mode: str, recorder: Recorder, status: int, code: str, error: Any) -> None:
    recorder.answers.append(httpx.Response(status, json={"status": status, "code": code, "message": "form_id=f1"}))
    client = make_client(recorder, default_user="u-d", max_retries=3)
    builder = SubmitHumanInputFormRequest.builder().form_token(TOKEN).action("approve")
    with pytest.raises(error) as info:
        await run(mode, client.workflow.v1.human_input, "submit", builder)
    assert info.value.code == code and len(recorder.requests) == 1
    check_sent(recorder, "POST", f"/form/human_input/{TOKEN}", body={"inputs": {}, "action": "approve", "user": "u-d"})


async def test_pause_submit_resume_flow(mode: str, recorder: Recorder) -> None:
    run_id, task_id = "run-1", "task-1"
    ids = {"task_id": task_id, "workflow_run_id": run_id}
    recorder.answers += [
        sse_response(
            {**ids, "event": "workflow_started", "data": {"id": run_id, "workflow_id": "w"}},
            {**ids, "event": "human_input_required", "data": {"node_id": "h", "form_token": TOKEN,
                                                              "actions": [{"id": "approve"}]}},
            {**ids, "event": "workflow_paused", "data": {"workflow_run_id": run_id, "paused_nodes": ["h"],
                                                         "status": "paused"}},
        ),
        httpx.Response(200, json=FORM),
        httpx.Response(200, json={}),
        sse_response(
            {**ids, "event": "human_input_form_filled", "data": {"node_id": "h", "action_id": "approve"}},
            {**ids, "event": "workflow_finished", "data": {"id": run_id, "status": "succeeded",
                                                           "outputs": {"verdict": "approve"}}},
        ),
    ]  # fmt: skip
    client = make_client(recorder, default_user=USER)
    workflow, human_input = client.workflow.v1.workflow, client.workflow.v1.human_input

    paused = await run(mode, workflow, "run_via_stream", RunWorkflowRequest.builder().inputs({"doc": "d"}))
    assert paused.status == "paused" and paused.workflow_run_id == run_id
    assert [r.method for r in recorder.requests] == ["POST"]  # the paused stream ended: no reconnection

    form = await run(mode, human_input, "get", GetHumanInputFormRequest(form_token=TOKEN))
    await run(mode, human_input, "submit", SubmitHumanInputFormRequest.builder().form_token(TOKEN)
              .action(form.user_actions[0].id).inputs({"feedback": "ok"}))  # fmt: skip
    resumed = await collect(mode, workflow, "resume", run_id)
    assert [e.event for e in resumed] == ["human_input_form_filled", "workflow_finished"]
    assert resumed[-1].data.outputs == {"verdict": "approve"}
    assert [(r.method, r.url.path) for r in recorder.requests] == [
        ("POST", "/v1/workflows/run"),
        ("GET", f"/v1/form/human_input/{TOKEN}"),
        ("POST", f"/v1/form/human_input/{TOKEN}"),
        ("GET", f"/v1/workflow/{run_id}/events"),
    ]
    assert recorder.requests[-1].url.params["user"] == USER


async def test_paused_stream_events(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(
        sse_response(
            {"event": "human_input_required", "workflow_run_id": "r", "data": {"form_token": TOKEN}},
            {"event": "workflow_paused", "workflow_run_id": "r", "data": {"status": "paused"}},
        )
    )
    events = await collect(mode, make_client(recorder).workflow.v1.workflow, "stream",
                           RunWorkflowRequest.builder().user(USER).build())  # fmt: skip
    assert isinstance(events[0], HumanInputRequiredEvent) and events[0].data.form_token == TOKEN
    assert isinstance(events[1], WorkflowPausedEvent)
