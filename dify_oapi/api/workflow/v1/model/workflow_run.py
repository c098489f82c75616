"""Workflow runs: run the published workflow (or a pinned version) blocking or streaming, follow a run's events,
get a run, stop a task, and collect a stream into the blocking result."""

from __future__ import annotations

from typing import Annotated, Any, Self, TypeVar

from .....core.builder import Builder, Setter
from .....core.model import APP_INPUTS, Field, JsonObject, Path, Query, Request, Response, Timestamp, User
from ....dify.v1.model.shared import InputFile
from .event import (
    WorkflowFinishedData,
    WorkflowFinishedEvent,
    WorkflowPausedEvent,
    WorkflowStartedEvent,
)

__all__ = [
    "GetWorkflowRunRequest",
    "GetWorkflowRunRequestBuilder",
    "RunCollector",
    "RunWorkflowByIdRequest",
    "RunWorkflowByIdRequestBuilder",
    "RunWorkflowRequest",
    "RunWorkflowRequestBase",
    "RunWorkflowRequestBuilder",
    "StopWorkflowRequest",
    "StopWorkflowRequestBuilder",
    "WorkflowEventsRequest",
    "WorkflowEventsRequestBuilder",
    "WorkflowRun",
    "WorkflowRunResponse",
]

InputValue = str | int | float | bool | InputFile | list[InputFile] | dict[str, Any] | list[Any] | None
"""What an input variable takes: text, a number, a boolean, a file or a list of files (``InputFile``), or JSON."""


# ---- running -----------------------------------------------------------------------------------------------------


class RunWorkflowRequestBase(Request):
    """What every run sends: ``inputs`` (the Start node's variables; always sent, ``{}`` by default; file variables
    take an ``InputFile`` or a list of them), ``user`` (the end user, or the Client's ``default_user``) and
    ``files`` (extra files for vision-capable models)."""

    inputs: Annotated[dict[str, InputValue], APP_INPUTS] = {}
    user: Annotated[str, User()]
    files: list[InputFile] | None = None


RunT = TypeVar("RunT", bound=RunWorkflowRequestBase)


class _RunFieldsBuilder(Builder[RunT]):
    inputs: Setter[Self, dict[str, InputValue]]
    user: Setter[Self, str]
    files: Setter[Self, list[InputFile] | None]


class RunWorkflowRequest(RunWorkflowRequestBase):
    """Run the app's published workflow (``POST /workflows/run``)."""

    @staticmethod
    def builder() -> RunWorkflowRequestBuilder:
        return RunWorkflowRequestBuilder()


class RunWorkflowRequestBuilder(_RunFieldsBuilder[RunWorkflowRequest], Builder[RunWorkflowRequest]):
    pass


class RunWorkflowByIdRequest(RunWorkflowRequestBase):
    """Run one published version of the workflow, by its ``workflow_id`` (``POST /workflows/{workflow_id}/run``);
    a draft version is rejected with ``bad_request``."""

    workflow_id: Annotated[str, Path()]

    @staticmethod
    def builder() -> RunWorkflowByIdRequestBuilder:
        return RunWorkflowByIdRequestBuilder()


class RunWorkflowByIdRequestBuilder(_RunFieldsBuilder[RunWorkflowByIdRequest], Builder[RunWorkflowByIdRequest]):
    workflow_id: Setter[Self, str]


class WorkflowRunResponse(Response):
    """A run's result, as a blocking run answers it: ``data.status`` (``succeeded``, ``failed``, ``stopped``,
    ``partial-succeeded``, ``paused``...), ``data.outputs``, ``data.error``, timing and token counts."""

    task_id: str | None = None
    workflow_run_id: str | None = None
    data: WorkflowFinishedData = Field(default_factory=WorkflowFinishedData)

    @property
    def status(self) -> str | None:
        """Shortcut for ``data.status``."""
        return self.data.status

    @property
    def outputs(self) -> dict[str, Any]:
        """Shortcut for ``data.outputs``."""
        return self.data.outputs


# ---- following a run's events ---------------------------------------------------------------------------------


class WorkflowEventsRequest(Request):
    """Follow a run's events (``GET /workflow/{workflow_run_id}/events``): after a dropped stream, or after a pause
    once the human-input form is submitted. ``workflow_run_id`` is the RUN id (a task id answers 404); ``user`` must
    be the user that started the run. A finished run answers one ``workflow_finished`` event.
    ``include_state_snapshot`` replays the already-executed nodes first; ``continue_on_pause`` keeps the stream open
    across ``workflow_paused`` events."""

    workflow_run_id: Annotated[str, Path()]
    user: Annotated[str, User(), Query()]
    include_state_snapshot: Annotated[bool | None, Query()] = None
    continue_on_pause: Annotated[bool | None, Query()] = None

    @staticmethod
    def builder() -> WorkflowEventsRequestBuilder:
        return WorkflowEventsRequestBuilder()


class WorkflowEventsRequestBuilder(Builder[WorkflowEventsRequest]):
    workflow_run_id: Setter[Self, str]
    user: Setter[Self, str]
    include_state_snapshot: Setter[Self, bool | None]
    continue_on_pause: Setter[Self, bool | None]


# ---- one run, stop ----------------------------------------------------------------------------------------------


class GetWorkflowRunRequest(Request):
    """A run's detail (``GET /workflows/run/{workflow_run_id}``)."""

    workflow_run_id: Annotated[str, Path()]

    @staticmethod
    def builder() -> GetWorkflowRunRequestBuilder:
        return GetWorkflowRunRequestBuilder()


class GetWorkflowRunRequestBuilder(Builder[GetWorkflowRunRequest]):
    workflow_run_id: Setter[Self, str]


class WorkflowRun(Response):
    """A run's detail. ``inputs`` and ``outputs`` are dicts (the server sends ``inputs`` as a JSON string, and
    ``null`` before anything is known); ``status`` is ``running``, ``succeeded``, ``failed``, ``stopped``,
    ``partial-succeeded``, ``paused``..."""

    id: str | None = None
    workflow_id: str | None = None
    status: str | None = None
    inputs: JsonObject = {}
    outputs: JsonObject = {}
    error: str | None = None
    total_steps: int | None = None
    total_tokens: int | None = None
    created_at: Timestamp | None = None
    finished_at: Timestamp | None = None
    elapsed_time: float | None = None


class StopWorkflowRequest(Request):
    """Stop a streaming run by its ``task_id`` (from any of its events). The server answers success even when the
    task has already finished."""

    task_id: Annotated[str, Path()]
    user: Annotated[str, User()]

    @staticmethod
    def builder() -> StopWorkflowRequestBuilder:
        return StopWorkflowRequestBuilder()


class StopWorkflowRequestBuilder(Builder[StopWorkflowRequest]):
    task_id: Setter[Self, str]
    user: Setter[Self, str]


# ---- a stream collected into the blocking result ---------------------------------------------------------------


class RunCollector:
    """Builds the blocking result (:class:`WorkflowRunResponse`) from stream events.

    Feed it every event with :meth:`add`, then call :meth:`result`::

        collector = RunCollector()
        for event in client.workflow.v1.workflow.stream(req):
            collector.add(event)
        result = collector.result()

    ``task_id`` and ``workflow_run_id`` come from the first event carrying them, ``data`` from ``workflow_finished``.
    A run that paused for human input (``workflow_paused``) gives ``data.status == "paused"`` with the outputs so
    far. :attr:`workflow_run_id` and :attr:`done` tell what is known so far (to resume a broken stream).
    """

    def __init__(self) -> None:
        self.task_id: str | None = None
        self.workflow_run_id: str | None = None
        self.workflow_id: str | None = None
        self.created_at: int | None = None
        self._finished: WorkflowFinishedData | None = None
        self._paused: WorkflowPausedEvent | None = None

    def add(self, event: object) -> None:
        """Take one stream event into account (events of any type may be given)."""
        if self.task_id is None:
            self.task_id = getattr(event, "task_id", None)
        if self.workflow_run_id is None:
            self.workflow_run_id = getattr(event, "workflow_run_id", None)
        if isinstance(event, WorkflowStartedEvent):
            self.workflow_run_id = self.workflow_run_id or event.data.id
            self.workflow_id = event.data.workflow_id
            self.created_at = event.data.created_at or event.created_at
        elif isinstance(event, WorkflowFinishedEvent):
            self._finished = event.data
            self._paused = None
        elif isinstance(event, WorkflowPausedEvent):
            self._paused = event

    @property
    def done(self) -> bool:
        """Whether the run finished or paused (a final event was seen)."""
        return self._finished is not None or self._paused is not None

    @property
    def complete(self) -> bool:
        """Same as :attr:`done`: the result is final (``workflow_finished``, or ``workflow_paused``)."""
        return self.done

    def result(self) -> WorkflowRunResponse:
        """The result as the blocking call returns it (``data`` empty when no final event was seen)."""
        if self._finished is not None:
            data = self._finished
        elif self._paused is not None:
            paused = self._paused.data
            data = WorkflowFinishedData.model_validate(
                {
                    "id": self.workflow_run_id,
                    "workflow_id": self.workflow_id,
                    "status": paused.status or "paused",
                    "outputs": paused.outputs,
                    "elapsed_time": paused.elapsed_time,
                    "total_tokens": paused.total_tokens,
                    "total_steps": paused.total_steps,
                    "created_at": self.created_at,
                }
            )
        else:
            data = WorkflowFinishedData.model_validate(
                {"id": self.workflow_run_id, "workflow_id": self.workflow_id, "created_at": self.created_at}
            )
        if data.workflow_id is None and self.workflow_id is not None:
            data = data.model_copy(update={"workflow_id": self.workflow_id})
        values = {"task_id": self.task_id, "workflow_run_id": self.workflow_run_id or data.id, "data": data}
        return WorkflowRunResponse.model_validate({k: v for k, v in values.items() if v is not None})
