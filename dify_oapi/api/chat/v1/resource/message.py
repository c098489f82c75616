"""``client.chat.v1.message``: send chat messages, blocking or streaming."""

from __future__ import annotations

from .....core.endpoint import Endpoint
from .....core.events import StreamEvent
from .....core.resource import Resource, acall, acall_stream, call, call_stream
from ..model.chat_message import ChatEvent, ChatMessageRequest, ChatMessageResponse

CREATE = Endpoint(
    "POST", "/chat-messages", ChatMessageRequest, ChatMessageResponse, fixed={"response_mode": "blocking"},
    summary="Send a message and wait for the whole answer.",
)  # fmt: skip
STREAM = Endpoint(
    "POST", "/chat-messages", ChatMessageRequest, StreamEvent, kind="stream", parse_as=ChatEvent,
    fixed={"response_mode": "streaming"}, terminal=frozenset({"message_end", "workflow_finished"}),
    summary="Send a message and stream the answer as typed events.",
)  # fmt: skip


class Message(Resource):
    create = call(CREATE)
    acreate = acall(CREATE)
    stream = call_stream(STREAM)
    astream = acall_stream(STREAM)
