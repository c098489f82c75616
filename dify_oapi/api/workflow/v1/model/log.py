"""Workflow logs: past runs of the app, newest first, filtered and paged (``page``/``limit``/``has_more``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from .....core.builder import Builder, Setter
from .....core.model import Field, Query, Request, Response, Timestamp

__all__ = [
    "ListWorkflowLogsRequest",
    "ListWorkflowLogsRequestBuilder",
    "WorkflowLog",
    "WorkflowLogEndUser",
    "WorkflowLogList",
    "WorkflowLogStatus",
    "WorkflowRunSummary",
]

WorkflowLogStatus = Literal["succeeded", "failed", "stopped"]
"""The run statuses the log list filters on."""


class ListWorkflowLogsRequest(Request):
    """``GET /workflows/logs``. ``keyword`` searches the logs; ``status``: ``succeeded``, ``failed`` or ``stopped``;
    ``created_at__before``/``created_at__after`` are ISO 8601 times (``2025-01-16T12:00:00Z``);
    ``created_by_end_user_session_id`` is the ``user`` given to the runs; ``created_by_account`` an account email.
    ``page`` starts at 1; ``limit`` is 1..100 (server default 20)."""

    keyword: Annotated[str | None, Query()] = None
    status: Annotated[WorkflowLogStatus | None, Query()] = None
    page: Annotated[int | None, Query()] = None
    limit: Annotated[int | None, Query()] = None
    created_at__before: Annotated[str | None, Query()] = None
    created_at__after: Annotated[str | None, Query()] = None
    created_by_end_user_session_id: Annotated[str | None, Query()] = None
    created_by_account: Annotated[str | None, Query()] = None

    @staticmethod
    def builder() -> ListWorkflowLogsRequestBuilder:
        return ListWorkflowLogsRequestBuilder()


class ListWorkflowLogsRequestBuilder(Builder[ListWorkflowLogsRequest]):
    keyword: Setter[Self, str | None]
    status: Setter[Self, WorkflowLogStatus | None]
    page: Setter[Self, int | None]
    limit: Setter[Self, int | None]
    created_at__before: Setter[Self, str | None]
    created_at__after: Setter[Self, str | None]
    created_by_end_user_session_id: Setter[Self, str | None]
    created_by_account: Setter[Self, str | None]


class WorkflowRunSummary(Response):
    """The run a log entry is about: status, timing, tokens, steps (no inputs or outputs)."""

    id: str | None = None
    version: str | None = None
    status: str | None = None
    triggered_from: str | None = None
    error: str | None = None
    elapsed_time: float | None = None
    total_tokens: int | None = None
    total_steps: int | None = None
    created_at: Timestamp | None = None
    finished_at: Timestamp | None = None
    exceptions_count: int | None = None


class WorkflowLogEndUser(Response):
    """The end user that started a run; ``session_id`` is the ``user`` string given to the API."""

    id: str | None = None
    type: str | None = None
    is_anonymous: bool | None = None
    session_id: str | None = None


class WorkflowLog(Response):
    """One log entry: the run (``workflow_run``) and who started it, from where."""

    id: str | None = None
    workflow_run: WorkflowRunSummary = Field(default_factory=WorkflowRunSummary)
    details: dict[str, Any] | None = None
    created_from: str | None = None
    created_by_role: str | None = None
    created_by_account: dict[str, Any] | None = None
    created_by_end_user: WorkflowLogEndUser | None = None
    created_at: Timestamp | None = None


class WorkflowLogList(Response):
    """One page of logs."""

    page: int | None = None
    limit: int | None = None
    total: int | None = None
    has_more: bool | None = None
    data: list[WorkflowLog] = []
