"""What the docs say about the real server's answers holds: for the recorded Dify 1.14.1 exchanges and for the
built-in server that mimics it."""

from __future__ import annotations

import json

import pytest

from dify_oapi.api.knowledge_base.v1.model.dataset import CreateDatasetRequest
from dify_oapi.api.knowledge_base.v1.model.document import (
    CreateDocumentByTextRequest,
    UpdateDocumentByFileRequest,
    UpdateDocumentByTextRequest,
)
from dify_oapi.testing import DifyTestServer
from tests.support import transcript


def _answer(name: str) -> dict[str, object]:
    body: dict[str, object] = json.loads(transcript(name)["response"]["body"])
    return body


@pytest.mark.parametrize(
    ("create", "update", "status"),
    [
        ("ds_doc_create_by_text", "ds_document_update_by_text", "ds_doc_update_text_indexing_status_first"),
        ("ds_doc_create_by_file", "ds_document_patch_by_file", "ds_doc_patch_indexing_status_first"),
    ],
)
def test_a_real_document_update_answers_its_original_batch(create: str, update: str, status: str) -> None:
    created, updated = _answer(create), _answer(update)
    assert updated["batch"] == created["batch"]
    assert updated["document"]["id"] == created["document"]["id"]  # type: ignore[index]
    # The status of that batch then shows the document re-indexing.
    assert transcript(status)["request"]["path"].endswith(f"/documents/{created['batch']}/indexing-status")


def test_the_built_in_server_answers_updates_with_the_original_batch() -> None:
    with DifyTestServer(indexing_seconds=0.05) as server, server.client() as client:
        kb = client.knowledge_base.v1
        ds = kb.dataset.create(CreateDatasetRequest.builder().name("claims").indexing_technique("economy").build()).id
        made = kb.document.create_by_text(
            CreateDocumentByTextRequest.builder().dataset_id(ds).name("a.txt").text("one").build()
        )
        doc = made.document.id
        by_text = kb.document.update_by_text(
            UpdateDocumentByTextRequest.builder().dataset_id(ds).document_id(doc).text("two").build()
        )
        file = UpdateDocumentByFileRequest.builder().dataset_id(ds).document_id(doc).file(("a.txt", b"three")).build()
        answers = [by_text, kb.document.update(file), kb.document.update_by_file(file)]
        assert [a.batch for a in answers] == [made.batch] * 3
        assert {a.document.id for a in answers} == {doc}
        final = kb.document.wait_for_indexing(ds, made.batch, interval=0.02, timeout=10)
        assert [d.id for d in final.data] == [doc]
