"""``client.chat.v1.message``: send chat messages (blocking, streaming, or streamed and collected), stop a streaming
answer, get suggested follow-up questions."""

from __future__ import annotations

from typing import Any

from .....core.builder import Builder
from .....core.endpoint import Endpoint
from .....core.events import StreamEvent
from .....core.model import SimpleResult
from .....core.option import RequestOption
from .....core.resource import Resource, acall, acall_stream, call, call_stream
from ..model.chat_message import (
    AnswerCollector,
    ChatEvent,
    ChatMessageRequest,
    ChatMessageResponse,
    StopMessageRequest,
    SuggestedQuestions,
    SuggestedQuestionsRequest,
)

__all__ = ["CREATE", "STOP", "STREAM", "SUGGESTED", "Message"]

CREATE = Endpoint(
    "POST", "/chat-messages", ChatMessageRequest, ChatMessageResponse, fixed={"response_mode": "blocking"},
    summary="Send a message and wait for the whole answer.",
)  # fmt: skip
STREAM = Endpoint(
    "POST", "/chat-messages", ChatMessageRequest, StreamEvent, kind="stream", parse_as=ChatEvent,
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

    def create_via_stream(
        self, request: ChatMessageRequest | Builder[Any] | None = None, option: RequestOption | None = None
    ) -> ChatMessageResponse:
        """Send a message in streaming mode and return the same ``ChatMessageResponse`` as :meth:`create`.

        For apps that only stream (Agent apps answer a blocking request with 400) and for long answers that a proxy
        would cut in blocking mode. See :class:`AnswerCollector` for how the answer is assembled.
        """
        collector = AnswerCollector(ChatMessageResponse)
        with self.stream(request, option) as events:
            for event in events:
                collector.add(event)
        return collector.result()

    async def acreate_via_stream(
        self, request: ChatMessageRequest | Builder[Any] | None = None, option: RequestOption | None = None
    ) -> ChatMessageResponse:
        """Async twin of :meth:`create_via_stream`."""
        collector = AnswerCollector(ChatMessageResponse)
        async with self.astream(request, option) as events:
            async for event in events:
                collector.add(event)
        return collector.result()
