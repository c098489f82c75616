"""document.wait_for_indexing / await_for_indexing: polls a batch through waiting -> parsing -> splitting ->
indexing -> completed with a bounded backoff, reports progress, raises on error, paused and timeout. Nothing
really sleeps: the sleep function is injected."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from dify_oapi.api.knowledge_base.v1.indexing import IndexingError, IndexingPoll, IndexingTimeoutError
from dify_oapi.api.knowledge_base.v1.model.document import IndexingStatusList
from dify_oapi.core.errors import DifyError, InvalidRequestError, NotFoundError
from tests.support import DATASET_KEY, Recorder, make_client, transcript_response

DS = "36608bde-4b2d-4703-b0a8-9584a6e9d0c5"
BATCH = "20261122225208831366"
PATH = f"/v1/datasets/{DS}/documents/{BATCH}/indexing-status"


def status(*docs: tuple[str, str, int, int], error: str | None = None) -> httpx.Response:
    data = [
        {"id": i, "indexing_status": s, "completed_segments": c, "total_segments": t, "error": error,
         "processing_started_at": 1795387928, "completed_at": 1795387929 if s == "completed" else None}
        for i, s, c, t in docs
    ]  # fmt: skip
    return httpx.Response(200, json={"data": data})


async def wait(mode: str, rec: Recorder, **kwargs: Any) -> tuple[IndexingStatusList, list[float]]:
    """Run the helper sync or async with a recording sleep; return its answer and the waits it asked for."""
    document = make_client(rec).knowledge_base.v1.document
    slept: list[float] = []
    if mode == "sync":
        result = document.wait_for_indexing(DS, BATCH, sleep=slept.append, **kwargs)
    else:

        async def asleep(seconds: float) -> None:
            slept.append(seconds)

        result = await document.await_for_indexing(DS, BATCH, sleep=asleep, **kwargs)
    return result, slept


async def test_waits_through_every_stage_with_backoff_and_progress(mode: str, recorder: Recorder) -> None:
    recorder.answers += [
        status(("a", "waiting", 0, 0), ("b", "waiting", 0, 0)),
        status(("a", "parsing", 0, 0), ("b", "waiting", 0, 0)),
        status(("a", "splitting", 0, 0), ("b", "parsing", 0, 0)),
        status(("a", "indexing", 1, 3), ("b", "splitting", 0, 0)),
        status(("a", "indexing", 2, 3), ("b", "indexing", 0, 2)),
        status(("a", "completed", 3, 3), ("b", "indexing", 1, 2)),
        status(("a", "completed", 3, 3), ("b", "completed", 2, 2)),
    ]
    seen: list[list[tuple[str | None, int | None, int | None]]] = []

    def on_progress(s: IndexingStatusList) -> None:
        seen.append([(d.indexing_status, d.completed_segments, d.total_segments) for d in s.data])

    result, slept = await wait(mode, recorder, interval=1.0, factor=2.0, max_interval=5.0, on_progress=on_progress)
    assert result.is_completed and [d.id for d in result.data] == ["a", "b"]
    assert slept == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0]  # doubled, capped at max_interval; no wait after the last poll
    assert len(recorder.requests) == 7 and len(seen) == 7
    assert seen[3] == [("indexing", 1, 3), ("splitting", 0, 0)] and seen[-1] == [
        ("completed", 3, 3),
        ("completed", 2, 2),
    ]
    for sent in recorder.requests:
        assert sent.method == "GET" and sent.url.path == PATH and sent.url.query == b""
        assert sent.headers["authorization"] == f"Bearer {DATASET_KEY}"


async def test_replayed_transcripts_first_then_completed(mode: str, recorder: Recorder) -> None:
    recorder.answers += [
        transcript_response("ds_doc_text_indexing_status_first"),
        transcript_response("ds_doc_text_indexing_status_completed"),
    ]
    progress: list[str] = []

    def on_progress(s: IndexingStatusList) -> None:
        progress.append(f"{s.data[0].indexing_status} {s.data[0].completed_segments}/{s.data[0].total_segments}")

    result, slept = await wait(mode, recorder, on_progress=on_progress)
    assert progress == ["indexing 0/1", "completed 1/1"] and slept == [1.0]
    assert result.data[0].completed_at == 1795387928


async def test_an_error_raises_with_the_failed_document(mode: str, recorder: Recorder) -> None:
    recorder.answers += [
        status(("a", "parsing", 0, 0), ("b", "indexing", 0, 1)),
        status(("a", "error", 0, 0), ("b", "completed", 1, 1), error="Could not extract text"),
        status(("a", "completed", 1, 1), ("b", "completed", 1, 1)),  # never asked for
    ]
    with pytest.raises(IndexingError) as info:
        await wait(mode, recorder, interval=0)
    err = info.value
    assert not isinstance(err, IndexingTimeoutError) and isinstance(err, DifyError)
    assert [d.id for d in err.failed] == ["a"] and err.failed[0].error == "Could not extract text"
    assert err.batch == BATCH and err.dataset_id == DS and "a: error (Could not extract text)" in str(err)
    assert len(recorder.requests) == 2


async def test_paused_raises(mode: str, recorder: Recorder) -> None:
    recorder.answers += [status(("a", "paused", 0, 4))]
    with pytest.raises(IndexingError, match="a: paused") as info:
        await wait(mode, recorder)
    assert info.value.status is not None and info.value.failed[0].indexing_status == "paused"


async def test_timeout_raises_and_can_be_resumed(mode: str, recorder: Recorder) -> None:
    recorder.answers += [status(("a", "indexing", 1, 4)), status(("a", "completed", 4, 4))]
    with pytest.raises(IndexingTimeoutError) as info:
        await wait(mode, recorder, timeout=0)
    err = info.value
    assert isinstance(err, TimeoutError) and err.timeout == 0 and "a: indexing 1/4" in str(err)
    assert len(recorder.requests) == 1 and err.failed == []
    result, slept = await wait(mode, recorder)  # indexing went on server-side: wait again
    assert result.is_completed and slept == [] and len(recorder.requests) == 2


async def test_an_empty_batch_is_not_completed(mode: str, recorder: Recorder) -> None:
    recorder.answers += [httpx.Response(200, json={"data": []}), status(("a", "completed", 1, 1))]
    result, slept = await wait(mode, recorder, interval=0.25)
    assert result.is_completed and slept == [0.25] and len(recorder.requests) == 2


async def test_api_errors_pass_through(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(
        httpx.Response(404, json={"status": 404, "code": "not_found", "message": "Documents not found."})
    )
    with pytest.raises(NotFoundError):
        await wait(mode, recorder)


async def test_bad_arguments_fail_before_any_request(mode: str, recorder: Recorder) -> None:
    with pytest.raises(InvalidRequestError):
        await wait(mode, recorder, interval=-1)
    with pytest.raises(InvalidRequestError):
        await wait(mode, recorder, factor=0.5)
    document = make_client(recorder).knowledge_base.v1.document
    with pytest.raises(InvalidRequestError):
        document.wait_for_indexing(DS, "..")
    assert recorder.requests == []


def test_poll_never_waits_past_the_deadline() -> None:
    now = [100.0]
    poll = IndexingPoll(DS, BATCH, timeout=10, interval=3, factor=2, max_interval=60, clock=lambda: now[0])
    pending = IndexingStatusList.model_validate({"data": [{"id": "a", "indexing_status": "indexing"}]})
    waits: list[float | None] = []
    for _ in range(3):
        delay = poll.step(pending)
        waits.append(delay)
        now[0] += delay or 0
    assert waits == [3, 6, 1]  # 3, then 6, then only the 1 s left
    with pytest.raises(IndexingTimeoutError):
        poll.step(pending)
