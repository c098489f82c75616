"""The built-in Dify test server: lifecycle, auth and error shapes as recorded, SSE framing, the knowledge-base state
machine, human-input pause/resume, every fault, the request log, the pytest fixtures and the demo."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dify_oapi import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    Client,
    NotFoundError,
    PreconditionFailedError,
)
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.api.chat.v1.model.conversation import ListConversationsRequest, ListMessagesRequest
from dify_oapi.api.knowledge_base.v1.model.dataset import CreateDatasetRequest
from dify_oapi.api.knowledge_base.v1.model.document import CreateDocumentByTextRequest, GetIndexingStatusRequest
from dify_oapi.api.knowledge_base.v1.model.segment import ListSegmentsRequest
from dify_oapi.api.workflow.v1.model.human_input import GetHumanInputFormRequest, SubmitHumanInputFormRequest
from dify_oapi.api.workflow.v1.model.workflow_run import RunWorkflowRequest
from dify_oapi.testing import DifyTestServer
from tests.support import transcript

USER = "test-user"


@pytest.fixture
def server() -> Iterator[DifyTestServer]:
    with DifyTestServer(indexing_seconds=0) as started:
        yield started


def raw(server: DifyTestServer, kind: str = "chat") -> httpx.Client:
    key = server.dataset_key if kind == "dataset" else server.app_key(kind)
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=10)


def chat_request(query: str = "hello there", **extra: Any) -> ChatMessageRequest:
    builder = ChatMessageRequest.builder().query(query).user(USER)
    for name, value in extra.items():
        builder = getattr(builder, name)(value)
    return builder.build()


def events_of(body: bytes) -> list[dict[str, Any]]:
    return [json.loads(line[6:]) for line in body.decode().splitlines() if line.startswith("data: ")]


# ---- lifecycle ------------------------------------------------------------------------------------------------


def test_start_stop_random_port_and_no_thread_left() -> None:
    before = set(threading.enumerate())
    first, second = DifyTestServer(), DifyTestServer()
    with first, second:
        assert first.port != second.port
        assert first.url.startswith("http://127.0.0.1:") and first.url.endswith("/v1")
        assert first.running
        assert httpx.get(first.url + "/info", headers={"Authorization": f"Bearer {first.app_key()}"}).status_code == 200
    assert not first.running and not second.running
    assert set(threading.enumerate()) <= before
    with pytest.raises(httpx.ConnectError):
        httpx.get(first.url + "/info", timeout=2)
    first.stop()  # idempotent


def test_stop_is_prompt_with_a_stalled_stream_open() -> None:
    server = DifyTestServer(stall_seconds=30).start()
    server.stall_stream()
    client = server.client(stream_read_timeout=20)
    errors: list[BaseException] = []

    def consume() -> None:
        try:
            with client.chat.v1.message.stream(chat_request()) as events:
                for _ in events:
                    pass
        except BaseException as exc:
            errors.append(exc)

    reader = threading.Thread(target=consume)
    reader.start()
    deadline = time.monotonic() + 5
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 5
    reader.join(10)
    assert not reader.is_alive()
    assert errors and isinstance(errors[0], APIConnectionError)
    client.close()


def test_importing_does_not_import_starlette() -> None:
    code = (
        "import sys, dify_oapi, dify_oapi.testing, dify_oapi.testing.pytest_plugin; "
        "assert 'starlette' not in sys.modules and 'uvicorn' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# ---- auth and errors as recorded -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "headers", "method", "path", "kind"),
    [
        ("err_wrong_key", {"Authorization": "Bearer app-nope"}, "POST", "/workflows/run", None),
        ("err_no_auth_header", {}, "GET", "/info", None),
        ("err_token_scheme", {"Authorization": "Token app-whatever"}, "GET", "/info", None),
        ("err_dataset_key_on_app_api", None, "GET", "/info", "dataset"),
        ("err_app_key_on_dataset_api", None, "GET", "/datasets", "chat"),
    ],
)
def test_auth_errors_match_the_transcripts(
    server: DifyTestServer, name: str, headers: dict[str, str] | None, method: str, path: str, kind: str | None
) -> None:
    recorded = transcript(name)["response"]
    if kind is not None:
        key = server.dataset_key if kind == "dataset" else server.app_key(kind)
        headers = {"Authorization": f"Bearer {key}"}
    response = httpx.request(method, server.url + path, headers=headers, json={"inputs": {}, "user": USER})
    assert response.status_code == 401
    assert response.content == recorded["body"]
    assert response.headers["www-authenticate"] == 'Bearer realm="api"'


def test_sdk_raises_authentication_error(server: DifyTestServer) -> None:
    with Client(base_url=server.url, api_key="app-wrong", max_retries=0) as client, pytest.raises(AuthenticationError):
        client.chat.v1.message.create(chat_request())


@pytest.mark.parametrize(
    ("name", "kind", "method", "path", "content", "content_type"),
    [
        ("err_missing_user", "workflow", "POST", "/workflows/run", {"inputs": {"text": "x"}}, None),
        ("err_missing_inputs", "workflow", "POST", "/workflows/run", {"response_mode": "blocking", "user": "sdk-fixture-user"}, None),
        ("err_bad_response_mode", "workflow", "POST", "/workflows/run", {"inputs": {"text": "x"}, "response_mode": "fast", "user": "u"}, None),
        ("wf_run_blocking_missing_input", "workflow", "POST", "/workflows/run", {"inputs": {}, "user": "u"}, None),
        ("err_chat_on_workflow_app", "workflow", "POST", "/chat-messages", {"inputs": {}, "query": "hi", "user": "u"}, None),
        ("err_workflow_on_chat_app", "chat", "POST", "/workflows/run", {"inputs": {}, "user": "u"}, None),
        ("err_completion_on_chatflow", "chat", "POST", "/completion-messages", {"inputs": {"query": "hi"}, "user": "u"}, None),
        ("err_no_json_content_type", "workflow", "POST", "/workflows/run", b'{"inputs": {}}', "text/plain"),
        ("err_malformed_json", "workflow", "POST", "/workflows/run", b'{"inputs": {"text": "x"', "application/json"),
        ("err_wrong_method", "workflow", "GET", "/workflows/run", None, None),
        ("err_unknown_route", "workflow", "GET", "/this-route-does-not-exist", None, None),
        ("wf_run_get_unknown", "workflow", "GET", "/workflows/run/00000000-0000-0000-0000-000000000000", None, None),
        ("wf_files_upload_no_file", "workflow", "POST", "/files/upload", b"", "application/x-www-form-urlencoded"),
        ("cf_conversation_delete_again", "chat", "DELETE", "/conversations/00000000-0000-0000-0000-000000000000", {"user": "sdk-fixture-user"}, None),
    ],
)  # fmt: skip
def test_errors_match_the_transcripts(
    server: DifyTestServer, name: str, kind: str, method: str, path: str, content: Any, content_type: str | None
) -> None:
    recorded = transcript(name)["response"]
    with raw(server, kind) as client:
        if isinstance(content, bytes):
            response = client.request(method, path, content=content, headers={"Content-Type": content_type or ""})
        else:
            response = client.request(method, path, json=content)
    assert response.status_code == recorded["status"]
    assert response.headers["content-type"].split(";")[0] == recorded["headers"]["Content-Type"].split(";")[0]
    if recorded["headers"]["Content-Type"].startswith("application/json"):
        assert response.json()["code"] == json.loads(recorded["body"])["code"]
        assert set(response.json()) == {"code", "message", "status"}
        if name not in ("err_missing_inputs",):
            assert response.json() == json.loads(recorded["body"])
    else:
        assert response.content == recorded["body"]


def test_unknown_conversation_and_bad_ids(server: DifyTestServer) -> None:
    with server.client() as client:
        with pytest.raises(NotFoundError):
            client.chat.v1.message.create(chat_request(conversation_id="00000000-0000-0000-0000-000000000000"))
        with pytest.raises(BadRequestError):
            client.chat.v1.message.create(chat_request(conversation_id="not-a-uuid"))


# ---- SSE framing and app behaviour ---------------------------------------------------------------------------------


def test_sse_framing_like_the_real_server(server: DifyTestServer) -> None:
    with raw(server) as client:
        response = client.post("/chat-messages", json={"inputs": {}, "query": "one two", "user": USER,
                                                       "response_mode": "streaming"})  # fmt: skip
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.content.startswith(b"event: ping\n\ndata: {")
    frames = response.content.split(b"\n\n")
    assert frames[-1] == b"" and all(f.startswith(b"data: ") for f in frames[1:-1])
    names = [e["event"] for e in events_of(response.content)]
    assert names[0] == "workflow_started" and names[-2:] == ["message_end", "workflow_finished"]
    assert names.count("message") >= 3
    answer = "".join(e["answer"] for e in events_of(response.content) if e["event"] == "message")
    assert answer == "Echo: one two"


def test_chat_conversation_lifecycle(server: DifyTestServer) -> None:
    with server.client() as client:
        messages, conversations = client.chat.v1.message, client.chat.v1.conversation
        first = messages.create(chat_request("first"))
        assert first.answer == "Echo: first"
        for i in range(3):
            messages.create(chat_request(f"more {i}", conversation_id=first.conversation_id))
        listed = conversations.list(ListConversationsRequest.builder().user(USER).build())
        assert [c.id for c in listed.data] == [first.conversation_id]
        page = conversations.messages(
            ListMessagesRequest.builder().user(USER).conversation_id(first.conversation_id or "").limit(2).build()
        )
        assert [m.query for m in page.data] == ["more 1", "more 2"] and page.has_more
        older = conversations.messages(
            ListMessagesRequest.builder().user(USER).conversation_id(first.conversation_id or "")
            .first_id(page.data[0].id).limit(10).build()
        )  # fmt: skip
        assert [m.query for m in older.data] == ["first", "more 0"] and not older.has_more
    with raw(server) as http:
        cid = first.conversation_id
        renamed = http.post(f"/conversations/{cid}/name", json={"name": "Renamed", "user": USER}).json()
        assert renamed["name"] == "Renamed"
        assert (
            http.post(f"/conversations/{cid}/name", json={"auto_generate": True, "user": USER}).json()["name"]
            == "first"
        )
        variables = http.get(f"/conversations/{cid}/variables", params={"user": USER}).json()["data"]
        updated = http.put(f"/conversations/{cid}/variables/{variables[0]['id']}", json={"value": "x", "user": USER})
        assert updated.json()["value"] == "x"
        assert http.get(f"/messages/{first.id}/suggested", params={"user": USER}).json()["result"] == "success"
        assert http.post(f"/messages/{first.id}/feedbacks", json={"rating": "like", "user": USER}).status_code == 200
        assert http.get("/app/feedbacks").json()["data"][0]["rating"] == "like"
        assert http.request("DELETE", f"/conversations/{cid}", json={"user": USER}).status_code == 204
        assert http.request("DELETE", f"/conversations/{cid}", json={"user": USER}).status_code == 404


def test_files_audio_and_annotations(server: DifyTestServer) -> None:
    with raw(server) as http:
        upload = http.post("/files/upload", files={"file": ("n.txt", b"notes", "text/plain")}, data={"user": USER})
        assert upload.status_code == 201
        file_id = upload.json()["id"]
        assert http.get(f"/files/{file_id}/preview").json()["code"] == "file_not_found"
        http.post("/chat-messages", json={"inputs": {}, "query": "see file", "user": USER, "files": [
            {"type": "document", "transfer_method": "local_file", "upload_file_id": file_id}]})  # fmt: skip
        assert http.get(f"/files/{file_id}/preview").content == b"notes"
        speech = http.post("/text-to-audio", json={"text": "hi", "user": USER})
        assert speech.headers["content-type"] == "audio/mpeg" and speech.content.startswith(b"ID3")
        heard = http.post("/audio-to-text", files={"file": ("a.mp3", b"ID3", "audio/mpeg")}, data={"user": USER})
        assert "a.mp3" in heard.json()["text"]
        created = http.post("/apps/annotations", json={"question": "Q", "answer": "A"})
        assert created.status_code == 201
        assert http.get("/apps/annotations").json()["total"] == 1
        assert http.delete(f"/apps/annotations/{created.json()['id']}").status_code == 204
        job = http.post("/apps/annotation-reply/enable", json={"score_threshold": 0.9}).json()
        assert http.get(f"/apps/annotation-reply/enable/status/{job['job_id']}").json()["job_status"] == "completed"


def test_tts_disabled_like_the_transcript() -> None:
    with DifyTestServer(tts_enabled=False) as server, raw(server) as http:
        response = http.post("/text-to-audio", json={"text": "hi", "user": "sdk-fixture-user"})
    assert response.status_code == 400
    assert response.content == transcript("err_tts_disabled")["response"]["body"]


# ---- workflow and human input ---------------------------------------------------------------------------------------


def test_workflow_run_detail_logs_and_events(server: DifyTestServer) -> None:
    with server.client("workflow") as client:
        run = client.workflow.v1.workflow.run(RunWorkflowRequest.builder().inputs({"text": "hi"}).user(USER).build())
        assert run.data.outputs == {"text": "hi"}
        with client.workflow.v1.workflow.stream(
            RunWorkflowRequest.builder().inputs({"text": "s"}).user(USER).build()
        ) as s:
            names = [e.event for e in s]
        assert names[0] == "workflow_started" and "node_started" in names and names[-1] == "workflow_finished"
    with raw(server, "workflow") as http:
        detail = http.get(f"/workflows/run/{run.workflow_run_id}").json()
        assert isinstance(detail["inputs"], str) and json.loads(detail["inputs"])["text"] == "hi"
        logs = http.get("/workflows/logs", params={"page": 1, "limit": 1}).json()
        assert logs["total"] == 2 and logs["has_more"] and len(logs["data"]) == 1
        replay = http.get(f"/workflow/{run.workflow_run_id}/events", params={"user": USER})
        assert [e["event"] for e in events_of(replay.content)] == ["workflow_finished"]
        assert not replay.content.startswith(b"event: ping")
        assert http.get(f"/workflow/{run.task_id}/events", params={"user": USER}).status_code == 404


def test_human_input_pause_submit_resume(server: DifyTestServer) -> None:
    with server.client("workflow") as client:
        request = RunWorkflowRequest.builder().inputs({"text": "ship it", "needs_approval": True}).user(USER).build()
        with client.workflow.v1.workflow.stream(request) as stream:
            events = list(stream)
        assert [e.event for e in events][-2:] == ["human_input_required", "workflow_paused"]
        required: Any = events[-2]
        token = required.data.form_token
        run_id = required.workflow_run_id
        human = client.workflow.v1.human_input
        form = human.get(GetHumanInputFormRequest.builder().form_token(token).build())
        assert [a.id for a in form.user_actions or []] == ["approve", "reject"]
        human.submit(
            SubmitHumanInputFormRequest.builder().form_token(token).inputs({"comment": "ok"}).action("approve")
            .user(USER).build()
        )  # fmt: skip
        resumed = [e.event for e in client.workflow.v1.workflow.resume(run_id, USER)]
        assert resumed[0] == "human_input_form_filled" and resumed[-1] == "workflow_finished"
        with pytest.raises(PreconditionFailedError) as submitted:
            human.get(GetHumanInputFormRequest.builder().form_token(token).build())
        assert submitted.value.code == "human_input_form_submitted"


@pytest.mark.parametrize("dify_server", [{"pause_workflows": True}], indirect=True)
def test_expired_form_answers_412(dify_server: DifyTestServer) -> None:
    with raw(dify_server, "workflow") as http:
        run = http.post("/workflows/run", json={"inputs": {"text": "x"}, "user": USER, "response_mode": "blocking"})
        assert run.json()["data"]["status"] == "paused"
        paused = http.get(f"/workflow/{run.json()['workflow_run_id']}/events", params={"user": USER})
        token = events_of(paused.content)[0]["data"]["form_token"]
        dify_server.expire_forms()
        expired = http.post(f"/form/human_input/{token}", json={"inputs": {}, "action": "approve", "user": USER})
    assert expired.status_code == 412 and expired.json()["code"] == "human_input_form_expired"


# ---- knowledge base -------------------------------------------------------------------------------------------------


def test_indexing_progress_is_time_based() -> None:
    with DifyTestServer(indexing_seconds=0.4) as server, server.client() as client:
        kb = client.knowledge_base.v1
        dataset = kb.dataset.create(CreateDatasetRequest.builder().name("KB").indexing_technique("economy").build())
        created = kb.document.create_by_text(
            CreateDocumentByTextRequest.builder().dataset_id(dataset.id).name("a.txt")
            .text("First paragraph here.\n\nSecond paragraph.\n\nThird one.").indexing_technique("economy").build()
        )  # fmt: skip
        seen: list[str] = []
        request = GetIndexingStatusRequest.builder().dataset_id(dataset.id).batch(created.batch).build()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            status = kb.document.get_indexing_status(request).data[0]
            if not seen or seen[-1] != status.indexing_status:
                seen.append(str(status.indexing_status))
            if status.indexing_status == "completed":
                assert status.completed_segments == status.total_segments == 3
                break
        assert seen[-1] == "completed" and seen[0] in ("waiting", "parsing")
        order = ["waiting", "parsing", "splitting", "indexing", "completed"]
        assert seen == sorted(seen, key=order.index)
        segments = kb.segment.list(
            ListSegmentsRequest.builder().dataset_id(dataset.id).document_id(created.document.id).build()
        )
        assert [s.content for s in segments.data] == ["First paragraph here.", "Second paragraph.", "Third one."]


def test_knowledge_base_state(server: DifyTestServer) -> None:
    with raw(server, "dataset") as http:
        dataset = http.post("/datasets", json={"name": "Docs", "indexing_technique": "economy"}).json()
        assert http.post("/datasets", json={"name": "Docs"}).json()["code"] == "dataset_name_duplicate"
        ds = f"/datasets/{dataset['id']}"
        doc = http.post(ds + "/document/create-by-file", files={
            "file": ("notes.md", b"# Title\n\nApples are red.\n\nBananas are yellow.", "text/markdown"),
            "data": (None, json.dumps({"indexing_technique": "economy", "process_rule": {"mode": "automatic"}})),
        }).json()["document"]  # fmt: skip
        assert http.get("/datasets", params={"keyword": "doc"}).json()["total"] == 1
        hits = http.post(ds + "/retrieve", json={"query": "yellow bananas"}).json()["records"]
        assert hits[0]["segment"]["content"] == "Bananas are yellow." and hits[0]["score"] == 1.0
        zipped = http.post(ds + "/documents/download-zip", json={"document_ids": [doc["id"]]})
        assert zipfile.ZipFile(io.BytesIO(zipped.content)).read("notes.md").startswith(b"# Title")
        url = http.get(f"{ds}/documents/{doc['id']}/download").json()["url"]
        assert httpx.get(url).content.startswith(b"# Title")
        http.patch(ds + "/documents/status/disable", json={"document_ids": [doc["id"]]})
        assert http.post(ds + "/retrieve", json={"query": "yellow"}).json()["records"] == []
        tag = http.post("/datasets/tags", json={"name": "t"}).json()
        assert (
            http.post("/datasets/tags/binding", json={"tag_ids": [tag["id"]], "target_id": dataset["id"]}).status_code
            == 204
        )
        assert http.get(ds + "/tags").json()["total"] == 1
        assert http.get("/datasets/tags").json()[0]["binding_count"] == "1"
        field = http.post(ds + "/metadata", json={"type": "string", "name": "author"})
        assert field.status_code == 201
        http.post(ds + "/documents/metadata", json={"operation_data": [{"document_id": doc["id"], "metadata_list": [
            {"id": field.json()["id"], "name": "author", "value": "Ada"}]}]})  # fmt: skip
        detail = http.get(f"{ds}/documents/{doc['id']}").json()
        assert detail["doc_metadata"][0]["value"] == "Ada"
        http.patch(ds + "/documents/status/enable", json={"document_ids": [doc["id"]]})
        hit = http.post(ds + "/retrieve", json={"query": "apples"}).json()["records"][0]
        assert hit["segment"]["document"]["doc_metadata"] == {"author": "Ada"}  # a retrieved chunk's shape: an object
        assert http.delete(f"{ds}/documents/{doc['id']}").status_code == 204
        assert http.get(f"{ds}/documents/{doc['id']}").json()["message"] == "Document not found."
        assert http.delete(ds).status_code == 204
        assert http.get(ds).json() == {"code": "not_found", "message": "Dataset not found.", "status": 404}


# ---- faults and the request log --------------------------------------------------------------------------------------


def test_fail_next_with_retry_after_and_attempts(server: DifyTestServer) -> None:
    server.fail_next(2, 503, retry_after=0, path="/chat-messages")
    with server.client(max_retries=2) as client:
        answer = client.chat.v1.message.create(chat_request("retry me"))
    assert answer.answer == "Echo: retry me"
    attempts = server.requests_to("/chat-messages")
    assert [r.attempt for r in attempts] == [1, 2, 3]
    assert [r.status for r in attempts] == [503, 503, 200]
    assert attempts[0].json == {"inputs": {}, "query": "retry me", "user": USER, "response_mode": "blocking"}


def test_fail_next_shape_and_path_filter(server: DifyTestServer) -> None:
    server.fail_next(1, 429, path="/datasets*", retry_after=3)
    with raw(server) as http:
        assert http.get("/info").status_code == 200
    with raw(server, "dataset") as http:
        limited = http.get("/datasets")
        assert limited.status_code == 429 and limited.headers["retry-after"] == "3"
        assert limited.json() == {"code": "too_many_requests", "message": "Injected 429.", "status": 429}
        assert http.get("/datasets").status_code == 200


def test_latency(server: DifyTestServer) -> None:
    server.set_latency(0.2, path="/info")
    with raw(server) as http:
        started = time.monotonic()
        http.get("/info")
        assert time.monotonic() - started >= 0.2
        server.set_latency(0)
        started = time.monotonic()
        http.get("/info")
        assert time.monotonic() - started < 0.2


def test_drop_stream_mid_way(server: DifyTestServer) -> None:
    server.drop_stream(after_events=3)
    seen: list[str] = []
    with server.client() as client:
        events = client.chat.v1.message.stream(chat_request())
        with pytest.raises(APIConnectionError):
            seen.extend(e.event for e in events)
    assert len(seen) == 3


def test_workflow_stream_resumes_after_a_drop(server: DifyTestServer) -> None:
    server.drop_stream(after_events=2, path="/workflows/run")
    with server.client("workflow") as client:
        request = RunWorkflowRequest.builder().inputs({"text": "again"}).user(USER).build()
        names = [e.event for e in client.workflow.v1.workflow.stream_resumable(request)]
    assert names[:2] == ["workflow_started", "node_started"] and names[-1] == "workflow_finished"
    assert [r.path.split("/")[1] for r in server.requests] == ["workflows", "workflow"]


def test_in_stream_error_event(server: DifyTestServer) -> None:
    server.stream_error(after_events=2, status=400, code="completion_request_error", message="boom")
    with server.client() as client:
        events = client.chat.v1.message.stream(chat_request())
        with pytest.raises(APIStatusError) as raised:
            list(events)
    assert raised.value.code == "completion_request_error" and raised.value.status_code == 400


def test_stalled_stream_times_out_the_client(server: DifyTestServer) -> None:
    server.stall_stream()
    body = {"inputs": {}, "query": "q", "user": USER, "response_mode": "streaming"}
    chunks: list[bytes] = []
    with (
        raw(server) as http,
        http.stream("POST", "/chat-messages", json=body, timeout=httpx.Timeout(10, read=0.3)) as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        with pytest.raises(httpx.ReadTimeout):
            chunks.extend(response.iter_raw())
    assert b"".join(chunks) == b"event: ping\n\n"


def test_request_log(server: DifyTestServer) -> None:
    with raw(server, "dataset") as http:
        http.post("/datasets", json={"name": "Logged"})
        http.get("/datasets", params={"page": 1})
        http.get("/datasets", params={"page": 1})
    first, second, third = server.requests
    assert (first.method, first.path, first.json) == ("POST", "/datasets", {"name": "Logged"})
    assert second.query == {"page": "1"} and (second.attempt, third.attempt) == (1, 2)
    assert first.timestamp <= second.timestamp and first.status == 200
    assert first.headers["authorization"] == f"Bearer {server.dataset_key}"
    assert server.last_request is third
    server.clear_requests()
    assert server.requests == []


# ---- the pytest fixtures and the demo --------------------------------------------------------------------------------


def test_fixtures(dify_server: DifyTestServer, dify_client: Client) -> None:
    assert dify_client.base_url == dify_server.url
    assert dify_client.chat.v1.message.create(chat_request("fixture")).answer == "Echo: fixture"
    assert dify_server.requests[0].path == "/chat-messages"


def test_demo_runs_green(monkeypatch: pytest.MonkeyPatch) -> None:
    from dify_oapi.__main__ import main

    monkeypatch.delenv("DIFY_BASE_URL", raising=False)
    out = io.StringIO()
    assert main(["demo"], out=out) == 0, out.getvalue()
    text = out.getvalue()
    assert (
        "bot > Echo: What is Dify?" in text and "workflow_finished" in text and "indexing 'dify.txt': completed" in text
    )
    assert "demo finished" in text
