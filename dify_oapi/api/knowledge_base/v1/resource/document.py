"""``client.knowledge_base.v1.document``: documents of a dataset, their indexing, their source files."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable

from .....core.endpoint import Endpoint
from .....core.errors import APIStatusError
from .....core.model import SimpleResult
from .....core.option import RequestOption
from .....core.polling import Waiter, apoll, apoll_many, poll, poll_many
from .....core.resource import Resource, acall, acall_binary, apaginate, call, call_binary, paginate
from ..indexing import DocumentProgressCallback, IndexingPoll, IndexingResult, ManyIndexing, ProgressCallback
from ..model.document import (
    CreateDocumentByFileRequest,
    CreateDocumentByTextRequest,
    DeleteDocumentRequest,
    DocumentDownload,
    DocumentList,
    DocumentResult,
    DownloadDocumentRequest,
    DownloadDocumentsZipRequest,
    GetDocumentRequest,
    GetIndexingStatusRequest,
    IndexingStatusList,
    ListDocumentsRequest,
    UpdateDocumentByFileRequest,
    UpdateDocumentByTextRequest,
    UpdateDocumentStatusRequest,
)
from ..model.document import Document as DocumentInfo

__all__ = [
    "CREATE_BY_FILE",
    "CREATE_BY_TEXT",
    "DELETE",
    "DOWNLOAD",
    "DOWNLOAD_ZIP",
    "GET",
    "INDEXING_STATUS",
    "LIST",
    "UPDATE",
    "UPDATE_BY_FILE",
    "UPDATE_BY_TEXT",
    "UPDATE_STATUS",
    "Document",
]

_DOC = "/datasets/{dataset_id}/documents/{document_id}"

CREATE_BY_TEXT = Endpoint(
    "POST", "/datasets/{dataset_id}/document/create-by-text", CreateDocumentByTextRequest, DocumentResult,
    summary="Create a document from text; indexing runs in the background.",
)  # fmt: skip
CREATE_BY_FILE = Endpoint(
    "POST", "/datasets/{dataset_id}/document/create-by-file", CreateDocumentByFileRequest, DocumentResult,
    summary="Create a document from a file (multipart: file + data JSON).",
)  # fmt: skip
UPDATE_BY_TEXT = Endpoint(
    "POST", _DOC + "/update-by-text", UpdateDocumentByTextRequest, DocumentResult,
    summary="Replace a document's text and/or settings; it is re-indexed.",
)  # fmt: skip
UPDATE = Endpoint(
    "PATCH", _DOC, UpdateDocumentByFileRequest, DocumentResult,
    summary="Replace a document's file (multipart); it is re-indexed.",
)  # fmt: skip
UPDATE_BY_FILE = Endpoint(
    "POST", _DOC + "/update-by-file", UpdateDocumentByFileRequest, DocumentResult,
    summary="Deprecated twin of update (PATCH).",
)  # fmt: skip
LIST = Endpoint(
    "GET", "/datasets/{dataset_id}/documents", ListDocumentsRequest, DocumentList, summary="One page of documents.",
)  # fmt: skip
GET = Endpoint("GET", _DOC, GetDocumentRequest, DocumentInfo, summary="Document detail.")
DELETE = Endpoint("DELETE", _DOC, DeleteDocumentRequest, SimpleResult, summary="Delete a document (204).")
INDEXING_STATUS = Endpoint(
    "GET", "/datasets/{dataset_id}/documents/{batch}/indexing-status", GetIndexingStatusRequest, IndexingStatusList,
    summary="Indexing progress of every document of a batch.",
)  # fmt: skip
DOWNLOAD = Endpoint(
    "GET", _DOC + "/download", DownloadDocumentRequest, DocumentDownload,
    summary="A signed link to the document's source file.",
)  # fmt: skip
DOWNLOAD_ZIP = Endpoint(
    "POST", "/datasets/{dataset_id}/documents/download-zip", DownloadDocumentsZipRequest, bytes, kind="binary",
    retry_safe=True, summary="A zip of the source files of several documents (binary).",
)  # fmt: skip
UPDATE_STATUS = Endpoint(
    "PATCH", "/datasets/{dataset_id}/documents/status/{action}", UpdateDocumentStatusRequest, SimpleResult,
    summary="Enable, disable, archive or un-archive documents.",
)  # fmt: skip


class Document(Resource):
    """Documents of a dataset. ``iter`` walks every document over every page; ``wait_for_indexing`` /
    ``await_for_indexing`` poll a batch until it is indexed, ``wait_for_indexing_all`` / ``await_for_indexing_all``
    several batches at once."""

    create_by_text = call(CREATE_BY_TEXT)
    acreate_by_text = acall(CREATE_BY_TEXT)
    create_by_file = call(CREATE_BY_FILE)
    acreate_by_file = acall(CREATE_BY_FILE)
    update_by_text = call(UPDATE_BY_TEXT)
    aupdate_by_text = acall(UPDATE_BY_TEXT)
    update = call(UPDATE)
    aupdate = acall(UPDATE)
    update_by_file = call(UPDATE_BY_FILE)
    aupdate_by_file = acall(UPDATE_BY_FILE)
    list = call(LIST)
    alist = acall(LIST)
    iter = paginate(LIST)
    aiter = apaginate(LIST)
    get = call(GET)
    aget = acall(GET)
    delete = call(DELETE)
    adelete = acall(DELETE)
    get_indexing_status = call(INDEXING_STATUS)
    aget_indexing_status = acall(INDEXING_STATUS)
    download = call(DOWNLOAD)
    adownload = acall(DOWNLOAD)
    download_zip = call_binary(DOWNLOAD_ZIP)
    adownload_zip = acall_binary(DOWNLOAD_ZIP)
    update_status = call(UPDATE_STATUS)
    aupdate_status = acall(UPDATE_STATUS)

    def wait_for_indexing(
        self,
        dataset_id: str,
        batch: str,
        *,
        timeout: float = 600.0,
        interval: float = 1.0,
        factor: float = 1.5,
        max_interval: float = 10.0,
        on_progress: ProgressCallback | None = None,
        sleep: Callable[[float], None] = time.sleep,
        option: RequestOption | None = None,
    ) -> IndexingStatusList:
        """Poll the batch's indexing status until every document is ``completed``; return the last status.

        Waits ``interval`` seconds, then ``factor`` times longer each time, at most ``max_interval``. Calls
        ``on_progress(status)`` after each poll. Raises ``IndexingError`` when a document ends in ``error`` or
        ``paused``, ``IndexingTimeoutError`` after ``timeout`` seconds (indexing goes on server-side). Never runs
        past ``timeout``: each poll's HTTP timeout is bounded by the time left (see :mod:`dify_oapi.core.polling`).
        """
        request = GetIndexingStatusRequest.builder().dataset_id(dataset_id).batch(batch).build()
        waiter = self._indexing_waiter(dataset_id, batch, timeout, interval, factor, max_interval, on_progress, option)
        return poll(lambda opt: self.get_indexing_status(request, opt), waiter, sleep)

    async def await_for_indexing(
        self,
        dataset_id: str,
        batch: str,
        *,
        timeout: float = 600.0,  # noqa: ASYNC109 - the overall wait, not one request's; asyncio.timeout would cut a request mid-way
        interval: float = 1.0,
        factor: float = 1.5,
        max_interval: float = 10.0,
        on_progress: ProgressCallback | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        option: RequestOption | None = None,
    ) -> IndexingStatusList:
        """Async twin of :meth:`wait_for_indexing` (``sleep`` defaults to ``asyncio.sleep``)."""
        request = GetIndexingStatusRequest.builder().dataset_id(dataset_id).batch(batch).build()
        waiter = self._indexing_waiter(dataset_id, batch, timeout, interval, factor, max_interval, on_progress, option)
        return await apoll(lambda opt: self.aget_indexing_status(request, opt), waiter, sleep)

    def _indexing_waiter(
        self, dataset_id: str, batch: str, timeout: float, interval: float, factor: float, max_interval: float,
        on_progress: ProgressCallback | None, option: RequestOption | None,
    ) -> Waiter[IndexingStatusList]:  # fmt: skip
        policy = IndexingPoll(
            dataset_id, batch, timeout=timeout, interval=interval, factor=factor, max_interval=max_interval,
            on_progress=on_progress,
        )  # fmt: skip
        return Waiter(policy.step, policy.expired, deadline=policy.deadline, transport=self._transport, option=option)

    def wait_for_indexing_all(
        self,
        dataset_id: str,
        batches: Iterable[str | DocumentResult],
        *,
        timeout: float = 600.0,
        poll_interval: float = 1.0,
        factor: float = 1.5,
        max_interval: float = 10.0,
        on_progress: DocumentProgressCallback | None = None,
        sleep: Callable[[float], None] = time.sleep,
        option: RequestOption | None = None,
    ) -> IndexingResult:
        """Wait for several batches at once (batch ids, or the create answers, whose document names then show in
        the progress) until every document completed or failed; return which did what (:class:`IndexingResult`).

        The batches are polled in turn in this thread, each with its own backoff (``poll_interval``, times
        ``factor``, at most ``max_interval``). ``on_progress(DocumentProgress)`` is called whenever a document's
        status or segment counts change. A failed document (``error``, ``paused``) does not stop the wait: it is in
        ``result.failed`` with the server's reason. After ``timeout`` seconds (never overrun, as in
        :meth:`wait_for_indexing`) ``IndexingTimeoutError`` is raised with ``progress``, what was seen so far.
        """
        many = self._many(dataset_id, batches, timeout, poll_interval, factor, max_interval, on_progress)
        polls: list[tuple[Callable[[RequestOption], IndexingStatusList], Waiter[IndexingStatusList]]] = []
        for batch in many.batches:
            waiter = self._many_waiter(many, batch, option)
            polls.append((self._status_fetch(many, batch, waiter), waiter))
        poll_many(polls, sleep)
        return many.result()

    async def await_for_indexing_all(
        self,
        dataset_id: str,
        batches: Iterable[str | DocumentResult],
        *,
        timeout: float = 600.0,  # noqa: ASYNC109 - the overall wait, not one request's
        poll_interval: float = 1.0,
        factor: float = 1.5,
        max_interval: float = 10.0,
        on_progress: DocumentProgressCallback | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        option: RequestOption | None = None,
    ) -> IndexingResult:
        """Async twin of :meth:`wait_for_indexing_all`: one task per batch; a timeout or an error cancels them all."""
        many = self._many(dataset_id, batches, timeout, poll_interval, factor, max_interval, on_progress)
        polls: list[tuple[Callable[[RequestOption], Awaitable[IndexingStatusList]], Waiter[IndexingStatusList]]] = []
        for batch in many.batches:
            waiter = self._many_waiter(many, batch, option)
            polls.append((self._astatus_fetch(many, batch, waiter), waiter))
        await apoll_many(polls, many.deadline, many.expired, sleep)
        return many.result()

    def _many(
        self, dataset_id: str, batches: Iterable[str | DocumentResult], timeout: float, interval: float, factor: float,
        max_interval: float, on_progress: DocumentProgressCallback | None,
    ) -> ManyIndexing:  # fmt: skip
        return ManyIndexing(
            dataset_id, batches, timeout=timeout, interval=interval, factor=factor, max_interval=max_interval,
            on_progress=on_progress, scrub=self._transport.scrub,
        )  # fmt: skip

    def _many_waiter(self, many: ManyIndexing, batch: str, option: RequestOption | None) -> Waiter[IndexingStatusList]:
        return Waiter(many.step(batch), many.expired, deadline=many.deadline, transport=self._transport, option=option)

    def _status_fetch(
        self, many: ManyIndexing, batch: str, waiter: Waiter[IndexingStatusList]
    ) -> Callable[[RequestOption], IndexingStatusList]:
        """The batch's status; the name of each document seen for the first time without one is read once (a
        document gone meanwhile keeps none), each read bounded like a poll."""
        request = GetIndexingStatusRequest.builder().dataset_id(many.dataset_id).batch(batch).build()

        def fetch(opt: RequestOption) -> IndexingStatusList:
            status = self.get_indexing_status(request, opt)
            for document_id in many.unnamed(status):
                try:
                    found = self.get(many.name_request(document_id), waiter.next_option())
                except APIStatusError:
                    continue
                many.named(document_id, found.name)
            return status

        return fetch

    def _astatus_fetch(
        self, many: ManyIndexing, batch: str, waiter: Waiter[IndexingStatusList]
    ) -> Callable[[RequestOption], Awaitable[IndexingStatusList]]:
        request = GetIndexingStatusRequest.builder().dataset_id(many.dataset_id).batch(batch).build()

        async def fetch(opt: RequestOption) -> IndexingStatusList:
            status = await self.aget_indexing_status(request, opt)
            for document_id in many.unnamed(status):
                try:
                    found = await self.aget(many.name_request(document_id), waiter.next_option())
                except APIStatusError:
                    continue
                many.named(document_id, found.name)
            return status

        return fetch
