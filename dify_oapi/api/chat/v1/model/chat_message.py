"""Chat messages: send one (blocking or streaming), stop a streaming answer, get suggested follow-up questions,
and collect a stream into the blocking answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Generic, Self, TypeVar

from .....core.builder import Builder, Setter
from .....core.model import APP_INPUTS, Field, Path, Query, Request, Response, Timestamp, User
from ....dify.v1.model.shared import InputFile, MessageMetadata
from .event import (
    AgentMessageEvent,
    ChatStreamEvent,
    MessageEndEvent,
    MessageEvent,
    MessageReplaceEvent,
)

if TYPE_CHECKING:
    from .event import ChatEvent

__all__ = [
    "AnswerCollector",
    "ChatEvent",
    "ChatMessageRequest",
    "ChatMessageRequestBuilder",
    "ChatMessageResponse",
    "ChatStreamEvent",
    "MessageEndEvent",
    "MessageEvent",
    "StopMessageRequest",
    "StopMessageRequestBuilder",
    "SuggestedQuestions",
    "SuggestedQuestionsRequest",
    "SuggestedQuestionsRequestBuilder",
]


class ChatMessageRequest(Request):
    """Send a message to a chat, agent or chatflow app.

    ``query`` the user's message; ``inputs`` the app's variables (always sent, ``{}`` by default); ``user`` the end
    user (or the Client's ``default_user``); ``conversation_id`` to continue a conversation; ``files`` uploaded or
    remote files; ``auto_generate_name`` to title a new conversation; ``workflow_id`` a published chatflow version.
    """

    query: str
    inputs: Annotated[dict[str, Any], APP_INPUTS] = {}
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
    """The whole answer. ``mode``: ``chat``, ``agent-chat`` or ``advanced-chat`` (chatflow)."""

    event: str | None = None
    task_id: str | None = None
    id: str | None = None
    message_id: str | None = None
    conversation_id: str | None = None
    mode: str | None = None
    answer: str = ""
    metadata: MessageMetadata = Field(default_factory=MessageMetadata)
    created_at: Timestamp | None = None


class StopMessageRequest(Request):
    """Stop a streaming answer: ``task_id`` from any of its events, ``user`` the same end user that asked. The server
    answers success even when the task is finished or the user differs (then nothing stops)."""

    task_id: Annotated[str, Path()]
    user: Annotated[str, User()]

    @staticmethod
    def builder() -> StopMessageRequestBuilder:
        return StopMessageRequestBuilder()


class StopMessageRequestBuilder(Builder[StopMessageRequest]):
    task_id: Setter[Self, str]
    user: Setter[Self, str]


class SuggestedQuestionsRequest(Request):
    """``GET /messages/{message_id}/suggested``: follow-up questions for an answer (the app must enable them, else
    the server answers 400 ``bad_request``)."""

    message_id: Annotated[str, Path()]
    user: Annotated[str, User(), Query()]

    @staticmethod
    def builder() -> SuggestedQuestionsRequestBuilder:
        return SuggestedQuestionsRequestBuilder()


class SuggestedQuestionsRequestBuilder(Builder[SuggestedQuestionsRequest]):
    message_id: Setter[Self, str]
    user: Setter[Self, str]


class SuggestedQuestions(Response):
    """The suggested questions, in ``data``."""

    result: str | None = None
    data: list[str] = []


# ---- a stream collected into the blocking answer ----------------------------------------------------------------

RespT = TypeVar("RespT", bound=Response)

_WORKFLOW_EVENTS = frozenset({"workflow_started", "workflow_finished", "node_started", "node_finished"})
_AGENT_EVENTS = frozenset({"agent_message", "agent_thought"})
_FINAL_EVENTS = frozenset({"message_end", "workflow_paused", "workflow_finished"})


class AnswerCollector(Generic[RespT]):
    """Builds the blocking answer (``ChatMessageResponse`` or ``CompletionMessageResponse``) from stream events.

    Feed it every event with :meth:`add` (for instance while printing the chunks), then call :meth:`result`::

        collector = AnswerCollector(ChatMessageResponse)
        for event in client.chat.v1.message.stream(req):
            collector.add(event)
        answer = collector.result()

    The answer joins the ``message`` and ``agent_message`` chunks in order; ``message_replace`` replaces the answer
    so far; a ``message`` that follows ``agent_message`` chunks (New Agent apps) is the complete answer and replaces
    them. ``metadata`` and ``id`` come from ``message_end``; ids and ``created_at`` from the first event carrying
    them. ``mode`` is given (``"completion"``) or inferred: ``advanced-chat`` when workflow events were seen,
    ``chat`` for plain message chunks, unset for agent apps. A chatflow that paused for human input (no
    ``message_end``) gives ``event="workflow_paused"`` and the answer so far.
    """

    def __init__(self, response: type[RespT], mode: str | None = None) -> None:
        self._response = response
        self._mode = mode
        self._parts: list[str] = []
        self._after_agent = False
        self._seen: set[str] = set()
        self._ids: dict[str, Any] = {}
        self._id: str | None = None
        self._metadata: MessageMetadata | None = None

    def add(self, event: object) -> None:
        """Take one stream event into account (events of any type may be given)."""
        name = getattr(event, "event", "")
        if not isinstance(name, str):
            return
        self._seen.add(name)
        for key in ("task_id", "message_id", "conversation_id", "created_at"):
            value = getattr(event, key, None)
            if value is not None and key not in self._ids:
                self._ids[key] = value
        if isinstance(event, MessageEvent):
            if self._after_agent:
                self._parts = [event.answer]
                self._after_agent = False
            else:
                self._parts.append(event.answer)
            self._id = self._id or event.id
        elif isinstance(event, AgentMessageEvent):
            self._parts.append(event.answer)
            self._after_agent = True
            self._id = self._id or event.id
        elif isinstance(event, MessageReplaceEvent):
            self._parts = [event.answer]
            self._after_agent = False
        elif isinstance(event, MessageEndEvent):
            self._metadata = event.metadata
            self._id = event.id or self._id

    @property
    def answer(self) -> str:
        """The answer so far."""
        return "".join(self._parts)

    @property
    def complete(self) -> bool:
        """Whether the answer is final: ``message_end`` came (for a chatflow it comes before ``workflow_finished``,
        which adds nothing to the answer), or the run paused (``workflow_paused``) or finished. A connection lost
        after this point loses nothing: ``create_via_stream`` returns the answer instead of raising."""
        return bool(self._seen & _FINAL_EVENTS)

    def result(self) -> RespT:
        """The answer as the blocking call returns it."""
        paused = "message_end" not in self._seen and "workflow_paused" in self._seen
        mode = self._mode
        if mode is None and self._seen & _WORKFLOW_EVENTS:
            mode = "advanced-chat"
        elif mode is None and not self._seen & _AGENT_EVENTS and "message" in self._seen:
            mode = "chat"
        message_id = self._ids.get("message_id")
        values: dict[str, Any] = {
            "event": "workflow_paused" if paused else "message",
            "task_id": self._ids.get("task_id"),
            "id": self._id or message_id,
            "message_id": message_id,
            "conversation_id": self._ids.get("conversation_id"),
            "mode": mode,
            "answer": self.answer,
            "metadata": self._metadata,
            "created_at": self._ids.get("created_at"),
        }
        return self._response.model_validate({k: v for k, v in values.items() if v is not None})


def __getattr__(name: str) -> Any:
    if name == "ChatEvent":  # imported on first use (see .event)
        from . import event

        return event.ChatEvent
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
