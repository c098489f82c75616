"""The test server's answers checked against the OpenAPI file's response schemas, for every operation it serves.

A scenario drives every operation once (or a few times: blocking and streaming) over plain httpx, then each answer
is validated with jsonschema against the spec's schema for its status and content type ($ref resolved, OpenAPI
``nullable`` translated). Stream events are validated against the event schema the spec's discriminator maps them
to. Skipped, saying why, when the spec file is absent."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Iterator
from io import BytesIO
from typing import Any

import httpx
import jsonschema
import pytest

from dify_oapi.testing import DifyTestServer
from tests.support import SPEC_MISSING, SPEC_PATH

# Where the server follows the real Dify 1.14.1 (the transcripts) rather than the spec: (operationId, JSON path).
KNOWN_DEVIATIONS: dict[str, set[str]] = {
    # The spec documents {"content": ...}; Dify 1.14.1 answers the query as a plain string (ds_retrieve_keyword).
    "retrieveSegments": {"query"},
    # Dify 1.14.1 sends created_at as an int (cf_files_upload); the spec says an ISO string.
    "uploadChatFile": {"created_at"},
}

# Operations the server answers but whose answer the spec leaves untyped (nothing to validate beyond JSON/binary).
SPEC_LEAVES_OUT: set[str] = set()


def _spec() -> dict[str, Any]:
    if not SPEC_PATH.exists():
        return {}
    loaded: dict[str, Any] = json.loads(SPEC_PATH.read_text())
    return loaded


SPEC = _spec()
OPERATIONS = sorted(
    (op["operationId"], method.upper(), path)
    for path, item in SPEC.get("paths", {}).items()
    for method, op in item.items()
    if isinstance(op, dict) and "operationId" in op
)


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0 -> JSON Schema, recursively: a typed schema also accepts ``null``.

    Not only where the spec says ``nullable: true``: Dify 1.14.1 sends ``null`` for many fields the spec types as
    plain strings or objects (``description``, ``doc_form``, ``icon_info`` ... in ds_create, wf_site, cf_messages), and
    the server copies the real answers. Every other type mismatch still fails."""
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    # The spec's oneOf alternatives are not exclusive (e.g. UserInputFormItem's wrappers require nothing): anyOf.
    out = {
        ("anyOf" if key == "oneOf" else key): _nullable(value)
        for key, value in node.items()
        if key not in ("nullable", "discriminator")
    }
    if "type" in node or "allOf" in node or "$ref" in node:
        return {"anyOf": [out, {"type": "null"}]}
    return out


COMPONENTS = _nullable(SPEC.get("components", {}))


def _validate(schema: dict[str, Any], instance: Any, skip: set[str]) -> list[str]:
    document = {**_nullable(schema), "components": COMPONENTS}
    validator = jsonschema.Draft202012Validator(document)
    problems = []
    for error in _leaves(validator.iter_errors(instance)):
        where = ".".join(str(p) for p in error.absolute_path)
        top = str(error.absolute_path[0]) if error.absolute_path else ""
        if top in skip or where in skip:
            continue
        problems.append(f"{where or '<root>'}: {error.message[:200]}")
    return problems


def _leaves(errors: Iterable[jsonschema.ValidationError]) -> Iterator[jsonschema.ValidationError]:
    """The errors that explain a failure (inside ``anyOf``: not the "is not null" branch)."""
    for error in errors:
        inner = [e for e in error.context or [] if not (e.validator == "type" and e.validator_value == "null")]
        if inner:
            yield from _leaves(inner)
        else:
            yield error


def _events(body: bytes) -> list[dict[str, Any]]:
    events = []
    for frame in body.decode().split("\n\n"):
        for line in frame.splitlines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    return events


@pytest.fixture(scope="module")
def answers() -> Iterator[dict[str, list[httpx.Response]]]:
    if not SPEC:
        pytest.skip(SPEC_MISSING)
    with DifyTestServer(indexing_seconds=0) as server:
        yield _scenario(server)


def _scenario(server: DifyTestServer) -> dict[str, list[httpx.Response]]:
    seen: dict[str, list[httpx.Response]] = {}
    user = "contract-user"

    def client(key: str) -> httpx.Client:
        return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=10)

    chat, completion, workflow = (client(server.app_key(k)) for k in ("chat", "completion", "workflow"))
    kb = client(server.dataset_key)

    def rec(op: str, response: httpx.Response) -> httpx.Response:
        assert response.status_code < 400, (op, response.status_code, response.text)
        seen.setdefault(op, []).append(response)
        return response

    # files, chat, conversations
    upload = rec("uploadChatFile", chat.post("/files/upload", files={"file": ("a.txt", b"hello", "text/plain")},
                                             data={"user": user})).json()  # fmt: skip
    files = [{"type": "document", "transfer_method": "local_file", "upload_file_id": upload["id"]}]
    first = rec("sendChatMessage", chat.post("/chat-messages", json={
        "inputs": {}, "query": "Hello", "user": user, "response_mode": "blocking", "files": files})).json()  # fmt: skip
    conversation_id = first["conversation_id"]
    streamed = rec("sendChatMessage", chat.post("/chat-messages", json={
        "inputs": {}, "query": "Again please", "user": user, "response_mode": "streaming",
        "conversation_id": conversation_id}))  # fmt: skip
    task_id = _events(streamed.content)[0]["task_id"]
    rec("stopChatMessageGeneration", chat.post(f"/chat-messages/{task_id}/stop", json={"user": user}))
    rec("getSuggestedQuestions", chat.get(f"/messages/{first['message_id']}/suggested", params={"user": user}))
    rec("previewChatFile", chat.get(f"/files/{upload['id']}/preview", params={"user": user}))
    end_user_id = upload["created_by"]
    rec("getEndUserChat", chat.get(f"/end-users/{end_user_id}"))
    rec("postChatMessageFeedback", chat.post(f"/messages/{first['message_id']}/feedbacks",
                                             json={"rating": "like", "user": user, "content": "ok"}))  # fmt: skip
    rec("getChatAppFeedbacks", chat.get("/app/feedbacks"))
    rec("getConversationsList", chat.get("/conversations", params={"user": user}))
    rec("getConversationHistory", chat.get("/messages", params={"user": user, "conversation_id": conversation_id}))
    variables = rec("getConversationVariables",
                    chat.get(f"/conversations/{conversation_id}/variables", params={"user": user})).json()  # fmt: skip
    rec("renameConversation", chat.post(f"/conversations/{conversation_id}/name", json={"name": "x", "user": user}))
    rec(
        "updateChatConversationVariable",
        chat.put(
            f"/conversations/{conversation_id}/variables/{variables['data'][0]['id']}",
            json={"value": "v", "user": user},
        ),
    )
    rec(
        "audioToText", chat.post("/audio-to-text", files={"file": ("a.mp3", b"ID3", "audio/mpeg")}, data={"user": user})
    )
    rec("textToAudioChat", chat.post("/text-to-audio", json={"text": "hi", "user": user}))
    for op, route in (("getChatAppInfo", "/info"), ("getChatAppParameters", "/parameters"), ("getChatAppMeta", "/meta"),
                      ("getChatWebAppSettings", "/site")):  # fmt: skip
        rec(op, chat.get(route))
        rec(op, workflow.get(route))
    annotation = rec("createAnnotation", chat.post("/apps/annotations", json={"question": "q", "answer": "a"})).json()
    rec("getAnnotationList", chat.get("/apps/annotations"))
    rec("updateAnnotation", chat.put(f"/apps/annotations/{annotation['id']}", json={"question": "q2", "answer": "a2"}))
    rec("deleteAnnotation", chat.delete(f"/apps/annotations/{annotation['id']}"))
    job = rec("initialAnnotationReplySettings", chat.post("/apps/annotation-reply/enable", json={
        "score_threshold": 0.9, "embedding_provider_name": "p", "embedding_model_name": "m"})).json()  # fmt: skip
    rec("getInitialAnnotationReplySettingsStatus", chat.get(f"/apps/annotation-reply/enable/status/{job['job_id']}"))
    rec("deleteConversation", chat.request("DELETE", f"/conversations/{conversation_id}", json={"user": user}))

    # completion
    done = rec("createCompletionMessage", completion.post("/completion-messages", json={
        "inputs": {"query": "hi"}, "user": user, "response_mode": "blocking"})).json()  # fmt: skip
    rec("createCompletionMessage", completion.post("/completion-messages", json={
        "inputs": {"query": "hi"}, "user": user, "response_mode": "streaming"}))  # fmt: skip
    rec("stopGenerate", completion.post(f"/completion-messages/{done['task_id']}/stop", json={"user": user}))

    # workflow, human input
    run = rec("executeWorkflow", workflow.post("/workflows/run", json={
        "inputs": {"text": "hi"}, "user": user, "response_mode": "blocking"})).json()  # fmt: skip
    rec("executeWorkflow", workflow.post("/workflows/run", json={
        "inputs": {"text": "hi"}, "user": user, "response_mode": "streaming"}))  # fmt: skip
    workflow_id = run["data"]["workflow_id"]
    rec("runWorkflowById", workflow.post(f"/workflows/{workflow_id}/run", json={
        "inputs": {"text": "pinned"}, "user": user, "response_mode": "blocking"}))  # fmt: skip
    rec("getWorkflowRunDetail", workflow.get(f"/workflows/run/{run['workflow_run_id']}"))
    rec("getWorkflowLogs", workflow.get("/workflows/logs"))
    rec("stopWorkflowTaskGeneration", workflow.post(f"/workflows/tasks/{run['task_id']}/stop", json={"user": user}))
    rec("streamWorkflowEvents", workflow.get(f"/workflow/{run['workflow_run_id']}/events", params={"user": user}))
    paused = rec("executeWorkflow", workflow.post("/workflows/run", json={
        "inputs": {"text": "check me", "needs_approval": True}, "user": user, "response_mode": "streaming"}))  # fmt: skip
    required = next(e for e in _events(paused.content) if e["event"] == "human_input_required")
    token = required["data"]["form_token"]
    rec("getChatflowHumanInputForm", workflow.get(f"/form/human_input/{token}"))
    rec("submitChatflowHumanInputForm", workflow.post(f"/form/human_input/{token}", json={
        "inputs": {"comment": "fine"}, "action": "approve", "user": user}))  # fmt: skip
    rec("streamWorkflowEvents", workflow.get(f"/workflow/{required['workflow_run_id']}/events", params={"user": user}))

    # knowledge base
    rec("getAvailableModels", kb.get("/workspaces/current/models/model-types/text-embedding"))
    dataset = rec("createDataset", kb.post("/datasets", json={"name": "Contract KB", "indexing_technique": "economy"}))
    dataset_id = dataset.json()["id"]
    ds = f"/datasets/{dataset_id}"
    rec("listDatasets", kb.get("/datasets"))
    rec("getDatasetDetail", kb.get(ds))
    rec("updateDataset", kb.patch(ds, json={"description": "updated"}))
    created = rec("createDocumentFromText", kb.post(ds + "/document/create-by-text", json={
        "name": "intro.txt", "text": "Dify builds apps.\n\nKeyword search finds segments.",
        "indexing_technique": "economy", "process_rule": {"mode": "automatic"}})).json()  # fmt: skip
    doc_id = created["document"]["id"]
    by_file = rec("createDocumentFromFile", kb.post(ds + "/document/create-by-file", files={
        "file": ("notes.md", b"# Notes\n\nA second document.", "text/markdown"),
        "data": (None, json.dumps({"indexing_technique": "economy", "process_rule": {"mode": "automatic"}})),
    })).json()  # fmt: skip
    other_id = by_file["document"]["id"]
    rec("listDocuments", kb.get(ds + "/documents"))
    rec("getDocumentDetail", kb.get(f"{ds}/documents/{doc_id}"))
    rec("getDocumentIndexingStatus", kb.get(f"{ds}/documents/{created['batch']}/indexing-status"))
    rec("updateDocumentByText", kb.post(f"{ds}/documents/{doc_id}/update-by-text", json={
        "name": "intro-v2.txt", "text": "Dify builds apps.\n\nKeyword search finds segments.\n\nVersion two."}))  # fmt: skip
    rec(
        "updateDocumentByFile",
        kb.post(
            f"{ds}/documents/{other_id}/update-by-file",
            files={
                "file": ("notes.md", b"Notes v2.\n\nMore.", "text/markdown"),
                "data": (None, json.dumps({"name": "n2.md"})),
            },
        ),
    )
    rec(
        "updateDocument",
        kb.patch(
            f"{ds}/documents/{other_id}",
            files={"file": ("notes.md", b"Notes v3.", "text/markdown"), "data": (None, json.dumps({"name": "n3.md"}))},
        ),
    )
    rec("downloadDocument", kb.get(f"{ds}/documents/{doc_id}/download"))
    zipped = rec(
        "downloadDocumentsZip", kb.post(ds + "/documents/download-zip", json={"document_ids": [doc_id, other_id]})
    )
    assert zipfile.ZipFile(BytesIO(zipped.content)).namelist()
    rec("batchUpdateDocumentStatus", kb.patch(ds + "/documents/status/disable", json={"document_ids": [other_id]}))
    segments = rec("listSegments", kb.get(f"{ds}/documents/{doc_id}/segments")).json()
    seg_id = segments["data"][0]["id"]
    seg = f"{ds}/documents/{doc_id}/segments/{seg_id}"
    rec("createSegments", kb.post(f"{ds}/documents/{doc_id}/segments", json={"segments": [{"content": "Added."}]}))
    rec("getSegmentDetail", kb.get(seg))
    rec("updateSegment", kb.post(seg, json={"segment": {"content": "Edited segment about keyword search."}}))
    chunk = rec("createChildChunk", kb.post(seg + "/child_chunks", json={"content": "A child."})).json()
    rec("getChildChunks", kb.get(seg + "/child_chunks"))
    rec("updateChildChunk", kb.patch(f"{seg}/child_chunks/{chunk['data']['id']}", json={"content": "Edited child."}))
    rec("deleteChildChunk", kb.delete(f"{seg}/child_chunks/{chunk['data']['id']}"))
    rec("retrieveSegments", kb.post(ds + "/retrieve", json={"query": "keyword search"}))
    tag = rec("createKnowledgeTag", kb.post("/datasets/tags", json={"name": "t1"})).json()
    rec("getKnowledgeTags", kb.get("/datasets/tags"))
    rec("updateKnowledgeTag", kb.patch("/datasets/tags", json={"tag_id": tag["id"], "name": "t2"}))
    rec("bindTagsToDataset", kb.post("/datasets/tags/binding", json={"tag_ids": [tag["id"]], "target_id": dataset_id}))
    rec("queryDatasetTags", kb.get(ds + "/tags"))
    rec(
        "unbindTagFromDataset", kb.post("/datasets/tags/unbinding", json={"tag_id": tag["id"], "target_id": dataset_id})
    )
    rec("deleteKnowledgeTag", kb.request("DELETE", "/datasets/tags", json={"tag_id": tag["id"]}))
    field = rec("createMetadataField", kb.post(ds + "/metadata", json={"type": "string", "name": "author"})).json()
    rec("listMetadataFields", kb.get(ds + "/metadata"))
    rec("updateMetadataField", kb.patch(f"{ds}/metadata/{field['id']}", json={"name": "writer"}))
    rec("getBuiltInMetadataFields", kb.get(ds + "/metadata/built-in"))
    rec("toggleBuiltInMetadataField", kb.post(ds + "/metadata/built-in/enable"))
    rec(
        "batchUpdateDocumentMetadata",
        kb.post(
            ds + "/documents/metadata",
            json={
                "operation_data": [
                    {"document_id": doc_id, "metadata_list": [{"id": field["id"], "name": "writer", "value": "Ada"}]}
                ]
            },
        ),
    )
    rec("getDocumentDetail", kb.get(f"{ds}/documents/{doc_id}"))
    rec("deleteMetadataField", kb.delete(f"{ds}/metadata/{field['id']}"))
    pipeline_file = rec("uploadPipelineFile", kb.post("/datasets/pipeline/file-upload",
                                                      files={"file": ("p.txt", b"Pipeline text.", "text/plain")})).json()  # fmt: skip
    nodes = rec("listDatasourcePlugins", kb.get(ds + "/pipeline/datasource-plugins")).json()
    rec("runDatasourceNode", kb.post(f"{ds}/pipeline/datasource/nodes/{nodes[0]['node_id']}/run", json={
        "inputs": {}, "datasource_type": "local_file", "is_published": True}))  # fmt: skip
    for mode in ("blocking", "streaming"):
        rec("runPipeline", kb.post(ds + "/pipeline/run", json={
            "inputs": {}, "datasource_type": "local_file", "start_node_id": nodes[0]["node_id"], "is_published": True,
            "datasource_info_list": [{"reference": pipeline_file["id"], "name": f"p-{mode}.txt"}],
            "response_mode": mode}))  # fmt: skip
    rec("deleteSegment", kb.delete(seg))
    rec("deleteDocument", kb.delete(f"{ds}/documents/{doc_id}"))
    rec("deleteDataset", kb.delete(ds))
    for c in (chat, completion, workflow, kb):
        c.close()
    return seen


def _stream_family(path: str) -> str | None:
    if path == "/chat-messages":
        return "ChunkChatEvent"
    if path == "/completion-messages":
        return "ChunkCompletionEvent"
    if path.startswith("/workflow") or path.endswith("/pipeline/run"):
        return "ChunkWorkflowEvent"
    return None


@pytest.mark.parametrize(("operation_id", "method", "path"), OPERATIONS or [("none", "GET", "/")])
def test_answer_matches_spec(
    answers: dict[str, list[httpx.Response]], operation_id: str, method: str, path: str
) -> None:
    responses = answers.get(operation_id)
    assert responses, f"{operation_id} ({method} {path}) was not exercised by the scenario"
    operation = SPEC["paths"][path][method.lower()]
    skip = KNOWN_DEVIATIONS.get(operation_id, set())
    for response in responses:
        status = str(response.status_code)
        assert status in operation["responses"], f"{operation_id}: status {status} not in the spec"
        declared = operation["responses"][status]
        if "$ref" in declared:
            declared = SPEC["components"]["responses"][declared["$ref"].rsplit("/", 1)[-1]]
        content = declared.get("content") or {}
        media = response.headers.get("content-type", "").split(";")[0]
        if status == "204":
            assert response.content == b""
            continue
        if media == "text/event-stream":
            assert "text/event-stream" in content, f"{operation_id}: a stream where the spec has {list(content)}"
            events = _events(response.content)
            assert events, f"{operation_id}: an empty stream"
            family = _stream_family(path)
            for event in events:
                if family is None:
                    assert "event" in event
                    continue
                mapping = SPEC["components"]["schemas"][family]["discriminator"]["mapping"]
                assert event["event"] in mapping, f"{operation_id}: unknown event {event['event']}"
                problems = _validate({"$ref": mapping[event["event"]]}, event, skip)
                assert not problems, f"{operation_id} {event['event']}: {problems}"
            continue
        if media == "application/json":
            schema = (content.get("application/json") or {}).get("schema")
            assert schema is not None, f"{operation_id}: JSON where the spec has {list(content)}"
            problems = _validate(schema, response.json(), skip)
            assert not problems, f"{operation_id}: {problems}"
            continue
        # binary answers (preview, text-to-audio, zip): the spec's media type or a binary schema
        assert content, f"{operation_id}: binary answer {media} where the spec has no content"
