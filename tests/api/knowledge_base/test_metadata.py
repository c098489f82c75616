"""client.knowledge_base.v1.metadata: create (201), list, rename, delete (204), list_built_in, toggle_built_in,
update_documents; sync and async, replayed from the real server's transcripts (Dify 1.14.1), with the dataset key."""

from __future__ import annotations

import httpx
import pytest

from dify_oapi.api.knowledge_base.v1.model.metadata import (
    BuiltInMetadataFields,
    CreateMetadataRequest,
    DeleteMetadataRequest,
    DocumentMetadataOperation,
    DocumentMetadataValue,
    ListBuiltInMetadataRequest,
    ListMetadataRequest,
    MetadataField,
    MetadataFieldList,
    RenameMetadataRequest,
    ToggleBuiltInMetadataRequest,
    UpdateDocumentsMetadataRequest,
)
from dify_oapi.core.errors import InvalidRequestError, NotFoundError
from dify_oapi.core.model import SimpleResult
from tests.api.knowledge_base._more_support import DS, check_sent, recorded_body, run
from tests.support import Recorder, make_client, transcript_response

FIELD = "01f25223-3695-429b-b2c3-fd7661d61d38"
DOCUMENT = "91814b72-81fc-4e3d-8b79-adbcabfaab7f"
FIELDS = f"/datasets/{DS}/metadata"


def _metadata(rec: Recorder) -> object:
    return make_client(rec).knowledge_base.v1.metadata


async def test_create_replay_201(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_metadata_create"))
    req = CreateMetadataRequest.builder().dataset_id(DS).type("string").name("author").build()
    out = await run(mode, _metadata(recorder), "create", req)
    check_sent(recorder, "POST", FIELDS, body=recorded_body("ds_metadata_create"))
    assert isinstance(out, MetadataField)
    assert (out.id, out.type, out.name, out.count) == (FIELD, "string", "author", None)


def test_create_refuses_a_type_the_server_does_not_take(recorder: Recorder) -> None:
    """The request type is closed (``string``, ``number``, ``time``: what the server validates): a typo fails before
    anything is sent."""
    with pytest.raises(InvalidRequestError, match="type"):
        CreateMetadataRequest(dataset_id=DS, type="select", name="kind")
    assert not recorder.requests


async def test_list_accepts_a_type_newer_than_the_sdk(mode: str, recorder: Recorder) -> None:
    """Answers stay open: a field type a newer Dify reports still parses."""
    recorder.answers.append(httpx.Response(200, json={"doc_metadata": [{"id": "f2", "type": "select", "name": "k"}]}))
    out = await run(mode, _metadata(recorder), "list", ListMetadataRequest.builder().dataset_id(DS).build())
    assert [f.type for f in out.doc_metadata] == ["select"]


async def test_list_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_metadata_list"))
    out = await run(mode, _metadata(recorder), "list", ListMetadataRequest.builder().dataset_id(DS).build())
    check_sent(recorder, "GET", FIELDS)
    assert isinstance(out, MetadataFieldList) and out.built_in_field_enabled is False
    assert [(f.id, f.name, f.type, f.count) for f in out.doc_metadata] == [(FIELD, "author", "string", 0)]


async def test_rename_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_metadata_update"))
    req = RenameMetadataRequest.builder().dataset_id(DS).metadata_id(FIELD).name("writer").build()
    out = await run(mode, _metadata(recorder), "rename", req)
    check_sent(recorder, "PATCH", f"{FIELDS}/{FIELD}", body=recorded_body("ds_metadata_update"))
    assert isinstance(out, MetadataField) and out.name == "writer"


async def test_list_built_in_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_metadata_builtin"))
    req = ListBuiltInMetadataRequest.builder().dataset_id(DS).build()
    out = await run(mode, _metadata(recorder), "list_built_in", req)
    check_sent(recorder, "GET", f"{FIELDS}/built-in")
    assert isinstance(out, BuiltInMetadataFields)
    assert [(f.name, f.type) for f in out.fields] == [
        ("document_name", "string"),
        ("uploader", "string"),
        ("upload_date", "time"),
        ("last_update_date", "time"),
        ("source", "string"),
    ]


@pytest.mark.parametrize("action", ["enable", "disable"])
async def test_toggle_built_in_replay(mode: str, recorder: Recorder, action: str) -> None:
    recorder.answers.append(transcript_response(f"ds_metadata_builtin_{action}"))
    req = ToggleBuiltInMetadataRequest.builder().dataset_id(DS).action("enable" if action == "enable" else "disable")
    out = await run(mode, _metadata(recorder), "toggle_built_in", req.build())
    check_sent(recorder, "POST", f"{FIELDS}/built-in/{action}", body={})
    assert isinstance(out, SimpleResult) and out.result == "success"


def test_toggle_action_is_checked_before_sending() -> None:
    with pytest.raises(InvalidRequestError, match="action"):
        ToggleBuiltInMetadataRequest.builder().dataset_id(DS).action("toggle").build()  # type: ignore[arg-type]


async def test_update_documents_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_documents_metadata"))
    value = DocumentMetadataValue.builder().id(FIELD).name("writer").value("Ada Lovelace").build()
    op = DocumentMetadataOperation.builder().document_id(DOCUMENT).metadata_list([value]).build()
    req = UpdateDocumentsMetadataRequest.builder().dataset_id(DS).operation_data([op]).build()
    out = await run(mode, _metadata(recorder), "update_documents", req)
    check_sent(recorder, "POST", f"/datasets/{DS}/documents/metadata", body=recorded_body("ds_documents_metadata"))
    assert out.result == "success"


async def test_update_documents_numbers_nulls_and_partial(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"result": "success"}))
    values = [
        DocumentMetadataValue(id="f1", name="pages", value=12),
        DocumentMetadataValue(id="f2", name="score", value=0.5),
        DocumentMetadataValue(id="f3", name="gone", value=None),
        DocumentMetadataValue(id="f4", name="unset"),
    ]
    op = DocumentMetadataOperation(document_id=DOCUMENT, metadata_list=values, partial_update=True)
    await run(
        mode,
        _metadata(recorder),
        "update_documents",
        UpdateDocumentsMetadataRequest(dataset_id=DS, operation_data=[op]),
    )
    check_sent(
        recorder,
        "POST",
        f"/datasets/{DS}/documents/metadata",
        body={
            "operation_data": [
                {
                    "document_id": DOCUMENT,
                    "metadata_list": [
                        {"id": "f1", "name": "pages", "value": 12},
                        {"id": "f2", "name": "score", "value": 0.5},
                        {"id": "f3", "name": "gone", "value": None},
                        {"id": "f4", "name": "unset"},
                    ],
                    "partial_update": True,
                }
            ]
        },
    )


async def test_delete_replay_204(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_metadata_delete"))
    req = DeleteMetadataRequest.builder().dataset_id(DS).metadata_id(FIELD).build()
    out = await run(mode, _metadata(recorder), "delete", req)
    check_sent(recorder, "DELETE", f"{FIELDS}/{FIELD}")
    assert isinstance(out, SimpleResult) and out.result == "success"


async def test_unknown_dataset_is_typed(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(
        httpx.Response(404, json={"code": "not_found", "message": "Dataset not found.", "status": 404})
    )
    with pytest.raises(NotFoundError, match="Dataset not found"):
        await run(mode, _metadata(recorder), "list", ListMetadataRequest(dataset_id="nope"))
