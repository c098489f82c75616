"""Bounded polls: ``wait_for_indexing`` / ``wait_for_reply`` (and their async twins) never run past their timeout.
Each poll's HTTP timeout is bounded by the time left, a status endpoint that stalls longer than that ends the wait
with the waiter's timeout error, transient failures are retried within the deadline. Against the built-in server
(a real loopback socket) and, to read the timeout each poll was sent with, httpx.MockTransport. Liveness is checked
with a generous join timeout; no duration is asserted."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from dify_oapi import Client
from dify_oapi.api.dify.v1.model.annotation import ConfigureAnnotationReplyRequest
from dify_oapi.api.dify.v1.resource.annotation import AnnotationReplyTimeoutError
from dify_oapi.api.knowledge_base.v1.indexing import IndexingTimeoutError
from dify_oapi.api.knowledge_base.v1.model.dataset import CreateDatasetRequest
from dify_oapi.api.knowledge_base.v1.model.document import CreateDocumentByTextRequest
from dify_oapi.core.errors import InternalServerError, NotFoundError
from dify_oapi.core.polling import Deadline
from dify_oapi.testing import DifyTestServer
from tests.support import Recorder, make_client, run_bounded

STATUS = "/datasets/*/documents/*/indexing-status"
REPLY_STATUS = "/apps/annotation-reply/*/status/*"


def new_batch(client: Client, name: str) -> tuple[str, str]:
    kb = client.knowledge_base.v1
    dataset = kb.dataset.create(CreateDatasetRequest.builder().name(name).indexing_technique("economy").build())
    created = kb.document.create_by_text(
        CreateDocumentByTextRequest.builder().dataset_id(dataset.id).name("a.txt").text("Apples are red.").build()
    )
    return str(dataset.id), created.batch


async def test_indexing_wait_ends_at_its_timeout_when_the_status_stalls(faulty: DifyTestServer, mode: str) -> None:
    with faulty.client() as client:
        dataset_id, batch = new_batch(client, f"stalled {mode}")
        faulty.set_latency(5, STATUS)
        document = client.knowledge_base.v1.document
        err = run_bounded(mode, document.wait_for_indexing, document.await_for_indexing, dataset_id, batch, timeout=0.3)
    assert isinstance(err, IndexingTimeoutError) and isinstance(err, TimeoutError)
    assert err.status is None and err.timeout == 0.3 and "no status read" in str(err)
    polls = [r for r in faulty.requests_to(STATUS) if r.path.startswith(f"/datasets/{dataset_id}/")]
    assert len(polls) == 1  # the one poll was cut at the deadline, none sent after it


async def test_reply_wait_ends_at_its_timeout_when_the_status_stalls(faulty: DifyTestServer, mode: str) -> None:
    with faulty.client() as client:
        notes = client.dify.v1.annotation
        job = notes.configure_reply(
            ConfigureAnnotationReplyRequest.builder().action("enable").embedding_provider_name("p")
            .embedding_model_name("m").score_threshold(0.9).build()
        )  # fmt: skip
        faulty.set_latency(5, REPLY_STATUS)
        err = run_bounded(mode, notes.wait_for_reply, notes.await_for_reply, "enable", job.job_id, timeout=0.3)
    assert isinstance(err, AnnotationReplyTimeoutError) and err.job is None and "no status read" in str(err)


async def test_a_transient_failure_is_retried_within_the_deadline(server: DifyTestServer, mode: str) -> None:
    with server.client(max_retries=2) as client:
        dataset_id, batch = new_batch(client, f"flaky {mode}")
        server.fail_next(2, 503, path=STATUS)
        document = client.knowledge_base.v1.document
        status = run_bounded(
            mode, document.wait_for_indexing, document.await_for_indexing, dataset_id, batch, timeout=30,
            interval=0.01, max_interval=0.02,
        )  # fmt: skip
    assert not isinstance(status, BaseException), status
    assert status.is_completed
    statuses = [r.status for r in server.requests_to(STATUS) if r.path.startswith(f"/datasets/{dataset_id}/")]
    assert statuses[:3] == [503, 503, 200]


async def test_failures_in_a_row_beyond_max_retries_raise(server: DifyTestServer, mode: str) -> None:
    with server.client(max_retries=1) as client:
        dataset_id, batch = new_batch(client, f"down {mode}")
        server.fail_next(2, 503, path=STATUS)
        document = client.knowledge_base.v1.document
        err = run_bounded(mode, document.wait_for_indexing, document.await_for_indexing, dataset_id, batch, timeout=30)
        server.reset_faults()
    assert isinstance(err, InternalServerError) and err.status_code == 503


async def test_a_lasting_error_is_raised_at_once(server: DifyTestServer, mode: str) -> None:
    with server.client(max_retries=2) as client:
        dataset_id, _ = new_batch(client, f"missing {mode}")
        document = client.knowledge_base.v1.document
        err = run_bounded(mode, document.wait_for_indexing, document.await_for_indexing, dataset_id, "nope", timeout=30)
    assert isinstance(err, NotFoundError)
    assert len(server.requests_to(f"/datasets/{dataset_id}/documents/nope/indexing-status")) == 1


def _status(state: str) -> httpx.Response:
    return httpx.Response(200, json={"data": [{"id": "a", "indexing_status": state}]})


async def test_each_poll_is_sent_with_a_timeout_bounded_by_the_time_left(mode: str) -> None:
    recorder = Recorder(answers=[_status("indexing"), _status("indexing"), _status("completed")])
    client = make_client(recorder, timeout=600)
    document = client.knowledge_base.v1.document
    slept: list[float] = []

    async def asleep(seconds: float) -> None:
        slept.append(seconds)

    if mode == "sync":
        document.wait_for_indexing("ds", "b", timeout=5, interval=1, sleep=slept.append)
    else:
        await document.await_for_indexing("ds", "b", timeout=5, interval=1, sleep=asleep)
    assert len(recorder.requests) == 3 and len(slept) == 2 and all(0 < s <= 5 for s in slept)
    for sent in recorder.requests:
        timeouts = sent.extensions["timeout"]
        assert all(0 < timeouts[phase] <= 5 for phase in ("connect", "read", "write", "pool")), timeouts
    client.close()
    await client.aclose()


async def test_the_clients_per_call_deadline_still_bounds_each_poll(mode: str) -> None:
    recorder = Recorder(answers=[_status("indexing"), _status("completed")])
    client = make_client(recorder, timeout=600, deadline=2)
    document = client.knowledge_base.v1.document

    async def asleep(_: float) -> None:
        return None

    if mode == "sync":
        document.wait_for_indexing("ds", "b", timeout=50, interval=1, sleep=lambda _: None)
    else:
        await document.await_for_indexing("ds", "b", timeout=50, interval=1, sleep=asleep)
    assert len(recorder.requests) == 2
    for sent in recorder.requests:
        assert all(0 < t <= 2 for t in sent.extensions["timeout"].values()), sent.extensions["timeout"]
    client.close()
    await client.aclose()


@pytest.mark.parametrize("timeout", [None, httpx.Timeout(600, connect=5), 0.5], ids=["none", "600", "0.5"])
def test_every_phase_of_a_poll_is_bounded_by_the_time_left(timeout: Any) -> None:
    """A phase without a limit, or a longer one, gets the wait's time left; a shorter one is kept."""
    recorder = Recorder(answers=[_status("completed")])
    with make_client(recorder, timeout=timeout) as client:
        client.knowledge_base.v1.document.wait_for_indexing("ds", "b", timeout=2.5, interval=1)
    sent = recorder.requests[0].extensions["timeout"]
    cap = 0.5 if timeout == 0.5 else 2.5
    assert all(0 < sent[phase] <= cap for phase in ("connect", "read", "write", "pool")), sent
    assert sent["read"] > cap / 2  # the time left, not an arbitrary small bound


def test_a_deadline_counts_down() -> None:
    now = [10.0]
    deadline = Deadline(2, clock=lambda: now[0])
    now[0] = 11.5
    assert deadline.left() == 0.5
    now[0] = 13
    assert deadline.left() == 0
