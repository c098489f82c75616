"""document.wait_for_indexing_all / await_for_indexing_all: several batches at once against the built-in server
(which indexes over 0.05 s and fails the documents named by ``fail_indexing``). One progress callback per document
change, a typed result (completed, failed with the scrubbed reason, a summary per batch), a timeout carrying the
progress so far (and pickling), bounded polls. Liveness: a generous thread join; no duration is asserted."""

from __future__ import annotations

import pickle
from typing import Any

from dify_oapi import Client
from dify_oapi.api.knowledge_base.v1.indexing import (
    BatchProgress,
    DocumentProgress,
    IndexingResult,
    IndexingTimeoutError,
)
from dify_oapi.api.knowledge_base.v1.model.dataset import CreateDatasetRequest
from dify_oapi.api.knowledge_base.v1.model.document import CreateDocumentByTextRequest, DocumentResult
from dify_oapi.core.errors import InvalidRequestError, NotFoundError
from dify_oapi.testing import DifyTestServer
from tests.support import run_bounded

FAST = {"poll_interval": 0.01, "max_interval": 0.02}


def dataset(client: Client, name: str) -> str:
    made = client.knowledge_base.v1.dataset.create(
        CreateDatasetRequest.builder().name(name).indexing_technique("economy").build()
    )
    return str(made.id)


def add(
    client: Client, dataset_id: str, name: str, text: str = "Apples are red.\n\nPears are green."
) -> DocumentResult:
    return client.knowledge_base.v1.document.create_by_text(
        CreateDocumentByTextRequest.builder().dataset_id(dataset_id).name(name).text(text).build()
    )


def wait_all(mode: str, client: Client, *args: Any, **kwargs: Any) -> Any:
    document = client.knowledge_base.v1.document
    return run_bounded(mode, document.wait_for_indexing_all, document.await_for_indexing_all, *args, **kwargs)


async def test_several_batches_complete_with_progress_per_document(faulty: DifyTestServer, mode: str) -> None:
    with faulty.client() as client:
        ds = dataset(client, f"all ok {mode}")
        first, second = add(client, ds, "a.txt"), add(client, ds, "b.txt")
        third = add(client, ds, "c.txt")
        seen: list[DocumentProgress] = []
        result = wait_all(mode, client, ds, [first, second, third.batch], timeout=30, on_progress=seen.append, **FAST)
    assert isinstance(result, IndexingResult), result
    assert result.ok and result.failed == [] and result.pending == [] and result.dataset_id == ds
    assert [(p.name, p.batch, p.document_id) for p in result.completed] == [
        ("a.txt", first.batch, first.document.id),
        ("b.txt", second.batch, second.document.id),
        ("c.txt", third.batch, third.document.id),  # a bare batch id: the name read once from the document
    ]
    assert all(
        p.indexing_status == "completed" and p.completed_segments == p.total_segments == 2 for p in result.completed
    )
    assert result.batches == [BatchProgress(b, 1, 1, 0, True) for b in (first.batch, second.batch, third.batch)]
    assert len(faulty.requests_to(f"/datasets/{ds}/documents/*", "GET")) == 1 + len(  # one read: the unnamed one
        faulty.requests_to(f"/datasets/{ds}/documents/*/indexing-status")
    )
    assert all(p.name is not None for p in seen)
    order = ["waiting", "parsing", "cleaning", "splitting", "indexing", "completed"]
    for doc in (first, second, third):
        mine = [p for p in seen if p.document_id == doc.document.id]
        statuses = [p.indexing_status for p in mine]
        assert statuses[-1] == "completed" and statuses == sorted(statuses, key=lambda s: order.index(str(s)))
        assert len(mine) == len({(p.indexing_status, p.completed_segments, p.total_segments) for p in mine})


async def test_a_failing_document_is_reported_and_the_others_complete(faulty: DifyTestServer, mode: str) -> None:
    with faulty.client() as client:
        ds = dataset(client, f"one bad {mode}")
        faulty.fail_indexing("bad-*", error=f"could not parse (key {faulty.dataset_key})")
        good, bad = add(client, ds, "good.txt"), add(client, ds, "bad-1.txt")
        result = wait_all(mode, client, ds, [good, bad], timeout=30, **FAST)
    assert isinstance(result, IndexingResult), result
    assert not result.ok and [p.name for p in result.completed] == ["good.txt"]
    [failed] = result.failed
    assert (failed.name, failed.document_id, failed.indexing_status) == ("bad-1.txt", bad.document.id, "error")
    assert failed.error == "could not parse (key ***)" and faulty.dataset_key not in repr(result)
    assert result.batches == [BatchProgress(good.batch, 1, 1, 0, True), BatchProgress(bad.batch, 1, 0, 1, True)]


async def test_a_timeout_carries_the_progress_so_far(faulty: DifyTestServer, mode: str) -> None:
    with faulty.client() as client:
        ds = dataset(client, f"slow {mode}")
        done = add(client, ds, "done.txt")
        client.knowledge_base.v1.document.wait_for_indexing(ds, done.batch, timeout=30, interval=0.01)
        stuck = add(client, ds, "stuck.txt")
        faulty.set_latency(5, f"/datasets/{ds}/documents/{stuck.batch}/indexing-status")
        err = wait_all(mode, client, ds, [done, stuck], timeout=0.5, **FAST)
    assert isinstance(err, IndexingTimeoutError) and isinstance(err, TimeoutError), err
    assert err.batch == stuck.batch and err.timeout == 0.5 and err.dataset_id == ds
    progress = err.progress
    assert progress is not None and [p.name for p in progress.completed] == ["done.txt"]
    assert progress.batches == [BatchProgress(done.batch, 1, 1, 0, True), BatchProgress(stuck.batch, 0, 0, 0, False)]
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is IndexingTimeoutError and clone.progress == progress and str(clone) == str(err)
    polls = faulty.requests_to(f"/datasets/{ds}/documents/{stuck.batch}/indexing-status")
    assert len(polls) == 1  # cut at the deadline, not polled again


async def test_pending_documents_are_in_the_timeout_progress(mode: str) -> None:
    with DifyTestServer(indexing_seconds=600) as slow, slow.client() as client:
        ds = dataset(client, f"pending {mode}")
        doc = add(client, ds, "p.txt")
        seen: list[DocumentProgress] = []
        err = wait_all(mode, client, ds, [doc], timeout=0.3, on_progress=seen.append, **FAST)
    assert isinstance(err, IndexingTimeoutError), err
    assert err.progress is not None and [p.name for p in err.progress.pending] == ["p.txt"]
    assert err.progress.batches == [BatchProgress(doc.batch, 1, 0, 0, False)]
    assert f"{doc.document.id}: waiting 0/0" in str(err) and [p.indexing_status for p in seen] == ["waiting"]


async def test_errors_and_bad_arguments(faulty: DifyTestServer, mode: str) -> None:
    with faulty.client() as client:
        ds = dataset(client, f"errors {mode}")
        doc = add(client, ds, "x.txt")
        err = wait_all(mode, client, ds, [doc, "no-such-batch"], timeout=30, **FAST)
        assert isinstance(err, NotFoundError), err
        before = len(faulty.requests)
        for bad in ([], [object()], [doc]):
            kwargs: dict[str, Any] = {"poll_interval": -1} if bad == [doc] else {}
            got = wait_all(mode, client, ds, bad, timeout=30, **kwargs)
            assert isinstance(got, InvalidRequestError), got
        assert len(faulty.requests) == before
