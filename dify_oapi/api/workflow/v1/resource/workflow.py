"""``client.workflow.v1.workflow``: run the workflow (blocking, streaming, or streamed and collected), run a pinned
version, follow or resume a run's events, get a run, stop a task."""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any

from .....core.builder import Builder
from .....core.endpoint import Endpoint
from .....core.errors import APIConnectionError, InvalidRequestError
from .....core.events import StreamEvent
from .....core.model import SimpleResult
from .....core.option import RequestOption
from .....core.resource import Resource, acall, acall_stream, call, call_stream
from .....core.streaming import AsyncStream, Stream
from ....chat.v1.model.event import ChatEvent  # chatflow runs replay message events too
from ...v1.model.event import WorkflowEvent

if TYPE_CHECKING:
    from .....core._transport import Transport

from ..model.workflow_run import (
    GetWorkflowRunRequest,
    RunCollector,
    RunWorkflowByIdRequest,
    RunWorkflowByIdRequestBuilder,
    RunWorkflowRequest,
    StopWorkflowRequest,
    WorkflowEventsRequest,
    WorkflowRun,
    WorkflowRunResponse,
)

__all__ = [
    "EVENTS",
    "GET",
    "RUN",
    "RUN_BY_ID",
    "RUN_EVENTS",
    "STOP",
    "STREAM",
    "STREAM_BY_ID",
    "TERMINAL",
    "Workflow",
]

TERMINAL = frozenset({"workflow_finished", "workflow_paused"})

RUN = Endpoint(
    "POST", "/workflows/run", RunWorkflowRequest, WorkflowRunResponse, fixed={"response_mode": "blocking"},
    summary="Run the published workflow and wait for its result.",
)  # fmt: skip
STREAM: Endpoint[RunWorkflowRequest, WorkflowEvent] = Endpoint(
    "POST", "/workflows/run", RunWorkflowRequest, StreamEvent, kind="stream", parse_as=WorkflowEvent,
    fixed={"response_mode": "streaming"}, terminal=TERMINAL,
    summary="Run the published workflow and stream its events.",
)  # fmt: skip
RUN_BY_ID = Endpoint(
    "POST", "/workflows/{workflow_id}/run", RunWorkflowByIdRequest, WorkflowRunResponse,
    fixed={"response_mode": "blocking"},
    summary="Run one published version of the workflow and wait for its result.",
)  # fmt: skip
STREAM_BY_ID: Endpoint[RunWorkflowByIdRequest, WorkflowEvent] = Endpoint(
    "POST", "/workflows/{workflow_id}/run", RunWorkflowByIdRequest, StreamEvent, kind="stream",
    parse_as=WorkflowEvent, fixed={"response_mode": "streaming"}, terminal=TERMINAL,
    summary="Run one published version of the workflow and stream its events.",
)  # fmt: skip
EVENTS: Endpoint[WorkflowEventsRequest, ChatEvent] = Endpoint(
    "GET", "/workflow/{workflow_run_id}/events", WorkflowEventsRequest, StreamEvent, kind="stream",
    parse_as=ChatEvent, terminal=TERMINAL | {"message_end"},
    summary="Follow a run's events (after a dropped stream or a pause); a finished run gives workflow_finished.",
)  # fmt: skip
RUN_EVENTS: Endpoint[WorkflowEventsRequest, WorkflowEvent] = dataclasses.replace(EVENTS, parse_as=WorkflowEvent)
"""``EVENTS`` parsed as a workflow run's own stream (``WorkflowEvent``): how ``stream_resumable`` goes on. Not a
method of its own (one definition per endpoint: ``EVENTS``)."""
GET = Endpoint(
    "GET", "/workflows/run/{workflow_run_id}", GetWorkflowRunRequest, WorkflowRun,
    summary="A run's status, inputs, outputs and metrics.",
)  # fmt: skip
STOP = Endpoint(
    "POST", "/workflows/tasks/{task_id}/stop", StopWorkflowRequest, SimpleResult, retry_safe=True,
    summary="Stop a streaming run by its task id.",
)  # fmt: skip

RunRequest = RunWorkflowRequest | RunWorkflowByIdRequest


class Workflow(Resource):
    """Workflow runs.

    ``run`` waits for the result; ``stream`` yields typed events (``workflow_started`` ... ``workflow_finished`` or
    ``workflow_paused``); ``run_via_stream`` streams and returns the same result as ``run`` (long runs behind a
    gateway that cuts long requests); ``stream_resumable`` is ``stream`` that continues through the events endpoint
    when the connection breaks; ``resume`` follows a run by its id (after a pause or a lost connection).
    ``*_by_id`` run a pinned published version.
    """

    run = call(RUN)
    arun = acall(RUN)
    stream = call_stream(STREAM)
    astream = acall_stream(STREAM)
    run_by_id = call(RUN_BY_ID)
    arun_by_id = acall(RUN_BY_ID)
    stream_by_id = call_stream(STREAM_BY_ID)
    astream_by_id = acall_stream(STREAM_BY_ID)
    stream_events = call_stream(EVENTS)
    astream_events = acall_stream(EVENTS)
    get = call(GET)
    aget = acall(GET)
    stop = call(STOP)
    astop = acall(STOP)

    # ---- resuming ---------------------------------------------------------------------------------------------

    def resume(
        self,
        workflow_run_id: str,
        user: str | None = None,
        option: RequestOption | None = None,
        *,
        include_state_snapshot: bool | None = None,
        continue_on_pause: bool | None = None,
        max_reconnects: int = 3,
    ) -> Stream[ChatEvent]:
        """Follow a run by its id (``workflow_run_id`` of any event, not the task id) until it finishes or pauses,
        through ``GET /workflow/{workflow_run_id}/events``; reconnects up to ``max_reconnects`` times when that
        connection breaks too. ``user`` must be the run's user (default: the Client's ``default_user``).

        Use it after ``workflow_paused`` once the human-input form is submitted, or after a stream broke (the run
        keeps going on the server). Events missed while disconnected are not replayed, except with
        ``include_state_snapshot=True`` (a status summary of the nodes already executed). A finished run gives
        its ``workflow_finished`` event. The answer is a :class:`Stream` like :meth:`stream_events`' (``with``,
        ``close()``, ``status_code``, ``headers``, ``request_id`` of the current connection), typed as
        :data:`ChatEvent`: the events endpoint also replays a chatflow run's message events.
        """
        state = self._state(workflow_run_id, user, include_state_snapshot, continue_on_pause, max_reconnects)
        follower = _Follower(self._transport, EVENTS, state, option)
        try:
            first: Stream[ChatEvent] = follower.open()
        except APIConnectionError:
            again = follower.reopen()  # the events endpoint out of reach: counts as a reconnection
            if again is None:
                raise
            first = again
        return first._resume_with(follower)

    def aresume(
        self,
        workflow_run_id: str,
        user: str | None = None,
        option: RequestOption | None = None,
        *,
        include_state_snapshot: bool | None = None,
        continue_on_pause: bool | None = None,
        max_reconnects: int = 3,
    ) -> AsyncStream[ChatEvent]:
        """Async twin of :meth:`resume`: an :class:`AsyncStream` (``async for``, ``async with``, ``await``)."""
        state = self._state(workflow_run_id, user, include_state_snapshot, continue_on_pause, max_reconnects)
        follower = _Follower(self._transport, EVENTS, state, option)
        return follower.aopen()._resume_with(follower)

    def stream_resumable(
        self,
        request: RunRequest | Builder[Any] | None = None,
        option: RequestOption | None = None,
        *,
        max_reconnects: int = 3,
    ) -> Stream[WorkflowEvent]:
        """:meth:`stream` (or :meth:`stream_by_id` for a ``RunWorkflowByIdRequest``) that survives a broken
        connection: once an event gave the run id (``workflow_started`` does), a dropped or timed-out stream is
        continued through the events endpoint (see :meth:`resume`), up to ``max_reconnects`` times, until
        ``workflow_finished`` or ``workflow_paused``. A stream that breaks before the run id is known raises as
        :meth:`stream` does: the run is never sent twice. A connection that breaks after the final event is
        ignored (nothing was lost). The answer is the same :class:`Stream` throughout (its ``status_code``,
        ``headers`` and ``request_id`` are the current connection's)."""
        prepared = self._prepare_run(request)
        follower = _Follower(self._transport, RUN_EVENTS, self._state(None, prepared.user, None, None, max_reconnects),
                             option)  # fmt: skip
        if isinstance(prepared, RunWorkflowByIdRequest):
            return self.stream_by_id(prepared, option)._resume_with(follower)
        return self.stream(prepared, option)._resume_with(follower)

    def astream_resumable(
        self,
        request: RunRequest | Builder[Any] | None = None,
        option: RequestOption | None = None,
        *,
        max_reconnects: int = 3,
    ) -> AsyncStream[WorkflowEvent]:
        """Async twin of :meth:`stream_resumable`: an :class:`AsyncStream`."""
        prepared = self._prepare_run(request)
        follower = _Follower(self._transport, RUN_EVENTS, self._state(None, prepared.user, None, None, max_reconnects),
                             option)  # fmt: skip
        if isinstance(prepared, RunWorkflowByIdRequest):
            return self.astream_by_id(prepared, option)._resume_with(follower)
        return self.astream(prepared, option)._resume_with(follower)

    # ---- a blocking result over a stream -------------------------------------------------------------------------

    def run_via_stream(
        self,
        request: RunRequest | Builder[Any] | None = None,
        option: RequestOption | None = None,
        *,
        max_reconnects: int = 3,
    ) -> WorkflowRunResponse:
        """Run in streaming mode and return the same :class:`WorkflowRunResponse` as :meth:`run`.

        Cloud gateways cut blocking requests that run long (Cloudflare: 100 s); a stream stays alive with pings and
        is resumed if it breaks (:meth:`stream_resumable`). A paused run gives ``data.status == "paused"``.
        """
        collector = RunCollector()
        for event in self.stream_resumable(request, option, max_reconnects=max_reconnects):
            collector.add(event)
        return collector.result()

    async def arun_via_stream(
        self,
        request: RunRequest | Builder[Any] | None = None,
        option: RequestOption | None = None,
        *,
        max_reconnects: int = 3,
    ) -> WorkflowRunResponse:
        """Async twin of :meth:`run_via_stream`."""
        collector = RunCollector()
        async for event in self.astream_resumable(request, option, max_reconnects=max_reconnects):
            collector.add(event)
        return collector.result()

    # ---- internals ----------------------------------------------------------------------------------------------

    def _prepare_run(self, request: RunRequest | Builder[Any] | None) -> RunRequest:
        by_id = isinstance(request, RunWorkflowByIdRequest | RunWorkflowByIdRequestBuilder)
        endpoint: Endpoint[Any, Any] = STREAM_BY_ID if by_id else STREAM
        prepared = self._transport.prepare(endpoint, request)
        self._transport.encode(endpoint, prepared, None)  # bad input fails here, before anything is sent
        if not isinstance(prepared, RunWorkflowRequest | RunWorkflowByIdRequest):
            raise InvalidRequestError(f"a workflow run takes a RunWorkflowRequest, not {type(prepared).__name__}")
        return prepared

    def _state(
        self, run_id: str | None, user: str | None, snapshot: bool | None, on_pause: bool | None, reconnects: int
    ) -> _FollowState:
        user = user if user is not None else self._transport.config.default_user
        if user is None:
            raise InvalidRequestError("resuming a run needs its user: pass user=... or give the Client a default_user")
        if run_id is not None and not run_id:
            raise InvalidRequestError("workflow_run_id must not be empty")
        return _FollowState(run_id, user, snapshot, on_pause, reconnects)


class _FollowState:
    """What a resuming follower knows: the run id (given, or from the first event carrying it), whether the run
    finished or paused, how many reconnections are left."""

    def __init__(
        self, run_id: str | None, user: str, snapshot: bool | None, on_pause: bool | None, reconnects: int
    ) -> None:
        self.run_id = run_id
        self.user = user
        self.snapshot = snapshot
        self.on_pause = on_pause
        self.left = reconnects
        self.done = False

    def add(self, event: StreamEvent) -> None:
        if self.run_id is None:
            run_id = getattr(event, "workflow_run_id", None)
            self.run_id = run_id if isinstance(run_id, str) and run_id else None
        if event.event == "workflow_finished" or (event.event == "workflow_paused" and not self.on_pause):
            self.done = True

    def can_resume(self) -> bool:
        """Whether a broken stream can be continued (the run id is known, tries are left); counts the try."""
        if self.run_id is None or self.left <= 0:
            return False
        self.left -= 1
        return True

    def request(self) -> WorkflowEventsRequest:
        values: dict[str, Any] = {"workflow_run_id": self.run_id, "user": self.user}
        if self.snapshot is not None:
            values["include_state_snapshot"] = self.snapshot
        if self.on_pause is not None:
            values["continue_on_pause"] = self.on_pause
        return WorkflowEventsRequest.model_validate(values)


class _Follower:
    """The :class:`~dify_oapi.core.streaming.Resumer` of a workflow run: continues a broken stream through the events
    endpoint (``endpoint``: ``EVENTS``, or ``RUN_EVENTS`` for a run's own stream) while reconnections are left."""

    def __init__(
        self, transport: Transport, endpoint: Endpoint[WorkflowEventsRequest, Any], state: _FollowState,
        option: RequestOption | None,
    ) -> None:  # fmt: skip
        self._transport = transport
        self._endpoint = endpoint
        self._state = state
        self._option = option
        # The call's deadline (RequestOption.deadline, else the Client's) bounds the whole stream, reconnections
        # included (made just before the first send)
        deadline = option.deadline if option is not None and option.deadline else transport.config.deadline
        self._deadline_at = time.monotonic() + deadline if deadline else None

    def _option_left(self) -> RequestOption | None:
        """The option of a reconnection: its deadline is what is left of the call's (None: none left)."""
        if self._deadline_at is None:
            return self._option
        left = self._deadline_at - time.monotonic()
        if left <= 0:
            return None
        return (self._option or RequestOption()).model_copy(update={"deadline": left})

    def seen(self, event: Any) -> None:
        self._state.add(event)

    def finished(self) -> bool:
        return self._state.done

    def open(self, option: RequestOption | None = None) -> Stream[Any]:
        """A new stream of the run's events (sent now)."""
        endpoint, request, option = self._endpoint, self._state.request(), option or self._option
        return Stream[Any](self._transport.send(endpoint, request, option), endpoint, self._transport)

    def aopen(self, option: RequestOption | None = None) -> AsyncStream[Any]:
        """A new async stream of the run's events (sent when first used; bad input fails here)."""
        endpoint, request, transport = self._endpoint, self._state.request(), self._transport
        option = option or self._option
        transport.encode(endpoint, request, option)
        return AsyncStream[Any](lambda: transport.asend(endpoint, request, option), endpoint, transport)

    def reopen(self) -> Stream[Any] | None:
        failed: APIConnectionError | None = None
        while self._state.can_resume():
            option = self._option_left()
            if self._deadline_at is not None and option is None:
                break  # the deadline passed: the last error is raised
            try:
                return self.open(option)
            except APIConnectionError as exc:  # the events endpoint is out of reach too: counts as a try
                failed = exc
        if failed is not None:
            raise failed
        return None

    async def areopen(self) -> AsyncStream[Any] | None:
        failed: APIConnectionError | None = None
        while self._state.can_resume():
            option = self._option_left()
            if self._deadline_at is not None and option is None:
                break
            try:
                return await self.aopen(option).open()
            except APIConnectionError as exc:
                failed = exc
        if failed is not None:
            raise failed
        return None
