"""Completion messages of a text generator app: ``POST /completion-messages`` (blocking or streaming) and stopping a
streaming answer. The stream events are the chat message events (a subset: no conversation)."""

from __future__ import annotations

from typing import Annotated, Any, Self

from .....core.builder import Builder, Setter
from .....core.model import APP_INPUTS, Field, Request, Response, Timestamp, User
from ....chat.v1.model.chat_message import AnswerCollector, StopMessageRequest, StopMessageRequestBuilder
from ....chat.v1.model.event import (
    CompletionEvent,
    MessageEndEvent,
    MessageEvent,
    MessageFileEvent,
    MessageReplaceEvent,
)
from ....dify.v1.model.shared import InputFile, MessageMetadata

__all__ = [
    "AnswerCollector",
    "CompletionEvent",
    "CompletionMessageRequest",
    "CompletionMessageRequestBuilder",
    "CompletionMessageResponse",
    "MessageEndEvent",
    "MessageEvent",
    "MessageFileEvent",
    "MessageReplaceEvent",
    "StopMessageRequest",
    "StopMessageRequestBuilder",
]


class CompletionMessageRequest(Request):
    """Ask a text generator app for a completion.

    ``inputs`` the app's variables (always sent, ``{}`` by default; newer apps take the text here); ``query`` the
    legacy text field; ``user`` the end user (or the Client's ``default_user``); ``files`` uploaded or remote files.
    """

    inputs: Annotated[dict[str, Any], APP_INPUTS] = {}
    query: str | None = None
    user: Annotated[str, User()]
    files: list[InputFile] | None = None

    @staticmethod
    def builder() -> CompletionMessageRequestBuilder:
        return CompletionMessageRequestBuilder()


class CompletionMessageRequestBuilder(Builder[CompletionMessageRequest]):
    inputs: Setter[Self, dict[str, Any]]
    query: Setter[Self, str | None]
    user: Setter[Self, str]
    files: Setter[Self, list[InputFile] | None]


class CompletionMessageResponse(Response):
    """The whole completion (``mode`` is ``completion``)."""

    event: str | None = None
    task_id: str | None = None
    id: str | None = None
    message_id: str | None = None
    mode: str | None = None
    answer: str = ""
    metadata: MessageMetadata = Field(default_factory=MessageMetadata)
    created_at: Timestamp | None = None
