"""wait_for_indexing_all / await_for_indexing_all: batch ids or create answers in, a typed result out; the progress
callback takes a DocumentProgress; a timeout's progress is an IndexingResult (or None)."""

from __future__ import annotations

from typing import assert_type

from dify_oapi import Client
from dify_oapi.api.knowledge_base.v1.indexing import (
    BatchProgress,
    DocumentProgress,
    IndexingResult,
    IndexingTimeoutError,
)
from dify_oapi.api.knowledge_base.v1.model.document import DocumentResult


def show(progress: DocumentProgress) -> None:
    assert_type(progress.name, str | None)
    assert_type(progress.completed_segments, int)


def sync_wait(client: Client, created: DocumentResult) -> None:
    document = client.knowledge_base.v1.document
    result = document.wait_for_indexing_all("ds", [created, "batch-id"], timeout=60, on_progress=show)
    assert_type(result, IndexingResult)
    assert_type(result.failed, list[DocumentProgress])
    assert_type(result.batches, list[BatchProgress])
    document.wait_for_indexing_all("ds", [1, 2])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]
    try:
        document.wait_for_indexing_all("ds", (created,), poll_interval=0.5)
    except IndexingTimeoutError as exc:
        assert_type(exc.progress, IndexingResult | None)


async def async_wait(client: Client, created: DocumentResult) -> None:
    result = await client.knowledge_base.v1.document.await_for_indexing_all("ds", [created], on_progress=show)
    assert_type(result, IndexingResult)
