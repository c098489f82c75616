"""``client.chat.v1.message``: send chat messages (blocking, streaming, or streamed and collected), stop a streaming
answer, get suggested follow-up questions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .....core.endpoint import Endpoint
from .....core.events import LazyType, StreamEvent
from .....core.model import SimpleResult
from .....core.resource import Resource, acall, acall_collect, acall_stream, call, call_collect, call_stream
from ..model.chat_message import (
    AnswerCollector,
    ChatMessageRequest,
    ChatMessageResponse,
    StopMessageRequest,
    SuggestedQuestions,
    SuggestedQuestionsRequest,
)

if TYPE_CHECKING:
    from ..model.event import ChatEvent

__all__ = ["CREATE", "STOP", "STREAM", "SUGGESTED", "Message"]

CREATE = Endpoint(
    "POST", "/chat-messages", ChatMessageRequest, ChatMessageResponse, fixed={"response_mode": "blocking"},
    summary="Send a message and wait for the whole answer.",
)  # fmt: skip
STREAM: Endpoint[ChatMessageRequest, ChatEvent] = Endpoint(
    "POST", "/chat-messages", ChatMessageRequest, StreamEvent, kind="stream",
    parse_as=LazyType("dify_oapi.api.chat.v1.model.event", "ChatEvent"),  # its workflow events on the first stream
    fixed={"response_mode": "streaming"},
    terminal=frozenset({"message_end", "workflow_finished", "workflow_paused"}),
    summary="Send a message and stream the answer as typed events.",
)  # fmt: skip
STOP = Endpoint(
    "POST", "/chat-messages/{task_id}/stop", StopMessageRequest, SimpleResult, retry_safe=True,
    summary="Stop a streaming answer.",
)  # fmt: skip
SUGGESTED = Endpoint(
    "GET", "/messages/{message_id}/suggested", SuggestedQuestionsRequest, SuggestedQuestions,
    summary="Suggested follow-up questions for an answer.",
)  # fmt: skip


class Message(Resource):
    """Chat messages of a chat, agent or chatflow app."""

    create = call(CREATE)
    acreate = acall(CREATE)
    stream = call_stream(STREAM)
    astream = acall_stream(STREAM)
    stop = call(STOP)
    astop = acall(STOP)
    suggested = call(SUGGESTED)
    asuggested = acall(SUGGESTED)

    # Streamed on the wire, returned like ``create``: see AnswerCollector for how the answer is assembled.
    create_via_stream = call_collect(STREAM, lambda: AnswerCollector(ChatMessageResponse))
    acreate_via_stream = acall_collect(STREAM, lambda: AnswerCollector(ChatMessageResponse))
