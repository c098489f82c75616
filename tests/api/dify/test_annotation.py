"""client.dify.v1.annotation: list (+ pager), create (201), update, delete (204), annotation reply
(enable/disable, job status, the wait helper); sync and async, replayed from Dify 1.14.1."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from dify_oapi.api.dify.v1.model.annotation import (
    AnnotationItem,
    AnnotationList,
    AnnotationReplyJob,
    ConfigureAnnotationReplyRequest,
    CreateAnnotationRequest,
    DeleteAnnotationRequest,
    GetAnnotationReplyStatusRequest,
    ListAnnotationsRequest,
    UpdateAnnotationRequest,
)
from dify_oapi.api.dify.v1.resource.annotation import AnnotationReplyJobError, AnnotationReplyTimeoutError
from dify_oapi.core.errors import InvalidParamError, InvalidRequestError, NotFoundError
from dify_oapi.core.model import SimpleResult
from tests.api.dify._util import check_sent, recorded, run
from tests.support import Recorder, make_client, transcript_response

ANNOTATION = "cdb1c5a0-e234-4372-9c7d-49a254571203"
JOB = "4edfe7e8-515e-4df9-adda-af9ff596879c"
CREATED_AT = 1795387548


def _annotation(rec: Recorder) -> Any:
    return make_client(rec).dify.v1.annotation


def _item(n: int) -> dict[str, Any]:
    return {"id": f"a-{n}", "question": f"q{n}", "answer": f"a{n}", "hit_count": 0, "created_at": n}


def _page(items: list[int], page: int, has_more: bool) -> httpx.Response:
    body = {"data": [_item(n) for n in items], "has_more": has_more, "limit": 2, "total": 3, "page": page}
    return httpx.Response(200, json=body)


# ---- CRUD -----------------------------------------------------------------------------------------------------


async def test_create_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_annotation_create"))
    body = recorded("cf_annotation_create")["body"]
    req = CreateAnnotationRequest.builder().question(body["question"]).answer(body["answer"]).build()
    item = await run(mode, _annotation(recorder), "create", req)
    check_sent(recorder, "POST", "/apps/annotations", body=body)
    assert isinstance(item, AnnotationItem)
    assert (item.id, item.question, item.answer) == (ANNOTATION, "What is Dify?", "An LLM app platform.")
    assert item.hit_count == 0 and item.created_at == CREATED_AT


def test_create_needs_both_texts() -> None:
    with pytest.raises(InvalidRequestError, match="answer is required"):
        CreateAnnotationRequest.builder().question("q").build()


async def test_list_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_annotations_list"))
    req = ListAnnotationsRequest.builder().page(1).limit(20).build()
    page = await run(mode, _annotation(recorder), "list", req)
    check_sent(recorder, "GET", "/apps/annotations", query=[("page", "1"), ("limit", "20")])
    assert recorded("cf_annotations_list")["query"] == {"page": "1", "limit": "20"}
    assert isinstance(page, AnnotationList)
    assert (page.has_more, page.limit, page.total, page.page) == (False, 20, 1, 1)
    (item,) = page.data
    assert item.id == ANNOTATION and item.created_at == CREATED_AT


async def test_list_with_keyword(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(_page([], 1, False))
    req = ListAnnotationsRequest.builder().keyword("Dify platform").build()
    page = await run(mode, _annotation(recorder), "list", req)
    check_sent(recorder, "GET", "/apps/annotations", query=[("keyword", "Dify platform")])
    assert recorder.last.url.query == b"keyword=Dify+platform"
    assert page.data == []


async def test_iter_walks_every_page(mode: str, recorder: Recorder) -> None:
    recorder.answers += [_page([1, 2], 1, True), _page([3], 2, False)]
    req = ListAnnotationsRequest.builder().limit(2).keyword("q").build()
    ann = _annotation(recorder)
    if mode == "sync":
        items = list(ann.iter(req))
    else:
        items = [item async for item in ann.aiter(req)]
    assert [i.id for i in items] == ["a-1", "a-2", "a-3"]
    assert all(isinstance(i, AnnotationItem) for i in items)
    check_sent(recorder, "GET", "/apps/annotations", query=[("limit", "2"), ("keyword", "q")], index=0)
    check_sent(recorder, "GET", "/apps/annotations", query=[("page", "2"), ("limit", "2"), ("keyword", "q")])
    assert len(recorder.requests) == 2


async def test_iter_replay_single_page(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_annotations_list"))
    ann = _annotation(recorder)
    if mode == "sync":
        items = list(ann.iter())
    else:
        items = [item async for item in ann.aiter()]
    assert [i.id for i in items] == [ANNOTATION] and len(recorder.requests) == 1


async def test_update_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_annotation_update"))
    body = recorded("cf_annotation_update")["body"]
    req = (
        UpdateAnnotationRequest.builder()
        .annotation_id(ANNOTATION)
        .question(body["question"])
        .answer(body["answer"])
        .build()
    )
    item = await run(mode, _annotation(recorder), "update", req)
    check_sent(recorder, "PUT", f"/apps/annotations/{ANNOTATION}", body=body)
    assert item.id == ANNOTATION and item.answer == "An open-source LLM app platform."


async def test_update_unknown(mode: str, recorder: Recorder) -> None:
    body = {"status": 404, "code": "not_found", "message": "Annotation not found"}
    recorder.answers.append(httpx.Response(404, json=body))
    req = UpdateAnnotationRequest.builder().annotation_id("nope").question("q").answer("a").build()
    with pytest.raises(NotFoundError, match="Annotation not found"):
        await run(mode, _annotation(recorder), "update", req)


async def test_delete_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_annotation_delete"))
    req = DeleteAnnotationRequest.builder().annotation_id(ANNOTATION).build()
    result = await run(mode, _annotation(recorder), "delete", req)
    check_sent(recorder, "DELETE", f"/apps/annotations/{ANNOTATION}")
    assert isinstance(result, SimpleResult) and result.result == "success"


# ---- annotation reply -----------------------------------------------------------------------------------------


def _reply(action: str) -> ConfigureAnnotationReplyRequest:
    return (
        ConfigureAnnotationReplyRequest.builder()
        .action(action)  # type: ignore[arg-type]
        .embedding_provider_name("openai")
        .embedding_model_name("text-embedding-3-small")
        .score_threshold(0.9)
        .build()
    )


@pytest.mark.parametrize(
    ("action", "name", "job_id"),
    [
        ("enable", "cf_annotation_reply_enable", JOB),
        ("disable", "cf_annotation_reply_disable", "b09ce157-737e-4b06-8630-739c12056bf6"),
    ],
)
async def test_configure_reply_replay(mode: str, recorder: Recorder, action: str, name: str, job_id: str) -> None:
    recorder.answers.append(transcript_response(name))
    job = await run(mode, _annotation(recorder), "configure_reply", _reply(action))
    check_sent(recorder, "POST", f"/apps/annotation-reply/{action}", body=recorded(name)["body"])
    assert isinstance(job, AnnotationReplyJob)
    assert job.job_id == job_id and job.job_status == "waiting" and job.error_msg is None
    assert not job.is_completed and not job.is_failed


def test_configure_reply_checks_action_and_fields() -> None:
    with pytest.raises(InvalidRequestError, match="action"):
        _reply("toggle")
    with pytest.raises(InvalidRequestError, match="score_threshold is required"):
        ConfigureAnnotationReplyRequest.builder().action("disable").embedding_provider_name("p").embedding_model_name(
            "m"
        ).build()


@pytest.mark.parametrize(
    ("name", "status"), [("cf_annotation_reply_status_first", "waiting"), ("cf_annotation_reply_status", "completed")]
)
async def test_reply_status_replay(mode: str, recorder: Recorder, name: str, status: str) -> None:
    recorder.answers.append(transcript_response(name))
    req = GetAnnotationReplyStatusRequest.builder().action("enable").job_id(JOB).build()
    job = await run(mode, _annotation(recorder), "get_reply_status", req)
    check_sent(recorder, "GET", f"/apps/annotation-reply/enable/status/{JOB}")
    assert job.job_id == JOB and job.job_status == status and job.error_msg == ""
    assert job.is_completed is (status == "completed")


async def test_reply_status_unknown_job(mode: str, recorder: Recorder) -> None:
    body = {"status": 400, "code": "invalid_param", "message": "The job does not exist."}
    recorder.answers.append(httpx.Response(400, json=body))
    req = GetAnnotationReplyStatusRequest.builder().action("disable").job_id("gone").build()
    with pytest.raises(InvalidParamError):
        await run(mode, _annotation(recorder), "get_reply_status", req)


async def _wait(mode: str, ann: Any, action: str, job_id: str, **kw: Any) -> tuple[AnnotationReplyJob, list[float]]:
    slept: list[float] = []
    if mode == "sync":
        job = ann.wait_for_reply(action, job_id, sleep=slept.append, **kw)
    else:

        async def pause(seconds: float) -> None:
            slept.append(seconds)

        job = await ann.await_for_reply(action, job_id, sleep=pause, **kw)
    return job, slept


async def test_wait_for_reply_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers += [
        transcript_response("cf_annotation_reply_status_first"),
        transcript_response("cf_annotation_reply_status_first"),
        transcript_response("cf_annotation_reply_status"),
    ]
    job, slept = await _wait(mode, _annotation(recorder), "enable", JOB, interval=0.25)
    assert job.is_completed and job.job_id == JOB
    assert slept == [0.25, 0.25] and len(recorder.requests) == 3
    for i in range(3):
        check_sent(recorder, "GET", f"/apps/annotation-reply/enable/status/{JOB}", index=i)


async def test_wait_for_reply_job_error(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"job_id": "j", "job_status": "error", "error_msg": "no model"}))
    with pytest.raises(AnnotationReplyJobError, match="no model") as info:
        await _wait(mode, _annotation(recorder), "disable", "j")
    assert info.value.job.job_status == "error"
    check_sent(recorder, "GET", "/apps/annotation-reply/disable/status/j")


async def test_wait_for_reply_times_out(mode: str, recorder: Recorder) -> None:
    recorder.default = lambda _: httpx.Response(200, json={"job_id": "j", "job_status": "processing"})
    with pytest.raises(AnnotationReplyTimeoutError, match="still processing") as info:
        await _wait(mode, _annotation(recorder), "enable", "j", timeout=0)
    assert isinstance(info.value, TimeoutError) and info.value.timeout == 0
    assert info.value.job.job_status == "processing" and len(recorder.requests) == 1


def test_wait_for_reply_rejects_negative_bounds(recorder: Recorder) -> None:
    with pytest.raises(InvalidRequestError):
        _annotation(recorder).wait_for_reply("enable", "j", interval=-1)
    assert recorder.requests == []
