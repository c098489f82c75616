"""client.knowledge_base.v1.document: create/update by text and by file (multipart), list (+ pager), get, delete,
indexing status, download, download-zip (binary), batch status; sync and async, replayed from the real server's
transcripts (Dify 1.14.1), with the dataset key. The wait-for-indexing helper is in test_document_indexing.py."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from dify_oapi.api.knowledge_base.v1.model.document import (
    CreateDocumentByFileRequest,
    CreateDocumentByTextRequest,
    DeleteDocumentRequest,
    Document,
    DocumentDownload,
    DocumentFileData,
    DocumentList,
    DocumentResult,
    DownloadDocumentRequest,
    DownloadDocumentsZipRequest,
    GetDocumentRequest,
    GetIndexingStatusRequest,
    IndexingStatusList,
    ListDocumentsRequest,
    PreProcessingRule,
    ProcessRule,
    ProcessRules,
    Segmentation,
    UpdateDocumentByFileRequest,
    UpdateDocumentByTextRequest,
    UpdateDocumentStatusRequest,
)
from dify_oapi.api.knowledge_base.v1.model.retrieval import RetrievalModel
from dify_oapi.core.errors import (
    ArchivedDocumentImmutableError,
    DocumentIndexingError,
    FileTooLargeError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RequestTooLargeError,
    UnsupportedFileTypeError,
    UnsupportedMediaTypeError,
)
from dify_oapi.core.model import SimpleResult
from tests.api.knowledge_base._more_support import check_sent, run
from tests.support import Recorder, make_client, recorded, transcript, transcript_response
from tests.support import multipart_parts as parts

DS = "36608bde-4b2d-4703-b0a8-9584a6e9d0c5"
DOC_TEXT = "91814b72-81fc-4e3d-8b79-adbcabfaab7f"
DOC_FILE = "1879ef21-4781-4955-90de-e2e671e920f7"


def _document(rec: Recorder, **options: Any) -> Any:
    return make_client(rec, **options).knowledge_base.v1.document


def check_parts(rec: Recorder, recorded_parts: list[dict[str, Any]], index: int = -1) -> None:
    """Every part the transcript's request shows, byte for byte: file name, type and content; form values."""
    sent = parts(rec, index)
    assert set(sent) == {p["name"] for p in recorded_parts}
    for want in recorded_parts:
        got = sent[want["name"]]
        payload = got.get_payload(decode=True)
        if "filename" in want:
            assert got.get_filename() == want["filename"]
            assert got.get_content_type() == want["content_type"]
            assert payload == want["content"].encode() and len(payload) == want["size"]
        else:
            assert got.get_filename() is None and "content-type" not in got
            assert payload == want["value"].encode()


def _result(doc_id: str = "d-1", batch: str = "b-1") -> httpx.Response:
    return httpx.Response(200, json={"document": {"id": doc_id, "indexing_status": "waiting"}, "batch": batch})


# ---- create / update by text ----------------------------------------------------------------------------------


async def test_create_by_text_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_doc_create_by_text"))
    body = recorded("ds_doc_create_by_text")["body"]
    req = (
        CreateDocumentByTextRequest.builder()
        .dataset_id(DS)
        .name(body["name"])
        .text(body["text"])
        .indexing_technique("economy")
        .process_rule(ProcessRule.builder().mode("automatic").build())
        .build()
    )
    result = await run(mode, _document(recorder), "create_by_text", req)
    check_sent(recorder, "POST", f"/datasets/{DS}/document/create-by-text", body=body)
    assert isinstance(result, DocumentResult) and result.batch == "20261122225208831366"
    doc = result.document
    assert isinstance(doc, Document) and doc.id == DOC_TEXT and doc.indexing_status == "splitting"
    assert doc.display_status == "indexing" and doc.tokens is None and doc.created_at == 1795387929
    assert doc.data_source_detail_dict is not None
    assert doc.data_source_detail_dict["upload_file"]["created_at"] == 1795387928.706166


async def test_create_by_text_with_custom_rules(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(_result())
    rule = (
        ProcessRule.builder()
        .mode("hierarchical")
        .rules(
            ProcessRules.builder()
            .pre_processing_rules([PreProcessingRule.builder().id("remove_extra_spaces").enabled(True).build()])
            .segmentation(Segmentation.builder().separator("\n\n").max_tokens(500).build())
            .parent_mode("paragraph")
            .subchunk_segmentation(Segmentation.builder().separator("\n").max_tokens(100).chunk_overlap(10).build())
            .build()
        )
        .build()
    )
    retrieval = (
        RetrievalModel.builder().search_method("semantic_search").reranking_enable(False).top_k(5)
        .score_threshold_enabled(False).build()
    )  # fmt: skip
    req = (
        CreateDocumentByTextRequest.builder()
        .dataset_id(DS)
        .name("n")
        .text("t")
        .indexing_technique("high_quality")
        .doc_form("hierarchical_model")
        .doc_language("English")
        .process_rule(rule)
        .retrieval_model(retrieval)
        .embedding_model("e")
        .embedding_model_provider("langgenius/openai/openai")
        .original_document_id("old")
        .build()
    )
    await run(mode, _document(recorder), "create_by_text", req)
    check_sent(
        recorder,
        "POST",
        f"/datasets/{DS}/document/create-by-text",
        body={
            "name": "n", "text": "t", "indexing_technique": "high_quality", "doc_form": "hierarchical_model",
            "doc_language": "English",
            "process_rule": {
                "mode": "hierarchical",
                "rules": {
                    "pre_processing_rules": [{"id": "remove_extra_spaces", "enabled": True}],
                    "segmentation": {"separator": "\n\n", "max_tokens": 500},
                    "parent_mode": "paragraph",
                    "subchunk_segmentation": {"separator": "\n", "max_tokens": 100, "chunk_overlap": 10},
                },
            },
            "retrieval_model": {
                "search_method": "semantic_search", "reranking_enable": False, "top_k": 5,
                "score_threshold_enabled": False,
            },
            "embedding_model": "e", "embedding_model_provider": "langgenius/openai/openai",
            "original_document_id": "old",
        },
    )  # fmt: skip


async def test_update_by_text_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_document_update_by_text"))
    body = recorded("ds_document_update_by_text")["body"]
    req = UpdateDocumentByTextRequest.builder().dataset_id(DS).document_id(DOC_TEXT).name(body["name"])
    result = await run(mode, _document(recorder), "update_by_text", req.text(body["text"]).build())
    check_sent(recorder, "POST", f"/datasets/{DS}/documents/{DOC_TEXT}/update-by-text", body=body)
    assert result.batch == "20261122225208831366" and result.document.name == "intro-v2.txt"
    assert result.document.indexing_status == "waiting" and result.document.created_from == "web"


# ---- create / update by file (multipart) ----------------------------------------------------------------------


async def test_create_by_file_replay_streams_a_path(mode: str, recorder: Recorder, tmp_path: Path) -> None:
    recorder.answers.append(transcript_response("ds_doc_create_by_file"))
    want = recorded("ds_doc_create_by_file")["body"]["parts"]
    file_part = next(p for p in want if p["name"] == "file")
    path = tmp_path / file_part["filename"]
    path.write_bytes(file_part["content"].encode())
    data = (
        DocumentFileData.builder()
        .indexing_technique("economy")
        .process_rule(ProcessRule.builder().mode("automatic").build())
        .build()
    )
    req = CreateDocumentByFileRequest.builder().dataset_id(DS).file(path).data(data).build()
    result = await run(mode, _document(recorder), "create_by_file", req)
    check_sent(recorder, "POST", f"/datasets/{DS}/document/create-by-file", body=...)
    check_parts(recorder, want)
    assert result.batch == "20261122225209695365" and result.document.id == DOC_FILE
    assert result.document.indexing_status == "waiting" and result.document.display_status == "queuing"


@pytest.mark.parametrize("kind", ["bytes", "file object", "tuple", "tuple without type"])
async def test_create_by_file_accepts_every_file_input(mode: str, kind: str, recorder: Recorder) -> None:
    recorder.answers.append(_result())
    content = b"\x00binary\r\n--not-a-boundary\r\n\xff"
    file: Any = {
        "bytes": content,
        "file object": io.BytesIO(content),
        "tuple": ("report.pdf", content, "application/pdf"),
        "tuple without type": ("report.pdf", io.BytesIO(content)),
    }[kind]
    req = CreateDocumentByFileRequest.builder().dataset_id(DS).file(file).build()
    await run(mode, _document(recorder), "create_by_file", req)
    sent = parts(recorder)
    assert set(sent) == {"file"}  # no data part when no settings are given
    assert sent["file"].get_payload(decode=True) == content
    name, ctype = {
        "bytes": ("file", "application/octet-stream"),
        "file object": ("file", "application/octet-stream"),
        "tuple": ("report.pdf", "application/pdf"),
        "tuple without type": ("report.pdf", "application/pdf"),
    }[kind]
    assert sent["file"].get_filename() == name and sent["file"].get_content_type() == ctype


async def test_create_by_file_path_is_reopened_for_a_retry(mode: str, recorder: Recorder, tmp_path: Path) -> None:
    """A 503 with Retry-After (not processed) is retried even for a POST: the file is streamed from disk again, whole."""
    recorder.answers += [httpx.Response(503, text="busy", headers={"retry-after": "0"}), _result()]
    path = tmp_path / "notes.txt"
    path.write_bytes(b"line\n" * 1000)
    data = DocumentFileData.builder().doc_form("text_model").doc_language("Deutsch").build()
    req = CreateDocumentByFileRequest.builder().dataset_id(DS).file(path).data(data).build()
    await run(mode, _document(recorder), "create_by_file", req)
    assert len(recorder.requests) == 2
    for i in (0, 1):
        sent = parts(recorder, i)
        assert sent["file"].get_payload(decode=True) == b"line\n" * 1000
        assert sent["file"].get_content_type() == "text/plain"
        assert sent["data"].get_payload(decode=True) == b'{"doc_form": "text_model", "doc_language": "Deutsch"}'


async def test_update_patch_replay(mode: str, recorder: Recorder, tmp_path: Path) -> None:
    """PATCH documents/{id} is the canonical file update (multipart), as the real server shows."""
    recorder.answers.append(transcript_response("ds_document_patch_by_file"))
    want = recorded("ds_document_patch_by_file")["body"]["parts"]
    file_part = next(p for p in want if p["name"] == "file")
    content = file_part["content"].encode()
    req = (
        UpdateDocumentByFileRequest.builder()
        .dataset_id(DS)
        .document_id(DOC_FILE)
        .file((file_part["filename"], io.BytesIO(content), file_part["content_type"]))
        .data(DocumentFileData.builder().name("fixture-notes-v2.md").build())
        .build()
    )
    result = await run(mode, _document(recorder), "update", req)
    check_sent(recorder, "PATCH", f"/datasets/{DS}/documents/{DOC_FILE}", body=...)
    check_parts(recorder, want)
    assert result.batch == "20261122225209695365" and result.document.name == "fixture-notes-v2.md"
    assert result.document.word_count == 132


async def test_update_by_file_deprecated_post(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(_result(DOC_FILE))
    data = (
        DocumentFileData.builder()
        .process_rule(ProcessRule.builder().mode("custom").rules(ProcessRules.builder().build()).build())
        .build()
    )
    req = UpdateDocumentByFileRequest.builder().dataset_id(DS).document_id(DOC_FILE).file(("a.md", b"# a\n"))
    result = await run(mode, _document(recorder), "update_by_file", req.data(data).build())
    check_sent(recorder, "POST", f"/datasets/{DS}/documents/{DOC_FILE}/update-by-file", body=...)
    sent = parts(recorder)
    assert sent["data"].get_payload(decode=True) == b'{"process_rule": {"mode": "custom", "rules": {}}}'
    assert sent["file"].get_filename() == "a.md" and sent["file"].get_content_type() == "text/markdown"
    assert result.document.id == DOC_FILE


def test_file_endpoints_need_a_file() -> None:
    with pytest.raises(InvalidRequestError, match="file is required"):
        CreateDocumentByFileRequest.builder().dataset_id(DS).build()
    with pytest.raises(InvalidRequestError, match="file is required"):
        UpdateDocumentByFileRequest.builder().dataset_id(DS).document_id("d").build()
    with pytest.raises(InvalidRequestError, match="file"):
        CreateDocumentByFileRequest.builder().dataset_id(DS).file(123).build()  # type: ignore[arg-type]


def _error(status: int, code: str, message: str = "nope") -> httpx.Response:
    return httpx.Response(status, json={"status": status, "code": code, "message": message})


@pytest.mark.parametrize(
    ("status", "code", "error", "parent"),
    [
        (413, "file_too_large", FileTooLargeError, RequestTooLargeError),
        (415, "unsupported_file_type", UnsupportedFileTypeError, UnsupportedMediaTypeError),
        (403, "archived_document_immutable", ArchivedDocumentImmutableError, PermissionDeniedError),
        (400, "document_indexing", DocumentIndexingError, Exception),
    ],
)
async def test_upload_errors_are_typed_and_not_retried(
    mode: str, recorder: Recorder, status: int, code: str, error: type[Exception], parent: type[Exception]
) -> None:
    recorder.default = lambda _: _error(status, code)
    req = UpdateDocumentByFileRequest.builder().dataset_id(DS).document_id(DOC_FILE).file(("big.bin", b"x" * 64))
    with pytest.raises(error) as info:
        await run(mode, _document(recorder), "update", req.build())
    assert isinstance(info.value, parent) and info.value.code == code  # type: ignore[attr-defined]
    assert info.value.status_code == status  # type: ignore[attr-defined]
    assert len(recorder.requests) == 1


@pytest.mark.parametrize(
    ("code", "error"),
    [("archived_document_immutable", ArchivedDocumentImmutableError), ("document_indexing", DocumentIndexingError)],
)
async def test_delete_errors_are_typed_and_not_retried(
    mode: str, recorder: Recorder, code: str, error: type[Exception]
) -> None:
    recorder.default = lambda _: _error(403 if code.startswith("archived") else 400, code)
    req = DeleteDocumentRequest.builder().dataset_id(DS).document_id(DOC_FILE).build()
    with pytest.raises(error):
        await run(mode, _document(recorder), "delete", req)
    assert len(recorder.requests) == 1


# ---- list / get / delete ----------------------------------------------------------------------------------------


async def test_list_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_documents_list"))
    req = ListDocumentsRequest.builder().dataset_id(DS).page(1).limit(20).build()
    page = await run(mode, _document(recorder), "list", req)
    check_sent(recorder, "GET", f"/datasets/{DS}/documents", query=[("page", "1"), ("limit", "20")])
    assert recorded("ds_documents_list")["query"] == {"page": "1", "limit": "20"}
    assert isinstance(page, DocumentList) and page.total == 2 and page.has_more is False
    assert [d.id for d in page.data] == [DOC_FILE, DOC_TEXT]
    assert [d.display_status for d in page.data] == ["available", "available"] and page.data[0].word_count == 132


async def test_list_filters(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"data": [], "has_more": False}))
    req = ListDocumentsRequest.builder().dataset_id(DS).keyword("intro").status("available").page(3).limit(5)
    await run(mode, _document(recorder), "list", req.build())
    check_sent(
        recorder, "GET", f"/datasets/{DS}/documents",
        query=[("keyword", "intro"), ("status", "available"), ("page", "3"), ("limit", "5")],
    )  # fmt: skip


def _docs_page(ids: list[str], has_more: bool) -> httpx.Response:
    return httpx.Response(200, json={"data": [{"id": i} for i in ids], "has_more": has_more})


def test_iter_walks_every_page(recorder: Recorder) -> None:
    recorder.answers += [_docs_page(["a", "b"], True), _docs_page(["c"], False)]
    docs = list(_document(recorder).iter(ListDocumentsRequest.builder().dataset_id(DS).limit(2).build()))
    assert [d.id for d in docs] == ["a", "b", "c"]
    assert [r.url.params.get("page") for r in recorder.requests] == [None, "2"]
    assert all(r.url.path == f"/v1/datasets/{DS}/documents" for r in recorder.requests)


async def test_aiter_walks_every_page(recorder: Recorder) -> None:
    recorder.answers += [_docs_page(["a"], True), _docs_page(["b"], True), _docs_page([], True)]
    req = ListDocumentsRequest.builder().dataset_id(DS).build()
    assert [d.id async for d in _document(recorder).aiter(req)] == ["a", "b"]
    assert [r.url.params.get("page") for r in recorder.requests] == [None, "2", "3"]


async def test_get_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_document_get"))
    doc = await run(mode, _document(recorder), "get", GetDocumentRequest.builder().dataset_id(DS).document_id(DOC_TEXT))
    check_sent(recorder, "GET", f"/datasets/{DS}/documents/{DOC_TEXT}")
    assert isinstance(doc, Document) and doc.segment_count == 1 and doc.average_segment_length == 197
    assert doc.doc_language == "English" and doc.indexing_latency is not None and doc.completed_at == 1795387928
    assert doc.dataset_process_rule is not None and doc.dataset_process_rule["mode"] == "automatic"
    assert doc.data_source_info is not None and doc.data_source_info["upload_file"]["name"] == "intro.txt"


async def test_get_only_metadata_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_document_get_only_metadata"))
    req = GetDocumentRequest.builder().dataset_id(DS).document_id(DOC_TEXT).metadata("only").build()
    doc = await run(mode, _document(recorder), "get", req)
    check_sent(recorder, "GET", f"/datasets/{DS}/documents/{DOC_TEXT}", query=[("metadata", "only")])
    assert doc.id == DOC_TEXT and doc.doc_metadata is None and doc.name is None


async def test_get_with_metadata_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_document_get_with_metadata"))
    req = GetDocumentRequest.builder().dataset_id(DS).document_id(DOC_TEXT).build()
    doc = await run(mode, _document(recorder), "get", req)
    assert doc.doc_metadata is not None
    assert [(m.name, m.value) for m in doc.doc_metadata][:2] == [
        ("writer", "Ada Lovelace"),
        ("document_name", "intro-v2.txt"),
    ]
    assert doc.doc_metadata[1].id == "built-in" and doc.updated_at == 1795387940


async def test_get_deleted_is_not_found(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_document_get_deleted"))
    with pytest.raises(NotFoundError, match="Document not found"):
        await run(mode, _document(recorder), "get", GetDocumentRequest.builder().dataset_id(DS).document_id(DOC_FILE))
    assert len(recorder.requests) == 1


async def test_delete_replay_204(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_document_delete"))
    req = DeleteDocumentRequest.builder().dataset_id(DS).document_id(DOC_FILE).build()
    result = await run(mode, _document(recorder), "delete", req)
    check_sent(recorder, "DELETE", f"/datasets/{DS}/documents/{DOC_FILE}")
    assert isinstance(result, SimpleResult) and result.result == "success"


# ---- indexing status / download / status ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "state", "done"),
    [
        ("ds_doc_text_indexing_status_first", "indexing", (0, 1)),
        ("ds_doc_text_indexing_status_completed", "completed", (1, 1)),
        ("ds_doc_file_indexing_status_first", "splitting", (0, 0)),
        ("ds_doc_file_indexing_status_completed", "completed", (1, 1)),
        ("ds_doc_patch_indexing_status_first", "parsing", (0, 0)),
        ("ds_doc_patch_indexing_status_completed", "completed", (1, 1)),
        ("ds_doc_update_text_indexing_status_first", None, None),
        ("ds_doc_update_text_indexing_status_completed", "completed", None),
    ],
)
async def test_indexing_status_replay(
    mode: str, recorder: Recorder, name: str, state: str | None, done: tuple[int, int] | None
) -> None:
    recorder.answers.append(transcript_response(name))
    path = recorded(name)["path"].removeprefix("/v1")
    batch = path.split("/")[-2]
    req = GetIndexingStatusRequest.builder().dataset_id(DS).batch(batch).build()
    status = await run(mode, _document(recorder), "get_indexing_status", req)
    check_sent(recorder, "GET", path)
    assert isinstance(status, IndexingStatusList) and len(status.data) == 1
    item = status.data[0]
    if state is not None:
        assert item.indexing_status == state
    assert status.is_completed == (item.indexing_status == "completed")
    if done is not None:
        assert (item.completed_segments, item.total_segments) == done


async def test_download_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_document_download"))
    req = DownloadDocumentRequest.builder().dataset_id(DS).document_id(DOC_FILE).build()
    link = await run(mode, _document(recorder), "download", req)
    check_sent(recorder, "GET", f"/datasets/{DS}/documents/{DOC_FILE}/download")
    assert isinstance(link, DocumentDownload) and "/file-preview?" in link.url and "as_attachment=true" in link.url


def test_download_zip_replay_streams_to_a_file(recorder: Recorder, tmp_path: Path) -> None:
    recorder.answers.append(transcript_response("ds_documents_download_zip"))
    ids = recorded("ds_documents_download_zip")["body"]["document_ids"]
    req = DownloadDocumentsZipRequest.builder().dataset_id(DS).document_ids(ids).build()
    with _document(recorder).download_zip(req) as answer:
        assert answer.content_type == "application/zip"
        assert answer.filename == "f3c0d70cd3144286ba09baac235531ae.zip"
        written = answer.write_to(tmp_path / "docs.zip")
    check_sent(recorder, "POST", f"/datasets/{DS}/documents/download-zip", body={"document_ids": ids})
    assert (
        written
        == (tmp_path / "docs.zip").stat().st_size
        == len(transcript("ds_documents_download_zip")["response"]["body"])
    )
    with zipfile.ZipFile(tmp_path / "docs.zip") as archive:
        assert archive.testzip() is None and len(archive.namelist()) >= 1


async def test_adownload_zip_replay(recorder: Recorder, tmp_path: Path) -> None:
    recorder.answers.append(transcript_response("ds_documents_download_zip"))
    req = DownloadDocumentsZipRequest.builder().dataset_id(DS).document_ids([DOC_TEXT]).build()
    answer = await _document(recorder).adownload_zip(req)
    data = await answer.read()
    assert data == transcript("ds_documents_download_zip")["response"]["body"] and data.startswith(b"PK")
    check_sent(recorder, "POST", f"/datasets/{DS}/documents/download-zip", body={"document_ids": [DOC_TEXT]})


async def test_download_zip_error_is_typed(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(_error(404, "not_found", "Document not found."))
    req = DownloadDocumentsZipRequest.builder().dataset_id(DS).document_ids(["x"]).build()
    document = _document(recorder)

    async def call() -> Any:
        return document.download_zip(req) if mode == "sync" else await document.adownload_zip(req)

    with pytest.raises(NotFoundError):
        await call()
    assert len(recorder.requests) == 1


@pytest.mark.parametrize("name", ["ds_documents_disable", "ds_documents_enable"])
async def test_update_status_replay(mode: str, recorder: Recorder, name: str) -> None:
    recorder.answers.append(transcript_response(name))
    action = recorded(name)["path"].rsplit("/", 1)[-1]
    req = UpdateDocumentStatusRequest.builder().dataset_id(DS).action(action).document_ids([DOC_TEXT]).build()
    result = await run(mode, _document(recorder), "update_status", req)
    check_sent(recorder, "PATCH", f"/datasets/{DS}/documents/status/{action}", body=recorded(name)["body"])
    assert isinstance(result, SimpleResult) and result.result == "success"


async def test_update_status_archive(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"result": "success"}))
    req = UpdateDocumentStatusRequest.builder().dataset_id(DS).action("un_archive").document_ids(["a", "b"]).build()
    await run(mode, _document(recorder), "update_status", req)
    check_sent(recorder, "PATCH", f"/datasets/{DS}/documents/status/un_archive", body={"document_ids": ["a", "b"]})
