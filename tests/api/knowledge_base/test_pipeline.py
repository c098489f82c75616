"""client.knowledge_base.v1.pipeline: upload (multipart, 201), list_datasource_plugins, run_datasource_node (SSE),
run (blocking) and stream (SSE); sync and async, with the dataset key. No transcript exists for these endpoints:
answers are built from the spec's examples and synthesised SSE streams."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from dify_oapi.api.knowledge_base.v1.model.pipeline import (
    DatasourceCompletedEvent,
    DatasourceErrorEvent,
    DatasourcePlugin,
    DatasourcePluginList,
    DatasourceProcessingEvent,
    ListDatasourcePluginsRequest,
    LocalFileDatasource,
    OnlineDocumentDatasource,
    OnlineDocumentPage,
    OnlineDriveDatasource,
    PipelineFile,
    PipelineRunResult,
    RunDatasourceNodeRequest,
    RunPipelineRequest,
    UploadPipelineFileRequest,
    WebsiteCrawlDatasource,
)
from dify_oapi.core.errors import (
    InternalServerError,
    InvalidParamError,
    InvalidRequestError,
    RequestTooLargeError,
    StreamIncompleteError,
)
from dify_oapi.core.events import StreamEvent
from tests.api.knowledge_base._more_support import DS, check_sent, collect, run, sse_response
from tests.support import DATASET_KEY, Recorder, make_client

NODE = "1719288585006"
FILE_ID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"


def _pipeline(rec: Recorder) -> Any:
    return make_client(rec).knowledge_base.v1.pipeline


# ---- upload -----------------------------------------------------------------------------------------------------

UPLOADED = {
    "id": FILE_ID,
    "name": "report.pdf",
    "size": 13,
    "extension": "pdf",
    "mime_type": "application/pdf",
    "created_by": "ad313dd6-ef04-4dd1-a5b0-c0f0b9e2e7e4",
    "created_at": "2025-03-06T12:00:00",
}


def _parts(request: httpx.Request, body: bytes) -> list[bytes]:
    boundary = re.search(r"boundary=([^;]+)", request.headers["content-type"])
    assert boundary is not None and request.headers["content-type"].startswith("multipart/form-data")
    sep = b"--" + boundary.group(1).encode()
    chunks = body.split(sep)
    assert chunks[0] == b"" and chunks[-1] == b"--\r\n"
    return chunks[1:-1]


async def test_upload_multipart_parts(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(201, json=UPLOADED))
    req = UploadPipelineFileRequest.builder().file(("report.pdf", b"%PDF-1.4 data", "application/pdf")).build()
    out = await run(mode, _pipeline(recorder), "upload", req)
    sent = recorder.last
    assert sent.method == "POST" and sent.url.path == "/v1/datasets/pipeline/file-upload"
    assert sent.headers["authorization"] == f"Bearer {DATASET_KEY}"
    assert _parts(sent, recorder.bodies[-1]) == [
        b'\r\nContent-Disposition: form-data; name="file"; filename="report.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.4 data\r\n"
    ]
    assert isinstance(out, PipelineFile)
    assert (out.id, out.name, out.size, out.mime_type) == (FILE_ID, "report.pdf", 13, "application/pdf")
    assert out.created_at == 1741262400  # ISO string without zone, read as UTC


async def test_upload_streams_a_path(mode: str, recorder: Recorder, tmp_path: Any) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"pipeline notes")
    recorder.answers.append(httpx.Response(201, json={**UPLOADED, "name": "notes.txt", "created_at": None}))
    out = await run(mode, _pipeline(recorder), "upload", UploadPipelineFileRequest(file=path))
    assert _parts(recorder.last, recorder.bodies[-1]) == [
        b'\r\nContent-Disposition: form-data; name="file"; filename="notes.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\npipeline notes\r\n"
    ]
    assert out.name == "notes.txt" and out.created_at is None


async def test_upload_too_large_is_typed(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(
        httpx.Response(413, json={"code": "file_too_large", "message": "File size exceeded.", "status": 413})
    )
    with pytest.raises(RequestTooLargeError):
        await run(mode, _pipeline(recorder), "upload", UploadPipelineFileRequest(file=b"x"))


# ---- datasource plugins -------------------------------------------------------------------------------------------

PLUGINS = [
    {
        "node_id": NODE,
        "plugin_id": "langgenius/notion_datasource",
        "provider_name": "notion",
        "datasource_type": "online_document",
        "title": "Notion Documents",
        "user_input_variables": [{"variable": "q", "type": "text-input"}],
        "credentials": [{"id": "c1", "name": "Production Notion", "type": "api-key", "is_default": True}],
    }
]


async def test_list_datasource_plugins(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json=PLUGINS))
    req = ListDatasourcePluginsRequest.builder().dataset_id(DS).is_published(False).build()
    out = await run(mode, _pipeline(recorder), "list_datasource_plugins", req)
    check_sent(recorder, "GET", f"/datasets/{DS}/pipeline/datasource-plugins", query=[("is_published", "false")])
    assert isinstance(out, DatasourcePluginList)
    (plugin,) = out.data
    assert isinstance(plugin, DatasourcePlugin)
    assert (plugin.node_id, plugin.provider_name, plugin.datasource_type) == (NODE, "notion", "online_document")
    assert plugin.user_input_variables == [{"variable": "q", "type": "text-input"}]
    assert plugin.credentials[0].id == "c1" and plugin.credentials[0].is_default is True


async def test_list_datasource_plugins_default_query(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json=[]))
    out = await run(mode, _pipeline(recorder), "list_datasource_plugins", ListDatasourcePluginsRequest(dataset_id=DS))
    check_sent(recorder, "GET", f"/datasets/{DS}/pipeline/datasource-plugins")
    assert out.data == []


# ---- run one datasource node --------------------------------------------------------------------------------------


async def test_run_datasource_node_streams_typed_events(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(
        sse_response(
            {"event": "datasource_processing", "total": 2, "completed": 1},
            {"event": "datasource_new_kind", "x": 1},
            {
                "event": "datasource_completed",
                "data": [{"page_id": "p1"}],
                "total": 2,
                "completed": 2,
                "time_consuming": 0.42,
            },
        )
    )
    req = (
        RunDatasourceNodeRequest.builder()
        .dataset_id(DS)
        .node_id(NODE)
        .datasource_type("online_document")
        .credential_id("c1")
        .build()
    )
    events = await collect(mode, _pipeline(recorder), "run_datasource_node", req)
    check_sent(
        recorder,
        "POST",
        f"/datasets/{DS}/pipeline/datasource/nodes/{NODE}/run",
        body={"inputs": {}, "datasource_type": "online_document", "credential_id": "c1", "is_published": True},
    )
    assert recorder.last.headers["accept"] == "text/event-stream"
    assert [type(e) for e in events] == [DatasourceProcessingEvent, StreamEvent, DatasourceCompletedEvent]
    assert (events[0].total, events[0].completed) == (2, 1)
    assert events[1].event == "datasource_new_kind" and events[1].model_extra == {"x": 1}
    assert events[2].data == [{"page_id": "p1"}] and events[2].time_consuming == 0.42


async def test_run_datasource_node_error_events(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(sse_response({"event": "datasource_error", "error": "credential expired"}))
    req = RunDatasourceNodeRequest(
        dataset_id=DS, node_id=NODE, inputs={"q": "x"}, datasource_type="website_crawl", is_published=False
    )
    events = await collect(mode, _pipeline(recorder), "run_datasource_node", req)
    assert json.loads(recorder.bodies[-1]) == {
        "inputs": {"q": "x"},
        "datasource_type": "website_crawl",
        "is_published": False,
    }
    assert isinstance(events[0], DatasourceErrorEvent) and events[0].error == "credential expired"

    recorder.answers.append(
        sse_response({"event": "error", "status": 500, "code": "internal_error", "message": "boom"})
    )
    with pytest.raises(InternalServerError, match="boom"):
        await collect(mode, _pipeline(recorder), "run_datasource_node", req)


def test_run_datasource_node_needs_a_type() -> None:
    with pytest.raises(InvalidRequestError, match="datasource_type is required"):
        RunDatasourceNodeRequest.builder().dataset_id(DS).node_id(NODE).build()


# ---- run the pipeline ---------------------------------------------------------------------------------------------


def _run_request(**changes: Any) -> RunPipelineRequest:
    builder = (
        RunPipelineRequest.builder()
        .dataset_id(DS)
        .datasource_type("local_file")
        .datasource_info_list([LocalFileDatasource.builder().reference(FILE_ID).name("quarterly-report.pdf").build()])
        .start_node_id(NODE)
    )
    for name, value in changes.items():
        builder = getattr(builder, name)(value)
    return builder.build()


RUN_BODY: dict[str, Any] = {
    "inputs": {},
    "datasource_type": "local_file",
    "datasource_info_list": [{"reference": FILE_ID, "name": "quarterly-report.pdf"}],
    "start_node_id": NODE,
    "is_published": True,
}


# What Dify 1.14.1 answers a pipeline run, blocking and when asked to stream (REAL-SERVER.md): no SSE at all.
RUN_RESULT: dict[str, Any] = {
    "batch": "20250306120000123456",
    "dataset": {"id": DS, "name": "Knowledge", "description": None, "chunk_structure": "text_model"},
    "documents": [
        {"id": "d1", "position": 1, "data_source_type": "local_file", "data_source_info": {"real_file_id": FILE_ID},
         "name": "quarterly-report.pdf", "indexing_status": "waiting", "error": None, "enabled": True},
    ],
}  # fmt: skip


def _check_result(out: Any) -> None:
    assert isinstance(out, PipelineRunResult)
    assert out.batch == "20250306120000123456"
    assert out.dataset is not None and out.dataset.id == DS and out.dataset.chunk_structure == "text_model"
    assert [(d.id, d.name, d.indexing_status, d.enabled) for d in out.documents] == [
        ("d1", "quarterly-report.pdf", "waiting", True)
    ]
    assert out.documents[0].data_source_info == {"real_file_id": FILE_ID}


async def test_run_blocking(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json=RUN_RESULT))
    out = await run(mode, _pipeline(recorder), "run", _run_request())
    check_sent(recorder, "POST", f"/datasets/{DS}/pipeline/run", body={**RUN_BODY, "response_mode": "blocking"})
    _check_result(out)


async def test_run_result_is_lenient(mode: str, recorder: Recorder) -> None:
    spec_shaped = {"task_id": "t1", "workflow_run_id": "r1", "data": {"status": "succeeded"}}
    recorder.answers.append(httpx.Response(200, json=spec_shaped))
    out = await run(mode, _pipeline(recorder), "run", _run_request())
    assert out.batch is None and out.dataset is None and out.documents == []
    assert out.model_extra == spec_shaped  # nothing the server sent is lost


async def test_stream_answered_with_json_yields_the_result(mode: str, recorder: Recorder) -> None:
    """Dify 1.14.1 answers the streaming run with the same JSON as the blocking one: the stream yields it, typed."""
    recorder.answers.append(httpx.Response(200, json=RUN_RESULT, headers={"x-request-id": "req-9"}))
    items = await collect(mode, _pipeline(recorder), "stream", _run_request())
    check_sent(recorder, "POST", f"/datasets/{DS}/pipeline/run", body={**RUN_BODY, "response_mode": "streaming"})
    assert len(items) == 1
    _check_result(items[0])
    assert items[0].request_id == "req-9"


async def test_stream_answered_with_a_json_error_raises_it(mode: str, recorder: Recorder) -> None:
    error = {"code": "invalid_param", "message": "datasource_info_list is empty", "status": 400}
    recorder.answers.append(httpx.Response(200, json=error))
    with pytest.raises(InvalidParamError) as info:
        await collect(mode, _pipeline(recorder), "stream", _run_request())
    assert info.value.status_code == 400 and info.value.message == "datasource_info_list is empty"
    assert len(recorder.requests) == 1


async def test_run_sends_every_datasource_shape(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={}))
    items = [
        OnlineDocumentDatasource.builder()
        .workspace_id("ws")
        .page(OnlineDocumentPage.builder().page_id("pg").type("page").page_name("Roadmap").build())
        .credential_id("cred")
        .build(),
        WebsiteCrawlDatasource(url="https://example.com/docs"),
        OnlineDriveDatasource(id="f1", type="file", bucket="b"),
        {"future_field": 1},
    ]
    req = _run_request(datasource_type="online_document", datasource_info_list=items, inputs={"k": "v"})
    await run(mode, _pipeline(recorder), "run", req)
    assert json.loads(recorder.bodies[-1])["datasource_info_list"] == [
        {
            "workspace_id": "ws",
            "page": {"page_id": "pg", "type": "page", "page_name": "Roadmap"},
            "credential_id": "cred",
        },
        {"url": "https://example.com/docs"},
        {"id": "f1", "type": "file", "bucket": "b"},
        {"future_field": 1},
    ]
    assert json.loads(recorder.bodies[-1])["inputs"] == {"k": "v"}


def _workflow_stream(*, finished: bool = True) -> httpx.Response:
    events: list[dict[str, Any]] = [
        {"event": "workflow_started", "task_id": "t1", "workflow_run_id": "r1", "data": {"id": "r1"}},
        {"event": "node_started", "task_id": "t1", "workflow_run_id": "r1", "data": {"node_id": NODE}},
        {"event": "node_finished", "task_id": "t1", "workflow_run_id": "r1",
         "data": {"node_id": NODE, "status": "succeeded"}},
    ]  # fmt: skip
    if finished:
        events.append(
            {"event": "workflow_finished", "task_id": "t1", "workflow_run_id": "r1",
             "data": {"id": "r1", "status": "succeeded", "outputs": {}}}
        )  # fmt: skip
    return sse_response(*events)


async def test_stream_workflow_events(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(_workflow_stream())
    events = await collect(mode, _pipeline(recorder), "stream", _run_request())
    check_sent(recorder, "POST", f"/datasets/{DS}/pipeline/run", body={**RUN_BODY, "response_mode": "streaming"})
    assert recorder.last.headers["accept"] == "text/event-stream"
    assert [e.event for e in events] == ["workflow_started", "node_started", "node_finished", "workflow_finished"]
    assert all(isinstance(e, StreamEvent) for e in events)
    # parsed into the workflow service's event models (the same events a workflow app streams)
    assert {type(e).__module__ for e in events} == {"dify_oapi.api.workflow.v1.model.event"}


async def test_stream_without_workflow_finished_raises(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(_workflow_stream(finished=False))
    seen: list[str] = []

    async def drain() -> None:
        if mode == "sync":
            for event in _pipeline(recorder).stream(_run_request()):
                seen.append(event.event)
        else:
            async for event in _pipeline(recorder).astream(_run_request()):
                seen.append(event.event)

    with pytest.raises(StreamIncompleteError):
        await drain()
    assert seen == ["workflow_started", "node_started", "node_finished"]
