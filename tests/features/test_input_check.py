"""Inputs checked against the app's form before a run is sent (Client(check_inputs=True) / RequestOption)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from dify_oapi import BadRequestError, Client, InvalidRequestError, RequestOption
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.api.completion.v1.model.completion_message import CompletionMessageRequest
from dify_oapi.api.dify.v1.model.shared import InputFile
from dify_oapi.api.workflow.v1.model.workflow_run import RunWorkflowByIdRequest, RunWorkflowRequest
from dify_oapi.testing import DifyTestServer
from tests.support import APP_KEY, Recorder, call, collect, make_client, sse_response, transcript

ON = RequestOption(check_inputs=True)


def run(text: Any = None, **more: Any) -> RunWorkflowRequest:
    inputs = {**({} if text is None else {"text": text}), **more}
    return RunWorkflowRequest.builder().inputs(inputs).user("u-1").build()


async def test_a_streaming_run_with_a_missing_input_is_refused_before_anything_is_sent(
    server: DifyTestServer, mode: str
) -> None:
    with server.client("workflow", check_inputs=True) as client:
        server.clear_requests()
        with pytest.raises(InvalidRequestError, match="text is required") as caught:
            await collect(mode, client.workflow.v1.workflow, "stream", run())
        assert "/workflows/run" in str(caught.value)
        assert server.requests_to("/workflows/run") == []
        assert len(server.requests_to("/parameters")) == 1
        with pytest.raises(
            InvalidRequestError, match=r"text is longer than its max_length 256 \(300 characters\)"
        ) as long:
            await call(mode, client.workflow.v1.workflow, "run", run("x" * 300))
        assert "xxxx" not in str(long.value)
        ok = await call(mode, client.workflow.v1.workflow, "run", run("fine"))
        assert ok.data.outputs == {"text": "fine"}
        assert len(server.requests_to("/workflows/run")) == 1
        assert len(server.requests_to("/parameters")) == 1  # fetched once per key, then cached
        await client.aclose()


async def test_per_call_option_with_options_and_refresh(server: DifyTestServer, mode: str) -> None:
    with server.client("completion") as client:
        server.clear_requests()
        missing = CompletionMessageRequest.builder().inputs({}).user("u-1").build()
        with pytest.raises(InvalidRequestError, match="query is required"):
            await call(mode, client.completion.v1.message, "create", missing, ON)
        assert server.requests_to("/completion-messages") == []
        derived = client.with_options(check_inputs=True)
        with pytest.raises(InvalidRequestError, match="query is required"):
            await call(mode, derived.completion.v1.message, "create", missing)
        assert len(server.requests_to("/parameters")) == 1  # the derived Client shares the cache
        # Off for one call: sent, and the server answers the error itself (a blocking run gets a proper 400).
        with pytest.raises(BadRequestError, match="query is required in input form"):
            await call(mode, derived.completion.v1.message, "create", missing, RequestOption(check_inputs=False))
        assert len(server.requests_to("/completion-messages")) == 1
        client.refresh_input_forms()
        with pytest.raises(InvalidRequestError):
            await call(mode, derived.completion.v1.message, "create", missing)
        assert len(server.requests_to("/parameters")) == 2
        assert len(server.requests_to("/completion-messages")) == 1
        await client.aclose()


async def test_chat_follow_up_may_leave_required_inputs_out(server: DifyTestServer, mode: str) -> None:
    with server.client("chat", check_inputs=True) as client:
        ask = ChatMessageRequest.builder().query("hi").user("u-follow").inputs({"name": "n" * 49}).build()
        with pytest.raises(InvalidRequestError, match="name is longer than its max_length 48"):
            await call(mode, client.chat.v1.message, "create", ask)
        first = await call(mode, client.chat.v1.message, "create", ask.model_copy(update={"inputs": {"name": "Ada"}}))
        follow = ChatMessageRequest.builder().query("more").user("u-follow").conversation_id(first.conversation_id)
        again = await call(mode, client.chat.v1.message, "create", follow.build())
        assert again.conversation_id == first.conversation_id
        await client.aclose()


# ---- every rule, over a form with every control type (httpx.MockTransport) -------------------------------------

FORM = {
    "user_input_form": [
        {"text-input": {"variable": "title", "required": True, "max_length": 5}},
        {"paragraph": {"variable": "body", "required": False, "max_length": 10}},
        {"select": {"variable": "lang", "required": True, "options": ["en", "fr"]}},
        {"number": {"variable": "count", "required": False}},
        {"file": {"variable": "doc", "required": False, "allowed_file_types": ["document"],
                  "allowed_file_upload_methods": ["local_file"]}},
        {"file-list": {"variable": "pics", "required": False, "max_length": 2, "allowed_file_types": ["image"]}},
    ]
}  # fmt: skip


def _client(rec: Recorder) -> Client:
    return make_client(rec, check_inputs=True)


def _answer(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/parameters"):
        return httpx.Response(200, json=FORM)
    return sse_response({"event": "workflow_finished", "task_id": "t", "workflow_run_id": "r", "data": {"id": "r"}})


async def test_every_rule_and_every_problem_named(mode: str) -> None:
    rec = Recorder(default=_answer)
    client = _client(rec)
    secret_text = "SECRET-VALUE"
    bad = {
        "title": secret_text,                                        # over max_length 5
        "body": 42,                                                  # not text
        "lang": "de",                                                # not an option
        "count": "many",                                             # not a number
        "doc": InputFile(type="image", transfer_method="local_file", upload_file_id="f").model_dump(),
        "pics": [{"type": "image", "transfer_method": "remote_url", "url": "https://x"}] * 3,
    }  # fmt: skip
    with pytest.raises(InvalidRequestError) as caught:
        await collect(mode, client.workflow.v1.workflow, "stream", run(**bad))
    message = str(caught.value)
    for expected in (
        "title is longer than its max_length 5 (12 characters)",
        "body must be text, not int",
        "lang is not one of the select's 2 options",
        "count must be a number, not str",
        "doc is not of a file type the form allows (document)",
        "pics has 3 files, more than its limit 2",
    ):
        assert expected in message
    assert secret_text not in message and "many" not in message and "https://x" not in message
    assert [r.url.path for r in rec.requests] == ["/v1/parameters"]

    with pytest.raises(InvalidRequestError) as caught:
        await collect(mode, client.workflow.v1.workflow, "stream", run(lang="en", doc="report.pdf", pics=["x"]))
    assert "title is required" in str(caught.value)
    assert "doc must be a file input" in str(caught.value)
    assert "pics [0] must be a file input" in str(caught.value)
    with pytest.raises(InvalidRequestError, match="doc is sent as remote_url, the form allows local_file"):
        await collect(mode, client.workflow.v1.workflow, "stream", run(title="t", lang="en",
                      doc={"type": "document", "transfer_method": "remote_url", "url": "https://x"}))  # fmt: skip
    with pytest.raises(InvalidRequestError, match="doc needs an upload_file_id"):
        await collect(mode, client.workflow.v1.workflow, "stream", run(title="t", lang="en",
                      doc={"type": "document", "transfer_method": "local_file"}))  # fmt: skip
    assert [r.url.path for r in rec.requests] == ["/v1/parameters"]

    good = run(title="ok", lang="fr", count="2.5", body="", doc={"type": "document", "transfer_method": "local_file",
               "upload_file_id": "f"}, pics=[{"type": "image", "transfer_method": "remote_url", "url": "https://x"}])  # fmt: skip
    events = await collect(mode, client.workflow.v1.workflow, "stream", good)
    assert [e.event for e in events] == ["workflow_finished"]
    by_id = RunWorkflowByIdRequest.builder().workflow_id("w1").inputs({"lang": "en", "count": True}).user("u").build()
    with pytest.raises(InvalidRequestError, match="title is required; count must be a number, not bool"):
        await collect(mode, client.workflow.v1.workflow, "stream_by_id", by_id)
    assert [r.url.path for r in rec.requests] == ["/v1/parameters", "/v1/workflows/run"]
    client.close()
    await client.aclose()


async def test_the_form_is_fetched_with_the_key_of_the_call(mode: str) -> None:
    rec = Recorder(default=_answer)
    client = _client(rec)
    other = RequestOption(api_key="app-other", check_inputs=True)
    for option in (None, other, None, other):
        with pytest.raises(InvalidRequestError):
            await collect(mode, client.workflow.v1.workflow, "stream", run(), option)
    keys = [r.headers["authorization"] for r in rec.requests]
    assert keys == [f"Bearer {APP_KEY}", "Bearer app-other"]
    assert len(rec.requests) == 2
    assert "app-other" not in repr(client._transport.input_forms)
    client.refresh_input_forms("app-other")
    with pytest.raises(InvalidRequestError):
        await collect(mode, client.workflow.v1.workflow, "stream", run(), other)
    assert len(rec.requests) == 3 and rec.requests[-1].headers["authorization"] == "Bearer app-other"
    client.close()
    await client.aclose()


def test_the_real_servers_form_is_read() -> None:
    from dify_oapi.api.dify.v1.model.app import AppParameters
    from dify_oapi.core._inputs import input_problems

    form = AppParameters.model_validate_json(transcript("wf_parameters")["response"]["body_text"])
    assert input_problems(form, {}) == ["text is required"]
    assert input_problems(form, {"text": "x" * 257}) == ["text is longer than its max_length 256 (257 characters)"]
    assert input_problems(form, {"text": "ok"}) == []
    body = json.loads(transcript("err_input_too_long")["response"]["body_text"])
    assert "less than 256 characters" in body["message"]  # what the server itself answers (blocking)
