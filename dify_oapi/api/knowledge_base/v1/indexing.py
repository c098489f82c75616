"""Waiting for a batch of documents to be indexed: the polling policy and its errors.

``client.knowledge_base.v1.document.wait_for_indexing(dataset_id, batch)`` (and ``await_for_indexing``) polls
``GET .../documents/{batch}/indexing-status`` with a bounded backoff until every document is ``completed``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ....core.errors import DifyError, InvalidRequestError
from ....core.polling import Deadline
from .model.document import DocumentIndexingStatus, IndexingStatusList

__all__ = ["IndexingError", "IndexingPoll", "IndexingTimeoutError", "ProgressCallback"]

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
    """The batch was not indexed within ``timeout`` seconds; indexing goes on server-side (wait again to resume)."""

    def __init__(
        self, message: str, *, dataset_id: str, batch: str, status: IndexingStatusList | None, timeout: float
    ) -> None:
        super().__init__(message, dataset_id=dataset_id, batch=batch, status=status)
        self.timeout = timeout


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
        if timeout < 0 or interval < 0 or max_interval < 0:
            raise InvalidRequestError("timeout, interval and max_interval must not be negative")
        if factor < 1:
            raise InvalidRequestError("factor must be at least 1")
        self.dataset_id = dataset_id
        self.batch = batch
        self.timeout = timeout
        self.factor = factor
        self.max_interval = max_interval
        self.on_progress = on_progress
        self.deadline = Deadline(timeout, clock)
        self._delay = min(interval, max_interval)

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
        remaining = self.deadline.left()
        if remaining <= 0:
            raise self.expired(status, None)
        delay = min(self._delay, remaining)
        self._delay = min(self._delay * self.factor, self.max_interval)
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
