"""Chat messages: ``POST /chat-messages``, blocking or streaming."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from .....core.builder import Builder, Setter
from .....core.events import StreamEvent, event_union
from .....core.model import ALWAYS, Request, Response, Timestamp, User
from ....dify.v1.model.shared import InputFile, MessageMetadata

__all__ = [
    "ChatEvent",
    "ChatMessageRequest",
    "ChatMessageRequestBuilder",
    "ChatMessageResponse",
    "MessageEndEvent",
    "MessageEvent",
]


class ChatMessageRequest(Request):
    """Send a message to a chat, agent or chatflow app.

    ``query`` the user's message; ``inputs`` the app's variables (always sent, ``{}`` by default); ``user`` the end
    user (or the Client's ``default_user``); ``conversation_id`` to continue a conversation; ``files`` uploaded or
    remote files; ``auto_generate_name`` to title a new conversation; ``workflow_id`` a published chatflow version.
    """

    query: str
    inputs: Annotated[dict[str, Any], ALWAYS] = {}
    user: Annotated[str, User()]
    conversation_id: str | None = None
    files: list[InputFile] | None = None
    auto_generate_name: bool | None = None
    workflow_id: str | None = None

    @staticmethod
    def builder() -> ChatMessageRequestBuilder:
        return ChatMessageRequestBuilder()


class ChatMessageRequestBuilder(Builder[ChatMessageRequest]):
    query: Setter[Self, str]
    inputs: Setter[Self, dict[str, Any]]
    user: Setter[Self, str]
    conversation_id: Setter[Self, str | None]
    files: Setter[Self, list[InputFile] | None]
    auto_generate_name: Setter[Self, bool | None]
    workflow_id: Setter[Self, str | None]


class ChatMessageResponse(Response):
    """A blocking answer."""

    event: str | None = None
    task_id: str | None = None
    id: str | None = None
    message_id: str | None = None
    conversation_id: str | None = None
    mode: str | None = None
    answer: str = ""
    metadata: MessageMetadata = MessageMetadata()
    created_at: Timestamp | None = None


class ChatStreamEvent(StreamEvent):
    """Fields every chat event carries."""

    task_id: str | None = None
    message_id: str | None = None
    conversation_id: str | None = None
    created_at: Timestamp | None = None


class MessageEvent(ChatStreamEvent):
    """A chunk of the answer."""

    event: Literal["message"] = "message"
    id: str | None = None
    answer: str = ""


class MessageEndEvent(ChatStreamEvent):
    """The answer is complete: usage and cited resources."""

    event: Literal["message_end"] = "message_end"
    id: str | None = None
    metadata: MessageMetadata = MessageMetadata()


ChatEvent = event_union(MessageEvent, MessageEndEvent)
"""Every chat stream event; unknown ones arrive as ``StreamEvent``."""
__all__ += ["ChatStreamEvent"]
