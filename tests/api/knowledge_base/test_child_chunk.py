"""client.knowledge_base.v1.child_chunk: create, list (+ pager over total_pages), update, delete; sync and async,
replayed from the real server's transcripts (Dify 1.14.1), with the dataset key."""

from __future__ import annotations

import httpx
import pytest

from dify_oapi.api.knowledge_base.v1.model.child_chunk import (
    ChildChunk,
    ChildChunkDetail,
    ChildChunkList,
    CreateChildChunkRequest,
    DeleteChildChunkRequest,
    ListChildChunksRequest,
    UpdateChildChunkRequest,
)
from dify_oapi.core.errors import InvalidParamError
from dify_oapi.core.model import SimpleResult
from tests.api.knowledge_base._more_support import DOC, DS, SEG, check_sent, collect, recorded_body, run
from tests.support import Recorder, make_client, transcript_response

CHUNKS = f"/datasets/{DS}/documents/{DOC}/segments/{SEG}/child_chunks"
CHUNK = "613e3361-1e79-4306-8c72-174d9fc8ee73"


def _chunks(rec: Recorder) -> object:
    return make_client(rec).knowledge_base.v1.child_chunk


async def test_create_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_child_chunk_create"))
    req = (
        CreateChildChunkRequest.builder()
        .dataset_id(DS)
        .document_id(DOC)
        .segment_id(SEG)
        .content("A child chunk.")
        .build()
    )
    out = await run(mode, _chunks(recorder), "create", req)
    check_sent(recorder, "POST", CHUNKS, body=recorded_body("ds_child_chunk_create"))
    assert isinstance(out, ChildChunkDetail) and isinstance(out.data, ChildChunk)
    assert out.data.id == CHUNK and out.data.segment_id == SEG and out.data.type == "customized"
    assert (out.data.position, out.data.word_count, out.data.created_at) == (1, 14, 1795387939)


async def test_list_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_child_chunks_list"))
    req = ListChildChunksRequest.builder().dataset_id(DS).document_id(DOC).segment_id(SEG).build()
    out = await run(mode, _chunks(recorder), "list", req)
    check_sent(recorder, "GET", CHUNKS)
    assert isinstance(out, ChildChunkList)
    assert (out.data, out.total, out.total_pages, out.page, out.limit) == ([], 0, 0, 1, 20)
    assert out.has_more is False  # derived from page and total_pages


async def test_list_sends_query(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(
        httpx.Response(200, json={"data": [{"id": "c1"}], "total": 1, "total_pages": 1, "page": 1, "limit": 3})
    )
    req = (
        ListChildChunksRequest.builder()
        .dataset_id(DS)
        .document_id(DOC)
        .segment_id(SEG)
        .keyword("child")
        .page(1)
        .limit(3)
        .build()
    )
    out = await run(mode, _chunks(recorder), "list", req)
    check_sent(recorder, "GET", CHUNKS, query=[("keyword", "child"), ("page", "1"), ("limit", "3")])
    assert [c.id for c in out.data] == ["c1"] and out.has_more is False


def _pages(request: httpx.Request) -> httpx.Response:
    page = int(request.url.params.get("page", "1"))
    data = [{"id": f"c{page}-{i}", "content": "x"} for i in range(2)]
    return httpx.Response(200, json={"data": data, "total": 6, "total_pages": 3, "page": page, "limit": 2})


async def test_iter_stops_at_total_pages(mode: str) -> None:
    rec = Recorder(default=_pages)
    req = ListChildChunksRequest.builder().dataset_id(DS).document_id(DOC).segment_id(SEG).limit(2).build()
    items = await collect(mode, _chunks(rec), "iter", req)
    assert [c.id for c in items] == ["c1-0", "c1-1", "c2-0", "c2-1", "c3-0", "c3-1"]
    assert len(rec.requests) == 3  # no fourth request: page 3 of 3 is the last
    check_sent(rec, "GET", CHUNKS, query=[("page", "3"), ("limit", "2")])


def test_has_more_from_the_server_wins() -> None:
    assert ChildChunkList.model_validate({"page": 1, "total_pages": 3, "has_more": False}).has_more is False
    assert ChildChunkList.model_validate({"page": 1, "total_pages": 3}).has_more is True
    assert ChildChunkList.model_validate({"data": []}).has_more is None


async def test_update_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_child_chunk_update"))
    req = (
        UpdateChildChunkRequest.builder()
        .dataset_id(DS)
        .document_id(DOC)
        .segment_id(SEG)
        .child_chunk_id(CHUNK)
        .content("An edited child chunk.")
        .build()
    )
    out = await run(mode, _chunks(recorder), "update", req)
    check_sent(recorder, "PATCH", f"{CHUNKS}/{CHUNK}", body=recorded_body("ds_child_chunk_update"))
    assert out.data.content == "An edited child chunk." and out.data.word_count == 22


async def test_delete_replay_204(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_child_chunk_delete"))
    req = DeleteChildChunkRequest.builder().dataset_id(DS).document_id(DOC).segment_id(SEG).child_chunk_id(CHUNK)
    out = await run(mode, _chunks(recorder), "delete", req.build())
    check_sent(recorder, "DELETE", f"{CHUNKS}/{CHUNK}")
    assert isinstance(out, SimpleResult) and out.result == "success"


async def test_error_is_typed(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(
        httpx.Response(400, json={"code": "invalid_param", "message": "content is required", "status": 400})
    )
    req = CreateChildChunkRequest(dataset_id=DS, document_id=DOC, segment_id=SEG, content="")
    with pytest.raises(InvalidParamError) as info:
        await run(mode, _chunks(recorder), "create", req)
    assert info.value.status_code == 400
    check_sent(recorder, "POST", CHUNKS, body={"content": ""})
