"""``client.dify.v1.annotation``: annotations of the app and the annotation-reply switch."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from .....core.endpoint import Endpoint
from .....core.errors import DifyError, InvalidRequestError
from .....core.model import SimpleResult
from .....core.option import RequestOption
from .....core.polling import Deadline, Waiter, apoll, poll
from .....core.resource import Resource, acall, apaginate, call, optional_request, paginate
from ..model.annotation import (
    AnnotationItem,
    AnnotationList,
    AnnotationReplyAction,
    AnnotationReplyJob,
    ConfigureAnnotationReplyRequest,
    CreateAnnotationRequest,
    DeleteAnnotationRequest,
    GetAnnotationReplyStatusRequest,
    ListAnnotationsRequest,
    UpdateAnnotationRequest,
)

if TYPE_CHECKING:
    from .....core._transport import Transport

__all__ = ["Annotation", "AnnotationReplyJobError", "AnnotationReplyTimeoutError"]

LIST = Endpoint("GET", "/apps/annotations", ListAnnotationsRequest, AnnotationList, summary="Annotations, one page.")
CREATE = Endpoint("POST", "/apps/annotations", CreateAnnotationRequest, AnnotationItem, summary="Add an annotation.")
UPDATE = Endpoint(
    "PUT", "/apps/annotations/{annotation_id}", UpdateAnnotationRequest, AnnotationItem,
    summary="Replace the question and answer of an annotation.",
)  # fmt: skip
DELETE = Endpoint(
    "DELETE", "/apps/annotations/{annotation_id}", DeleteAnnotationRequest, SimpleResult,
    summary="Delete an annotation (204).",
)  # fmt: skip
CONFIGURE_REPLY = Endpoint(
    "POST", "/apps/annotation-reply/{action}", ConfigureAnnotationReplyRequest, AnnotationReplyJob,
    summary="Enable or disable annotation reply; starts a job.",
)  # fmt: skip
REPLY_STATUS = Endpoint(
    "GET", "/apps/annotation-reply/{action}/status/{job_id}", GetAnnotationReplyStatusRequest, AnnotationReplyJob,
    summary="Status of an annotation-reply job.",
)  # fmt: skip


class AnnotationReplyJobError(DifyError):
    """An annotation-reply job ended in ``error``; ``job`` is its last status (``job.error_msg`` says why)."""

    def __init__(self, message: str, *, job: AnnotationReplyJob | None) -> None:
        super().__init__(message)
        self.job = job


class AnnotationReplyTimeoutError(AnnotationReplyJobError, TimeoutError):
    """The job was not completed within ``timeout`` seconds; it goes on server-side (wait again to resume).
    ``job`` is the last status read (None when no poll answered in time)."""

    def __init__(self, message: str, *, job: AnnotationReplyJob | None, timeout: float) -> None:
        super().__init__(message, job=job)
        self.timeout = timeout


class _ReplyPoll:
    """The waiting policy without I/O: ``step(job)`` returns None when done, else the seconds to wait, or raises."""

    def __init__(self, job_id: str, timeout: float, interval: float) -> None:
        if timeout < 0 or interval < 0:
            raise InvalidRequestError("timeout and interval must not be negative")
        self.job_id = job_id
        self.timeout = timeout
        self.interval = interval
        self.deadline = Deadline(timeout)

    def step(self, job: AnnotationReplyJob) -> float | None:
        if job.is_completed:
            return None
        if job.is_failed:
            raise AnnotationReplyJobError(
                f"annotation-reply job {self.job_id} failed: {job.error_msg or 'no reason given'}", job=job
            )
        remaining = self.deadline.left()
        if remaining <= 0:
            raise self.expired(job, None)
        return min(self.interval, remaining)

    def expired(self, job: AnnotationReplyJob | None, err: DifyError | None) -> AnnotationReplyTimeoutError:
        state = f"still {job.job_status}" if job is not None else f"no status read ({type(err).__name__})"
        return AnnotationReplyTimeoutError(
            f"annotation-reply job {self.job_id} {state} after {self.timeout:g}s", job=job, timeout=self.timeout
        )

    def waiter(self, transport: Transport, option: RequestOption | None) -> Waiter[AnnotationReplyJob]:
        return Waiter(self.step, self.expired, deadline=self.deadline, transport=transport, option=option)


class Annotation(Resource):
    """Annotations: ``list`` one page or ``iter`` every annotation; ``create``, ``update``, ``delete``.
    ``configure_reply`` enables or disables annotation reply (a job); ``get_reply_status`` reads the job and
    ``wait_for_reply`` / ``await_for_reply`` poll it until it is completed."""

    list = optional_request(call(LIST))
    alist = optional_request(acall(LIST))
    iter = optional_request(paginate(LIST))
    aiter = optional_request(apaginate(LIST))
    create = call(CREATE)
    acreate = acall(CREATE)
    update = call(UPDATE)
    aupdate = acall(UPDATE)
    delete = call(DELETE)
    adelete = acall(DELETE)
    configure_reply = call(CONFIGURE_REPLY)
    aconfigure_reply = acall(CONFIGURE_REPLY)
    get_reply_status = call(REPLY_STATUS)
    aget_reply_status = acall(REPLY_STATUS)

    def wait_for_reply(
        self,
        action: AnnotationReplyAction,
        job_id: str,
        *,
        timeout: float = 60.0,
        interval: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        option: RequestOption | None = None,
    ) -> AnnotationReplyJob:
        """Poll the job started by ``configure_reply(action)`` every ``interval`` seconds until it is
        ``completed``; return its last status. Raises :class:`AnnotationReplyJobError` when it ends in ``error``,
        :class:`AnnotationReplyTimeoutError` after ``timeout`` seconds."""
        request = GetAnnotationReplyStatusRequest.builder().action(action).job_id(job_id).build()
        waiter = _ReplyPoll(job_id, timeout, interval).waiter(self._transport, option)
        return poll(lambda opt: self.get_reply_status(request, opt), waiter, sleep)

    async def await_for_reply(
        self,
        action: AnnotationReplyAction,
        job_id: str,
        *,
        timeout: float = 60.0,  # noqa: ASYNC109 - the overall wait, not one request's
        interval: float = 1.0,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        option: RequestOption | None = None,
    ) -> AnnotationReplyJob:
        """Async twin of :meth:`wait_for_reply` (``sleep`` defaults to ``asyncio.sleep``)."""
        request = GetAnnotationReplyStatusRequest.builder().action(action).job_id(job_id).build()
        waiter = _ReplyPoll(job_id, timeout, interval).waiter(self._transport, option)
        return await apoll(lambda opt: self.aget_reply_status(request, opt), waiter, sleep)
