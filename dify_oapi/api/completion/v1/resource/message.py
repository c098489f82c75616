"""``client.completion.v1.message``: completions of a text generator app (blocking, streaming, or streamed and
collected) and stopping a streaming answer."""

from __future__ import annotations

from .....core.endpoint import Endpoint
from .....core.events import StreamEvent
from .....core.model import SimpleResult
from .....core.resource import Resource, acall, acall_collect, acall_stream, call, call_collect, call_stream
from ..model.completion_message import (
    AnswerCollector,
    CompletionEvent,
    CompletionMessageRequest,
    CompletionMessageResponse,
    StopMessageRequest,
)

__all__ = ["CREATE", "STOP", "STREAM", "Message"]

CREATE = Endpoint(
    "POST", "/completion-messages", CompletionMessageRequest, CompletionMessageResponse,
    fixed={"response_mode": "blocking"}, summary="Ask for a completion and wait for the whole text.",
)  # fmt: skip
STREAM: Endpoint[CompletionMessageRequest, CompletionEvent] = Endpoint(
    "POST", "/completion-messages", CompletionMessageRequest, StreamEvent, kind="stream", parse_as=CompletionEvent,
    fixed={"response_mode": "streaming"}, terminal=frozenset({"message_end"}),
    summary="Ask for a completion and stream it as typed events.",
)  # fmt: skip
STOP = Endpoint(
    "POST", "/completion-messages/{task_id}/stop", StopMessageRequest, SimpleResult, retry_safe=True,
    summary="Stop a streaming completion.",
)  # fmt: skip


class Message(Resource):
    """Completion messages of a text generator app."""

    create = call(CREATE)
    acreate = acall(CREATE)
    stream = call_stream(STREAM)
    astream = acall_stream(STREAM)
    stop = call(STOP)
    astop = acall(STOP)

    # Streamed on the wire, returned like ``create``: see AnswerCollector for how the answer is assembled.
    create_via_stream = call_collect(STREAM, lambda: AnswerCollector(CompletionMessageResponse, mode="completion"))
    acreate_via_stream = acall_collect(STREAM, lambda: AnswerCollector(CompletionMessageResponse, mode="completion"))
