"""client.knowledge_base.v1.segment: create, list (+ pager), get, update, delete; sync and async, replayed from the
real server's transcripts (Dify 1.14.1), with the dataset key."""

from __future__ import annotations

import httpx
import pytest

from dify_oapi.api.knowledge_base.v1.model.segment import (
    CreateSegmentsRequest,
    CreateSegmentsResponse,
    DeleteSegmentRequest,
    GetSegmentRequest,
    ListSegmentsRequest,
    Segment,
    SegmentDetail,
    SegmentInput,
    SegmentList,
    SegmentUpdate,
    UpdateSegmentRequest,
)
from dify_oapi.core.errors import InvalidRequestError, NotFoundError
from dify_oapi.core.model import SimpleResult
from tests.api.knowledge_base._more_support import DOC, DS, SEG, check_sent, collect, recorded_body, run
from tests.support import Recorder, make_client, transcript_response

SEGMENTS = f"/datasets/{DS}/documents/{DOC}/segments"


def _segment(rec: Recorder) -> object:
    return make_client(rec).knowledge_base.v1.segment


async def test_create_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_segment_create"))
    item = SegmentInput.builder().content("Segments can be added by hand through the API.").answer("")
    req = (
        CreateSegmentsRequest.builder()
        .dataset_id(DS)
        .document_id(DOC)
        .segments([item.keywords(["segments", "api"]).build()])
        .build()
    )
    out = await run(mode, _segment(recorder), "create", req)
    check_sent(recorder, "POST", SEGMENTS, body=recorded_body("ds_segment_create"))
    assert isinstance(out, CreateSegmentsResponse)
    assert out.doc_form == "text_model"
    (seg,) = out.data
    assert isinstance(seg, Segment)
    assert seg.id == SEG and seg.position == 2 and seg.keywords == ["segments", "api"]
    assert seg.answer is None and seg.status == "completed" and seg.created_at == 1795387939
    assert seg.child_chunks == [] and seg.attachments == []
    assert seg.model_extra == {"summary": None}


async def test_list_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_segments_list"))
    req = ListSegmentsRequest.builder().dataset_id(DS).document_id(DOC).build()
    out = await run(mode, _segment(recorder), "list", req)
    check_sent(recorder, "GET", SEGMENTS)
    assert isinstance(out, SegmentList)
    assert (out.total, out.has_more, out.limit, out.page, out.doc_form) == (1, False, 20, 1, "text_model")
    assert out.data[0].id == "f1bc9b31-870d-4841-96a8-af882a8572fc"
    assert out.data[0].word_count == 166 and out.data[0].enabled is True


async def test_list_sends_filters_as_query(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"data": [], "has_more": False}))
    req = (
        ListSegmentsRequest.builder()
        .dataset_id(DS)
        .document_id(DOC)
        .keyword("api")
        .status(["completed", "error"])
        .page(2)
        .limit(5)
        .build()
    )
    out = await run(mode, _segment(recorder), "list", req)
    check_sent(
        recorder,
        "GET",
        SEGMENTS,
        query=[("keyword", "api"), ("status", "completed"), ("status", "error"), ("page", "2"), ("limit", "5")],
    )
    assert out.data == []


def _pages(request: httpx.Request) -> httpx.Response:
    page = int(request.url.params.get("page", "1"))
    data = [{"id": f"s{page}-{i}", "content": f"c{page}{i}"} for i in range(2)]
    return httpx.Response(200, json={"data": data, "has_more": page < 3, "page": page, "limit": 2, "total": 6})


async def test_iter_walks_every_page(mode: str) -> None:
    rec = Recorder(default=_pages)
    req = ListSegmentsRequest.builder().dataset_id(DS).document_id(DOC).limit(2).status("completed").build()
    items = await collect(mode, _segment(rec), "iter", req)
    assert [s.id for s in items] == ["s1-0", "s1-1", "s2-0", "s2-1", "s3-0", "s3-1"]
    assert all(isinstance(s, Segment) for s in items)
    assert [r.url.params.get("page") for r in rec.requests] == [None, "2", "3"]
    for i in range(3):
        expected = [("status", "completed"), *([("page", str(i + 1))] if i else []), ("limit", "2")]
        check_sent(rec, "GET", SEGMENTS, query=expected, index=i)


async def test_get_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_segment_get"))
    req = GetSegmentRequest.builder().dataset_id(DS).document_id(DOC).segment_id(SEG).build()
    out = await run(mode, _segment(recorder), "get", req)
    check_sent(recorder, "GET", f"{SEGMENTS}/{SEG}")
    assert isinstance(out, SegmentDetail)
    assert out.data.id == SEG and out.data.content == "Segments can be added by hand through the API."


async def test_update_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_segment_update"))
    change = (
        SegmentUpdate.builder()
        .content("Segments can be added and edited through the API.")
        .keywords(["segments", "edit"])
    )
    req = UpdateSegmentRequest.builder().dataset_id(DS).document_id(DOC).segment_id(SEG).segment(change.build()).build()
    out = await run(mode, _segment(recorder), "update", req)
    check_sent(recorder, "POST", f"{SEGMENTS}/{SEG}", body=recorded_body("ds_segment_update"))
    assert out.data.keywords == ["segments", "edit"]
    assert out.data.updated_by == "4fb79d31-05da-4795-91b7-8b5bdcb84fad"


async def test_update_sends_every_flag_set(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"data": {"id": SEG, "enabled": False}, "doc_form": "x"}))
    change = SegmentUpdate.builder().enabled(False).regenerate_child_chunks(True).answer("A").attachment_ids(["f1"])
    req = UpdateSegmentRequest(dataset_id=DS, document_id=DOC, segment_id=SEG, segment=change.build())
    out = await run(mode, _segment(recorder), "update", req)
    check_sent(
        recorder,
        "POST",
        f"{SEGMENTS}/{SEG}",
        body={"segment": {"enabled": False, "regenerate_child_chunks": True, "answer": "A", "attachment_ids": ["f1"]}},
    )
    assert out.data.enabled is False


async def test_delete_replay_204(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_segment_delete"))
    req = DeleteSegmentRequest.builder().dataset_id(DS).document_id(DOC).segment_id(SEG).build()
    out = await run(mode, _segment(recorder), "delete", req)
    check_sent(recorder, "DELETE", f"{SEGMENTS}/{SEG}")
    assert isinstance(out, SimpleResult) and out.result == "success"


async def test_not_found_is_typed(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(
        httpx.Response(404, json={"code": "not_found", "message": "Segment not found.", "status": 404})
    )
    req = GetSegmentRequest.builder().dataset_id(DS).document_id(DOC).segment_id("missing").build()
    with pytest.raises(NotFoundError) as info:
        await run(mode, _segment(recorder), "get", req)
    assert info.value.code == "not_found" and "Segment not found." in str(info.value)


def test_create_needs_segments_with_content() -> None:
    with pytest.raises(InvalidRequestError, match="segments is required"):
        CreateSegmentsRequest.builder().dataset_id(DS).document_id(DOC).build()
    with pytest.raises(InvalidRequestError, match="content is required"):
        SegmentInput.builder().answer("a").build()
