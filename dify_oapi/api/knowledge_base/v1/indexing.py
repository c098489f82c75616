"""Waiting for a batch of documents to be indexed: the polling policy and its errors.

``client.knowledge_base.v1.document.wait_for_indexing(dataset_id, batch)`` (and ``await_for_indexing``) polls
``GET .../documents/{batch}/indexing-status`` with a bounded backoff until every document is ``completed``.
``wait_for_indexing_all(dataset_id, batches)`` (and ``await_for_indexing_all``) waits for several batches at once
and reports per document (:class:`DocumentProgress`, :class:`IndexingResult`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ....core.errors import DifyError, InvalidRequestError
from ....core.polling import Backoff, Deadline
from .model.document import (
    DocumentIndexingStatus,
    DocumentResult,
    GetDocumentRequest,
    IndexingState,
    IndexingStatusList,
)

__all__ = [
    "BatchProgress",
    "DocumentProgress",
    "DocumentProgressCallback",
    "IndexingError",
    "IndexingPoll",
    "IndexingResult",
    "IndexingTimeoutError",
    "ProgressCallback",
]

ProgressCallback = Callable[[IndexingStatusList], None]
"""Called with the batch's status after every poll (``completed_segments`` / ``total_segments`` per document)."""


class IndexingError(DifyError):
    """A document of the batch stopped indexing (``error`` or ``paused``). ``status`` is the last status read,
    ``failed`` the documents that stopped."""

    def __init__(self, message: str, *, dataset_id: str, batch: str, status: IndexingStatusList | None) -> None:
        super().__init__(message)
        self.dataset_id = dataset_id
        self.batch = batch
        self.status = status

    @property
    def failed(self) -> list[DocumentIndexingStatus]:
        return [d for d in self.status.data if d.is_failed] if self.status is not None else []


class IndexingTimeoutError(IndexingError, TimeoutError):
    """The batch was not indexed within ``timeout`` seconds; indexing goes on server-side (wait again to resume).
    From ``wait_for_indexing_all``: ``batch`` names the batches still indexing, ``progress`` is what was seen of
    every batch (:class:`IndexingResult`: completed, failed and still ``pending`` documents)."""

    def __init__(
        self, message: str, *, dataset_id: str, batch: str, status: IndexingStatusList | None, timeout: float,
        progress: IndexingResult | None = None,
    ) -> None:  # fmt: skip
        super().__init__(message, dataset_id=dataset_id, batch=batch, status=status)
        self.timeout = timeout
        self.progress = progress


class IndexingPoll:
    """The policy, without I/O: after each status, ``step`` returns None (done), the seconds to wait before the
    next poll (``interval``, times ``factor`` each time, at most ``max_interval``, never past the deadline), or
    raises :class:`IndexingError` / :class:`IndexingTimeoutError`."""

    def __init__(
        self,
        dataset_id: str,
        batch: str,
        *,
        timeout: float,
        interval: float,
        factor: float,
        max_interval: float,
        on_progress: ProgressCallback | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.deadline = Deadline(timeout, clock)
        self._backoff = Backoff(self.deadline, interval=interval, factor=factor, max_interval=max_interval)
        self.dataset_id = dataset_id
        self.batch = batch
        self.timeout = timeout
        self.factor = factor
        self.max_interval = max_interval
        self.on_progress = on_progress

    def step(self, status: IndexingStatusList) -> float | None:
        if self.on_progress is not None:
            self.on_progress(status)
        failed = [d for d in status.data if d.is_failed]
        if failed:
            what = ", ".join(f"{d.id}: {d.indexing_status}" + (f" ({d.error})" if d.error else "") for d in failed)
            raise IndexingError(
                f"indexing of batch {self.batch} stopped: {what}", dataset_id=self.dataset_id, batch=self.batch,
                status=status,
            )  # fmt: skip
        if status.is_completed:
            return None
        delay = self._backoff.next()
        if delay is None:
            raise self.expired(status, None)
        return delay

    def expired(self, status: IndexingStatusList | None, err: DifyError | None) -> IndexingTimeoutError:
        """The timeout error: ``status`` the last status read (None: none yet), ``err`` what the last poll raised
        (the HTTP timeout of a poll cut at the deadline), if it failed."""
        if status is not None:
            pending = ", ".join(
                f"{d.id}: {d.indexing_status} {d.completed_segments or 0}/{d.total_segments or 0}" for d in status.data
            )
        else:
            pending = f"no status read: {type(err).__name__}" if err is not None else ""
        return IndexingTimeoutError(
            f"batch {self.batch} not indexed after {self.timeout:g}s ({pending or 'no documents yet'})",
            dataset_id=self.dataset_id, batch=self.batch, status=status, timeout=self.timeout,
        )  # fmt: skip


# ---- several batches at once ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentProgress(IndexingState):
    """Where one document of ``wait_for_indexing_all`` stands. ``name`` comes from the create answer
    (``DocumentResult``) when one was given, else from one read of the document (None if it is gone); ``error`` is
    the server's reason for a failed document (keys scrubbed)."""

    batch: str
    document_id: str
    name: str | None
    indexing_status: str | None
    completed_segments: int
    total_segments: int
    error: str | None = None


@dataclass(frozen=True, slots=True)
class BatchProgress:
    """One batch of ``wait_for_indexing_all``: how many documents it has, completed and failed; ``done`` once every
    document completed or failed."""

    batch: str
    documents: int
    completed: int
    failed: int
    done: bool


@dataclass(frozen=True, slots=True)
class IndexingResult:
    """What ``wait_for_indexing_all`` saw: the documents that ``completed``, those that ``failed`` (``error`` or
    ``paused``, with the server's reason), those still ``pending`` (only in a timeout's ``progress``) and a summary
    per batch, in the order the batches were given."""

    dataset_id: str
    completed: list[DocumentProgress]
    failed: list[DocumentProgress]
    pending: list[DocumentProgress]
    batches: list[BatchProgress]

    @property
    def ok(self) -> bool:
        """Every document completed."""
        return not self.failed and not self.pending


DocumentProgressCallback = Callable[[DocumentProgress], None]
"""Called for a document of ``wait_for_indexing_all`` each time its status or segment counts change (and when it is
first seen)."""


class ManyIndexing:
    """The state of ``wait_for_indexing_all``, without I/O: the batches and the names known for their documents,
    what was seen of every document, one backoff per batch. ``step(batch)`` is that batch's polling policy."""

    def __init__(
        self,
        dataset_id: str,
        batches: Iterable[str | DocumentResult],
        *,
        timeout: float,
        interval: float,
        factor: float,
        max_interval: float,
        on_progress: DocumentProgressCallback | None,
        scrub: Callable[[str], str],
    ) -> None:
        self.deadline = Deadline(timeout)

        def backoff() -> Backoff:  # checks the arguments (InvalidRequestError)
            return Backoff(
                self.deadline,
                interval=interval,
                factor=factor,
                max_interval=max_interval,
                interval_name="poll_interval",
            )

        backoff()  # before anything else
        self.dataset_id = dataset_id
        self.names: dict[str, str] = {}
        self.batches: list[str] = []
        for item in batches:
            if isinstance(item, DocumentResult):
                batch = item.batch
                if item.document.name is not None:
                    self.names[item.document.id] = item.document.name
            elif isinstance(item, str):  # pyright: ignore[reportUnnecessaryIsInstance]  # checked for callers
                batch = item
            else:
                raise InvalidRequestError(
                    f"batches takes batch ids or create answers (DocumentResult), not {type(item).__name__}"
                )
            if batch not in self.batches:
                self.batches.append(batch)
        if not self.batches:
            raise InvalidRequestError("batches is empty: give at least one batch id or create answer")
        self.timeout = timeout
        self.on_progress = on_progress
        self._scrub = scrub
        self._seen: dict[str, dict[str, DocumentProgress]] = {b: {} for b in self.batches}
        self._done: set[str] = set()
        self._asked: set[str] = set()
        self._backoff = {b: backoff() for b in self.batches}  # one per batch

    def step(self, batch: str) -> Callable[[IndexingStatusList], float | None]:
        def step(status: IndexingStatusList) -> float | None:
            if self._see(batch, status):
                return None
            delay = self._backoff[batch].next()
            if delay is None:
                raise self.expired()
            return delay

        return step

    def unnamed(self, status: IndexingStatusList) -> list[str]:
        """The documents of ``status`` whose name is not known nor asked for yet (now marked as asked for)."""
        new = [d.id for d in status.data if d.id not in self.names and d.id not in self._asked]
        self._asked.update(new)
        return new

    def name_request(self, document_id: str) -> GetDocumentRequest:
        return (
            GetDocumentRequest.builder()
            .dataset_id(self.dataset_id)
            .document_id(document_id)
            .metadata("without")
            .build()
        )

    def named(self, document_id: str, name: str | None) -> None:
        if name is not None:
            self.names[document_id] = name

    def _see(self, batch: str, status: IndexingStatusList) -> bool:
        """Record a batch's status (reporting what changed); True when every document completed or failed."""
        seen = self._seen[batch]
        for d in status.data:
            now = DocumentProgress(
                batch, d.id, self.names.get(d.id), d.indexing_status, d.completed_segments or 0, d.total_segments or 0,
                self._scrub(d.error) if d.error and d.is_failed else None,
            )  # fmt: skip
            if seen.get(d.id) != now:
                seen[d.id] = now
                if self.on_progress is not None:
                    self.on_progress(now)
        done = bool(status.data) and all(d.is_completed or d.is_failed for d in status.data)
        if done:
            self._done.add(batch)
        return done

    def result(self) -> IndexingResult:
        every = [p for b in self.batches for p in self._seen[b].values()]
        summary = [
            BatchProgress(
                b, len(self._seen[b]), sum(p.is_completed for p in self._seen[b].values()),
                sum(p.is_failed for p in self._seen[b].values()), b in self._done,
            )
            for b in self.batches
        ]  # fmt: skip
        return IndexingResult(
            self.dataset_id,
            [p for p in every if p.is_completed],
            [p for p in every if p.is_failed],
            [p for p in every if not p.is_completed and not p.is_failed],
            summary,
        )

    def expired(self, _status: object = None, err: DifyError | None = None) -> IndexingTimeoutError:
        """The timeout error, carrying the progress so far."""
        progress = self.result()
        waiting = [b for b in self.batches if b not in self._done]
        pending = ", ".join(
            f"{p.document_id}: {p.indexing_status} {p.completed_segments}/{p.total_segments}" for p in progress.pending
        )
        if not pending:
            pending = f"no status read: {type(err).__name__}" if err is not None else "no documents yet"
        return IndexingTimeoutError(
            f"batches {', '.join(waiting)} not indexed after {self.timeout:g}s ({pending})",
            dataset_id=self.dataset_id, batch=", ".join(waiting), status=None, timeout=self.timeout,
            progress=progress,
        )  # fmt: skip
