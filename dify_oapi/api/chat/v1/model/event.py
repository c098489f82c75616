"""Stream events of chat and completion messages (``POST /chat-messages``, ``POST /completion-messages``).

One model per event payload. A chatflow (advanced-chat) app also streams the workflow, node, iteration, loop,
human-input, text/reasoning chunk, TTS and agent-log events of :mod:`dify_oapi.api.workflow.v1.model.event`; the
chat union includes them. A completion app sends a subset. Unknown events arrive as ``StreamEvent``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from .....core.events import StreamEvent
from .....core.model import Field, Timestamp
from ....dify.v1.model.shared import MessageMetadata

__all__ = [
    "CHAT_EVENT_MODELS",
    "COMPLETION_EVENT_MODELS",
    "MESSAGE_EVENT_MODELS",
    "AgentMessageEvent",
    "AgentThoughtEvent",
    "ChatEvent",
    "ChatStreamEvent",
    "CompletionEvent",
    "MessageEndEvent",
    "MessageEvent",
    "MessageFileEvent",
    "MessageReplaceEvent",
]


class ChatStreamEvent(StreamEvent):
    """Fields every message event carries (``conversation_id`` is absent from completion streams)."""

    task_id: str | None = None
    message_id: str | None = None
    conversation_id: str | None = None
    created_at: Timestamp | None = None


class MessageEvent(ChatStreamEvent):
    """A chunk of the answer (concatenate in order). A New Agent app ends with one ``message`` holding the whole
    answer after its ``agent_message`` chunks."""

    event: Literal["message"] = "message"
    id: str | None = None
    answer: str = ""
    from_variable_selector: list[str] | None = None


class AgentMessageEvent(ChatStreamEvent):
    """A chunk of an agent's answer (concatenate in order)."""

    event: Literal["agent_message"] = "agent_message"
    id: str | None = None
    answer: str = ""


class AgentThoughtEvent(ChatStreamEvent):
    """One reasoning or tool-call step of an agent. ``tool_input`` is a JSON string; ``message_files`` file ids."""

    event: Literal["agent_thought"] = "agent_thought"
    id: str | None = None
    position: int | None = None
    thought: str | None = None
    observation: str | None = None
    tool: str | None = None
    tool_labels: dict[str, Any] | None = None
    tool_input: str | None = None
    message_files: list[str] = []


class MessageFileEvent(ChatStreamEvent):
    """The assistant returned a file (``belongs_to`` is ``assistant``)."""

    event: Literal["message_file"] = "message_file"
    id: str | None = None
    type: str | None = None
    belongs_to: str | None = None
    url: str | None = None


class MessageEndEvent(ChatStreamEvent):
    """The answer is complete: usage, cited knowledge, annotation reply."""

    event: Literal["message_end"] = "message_end"
    id: str | None = None
    metadata: MessageMetadata = Field(default_factory=MessageMetadata)
    files: list[Any] | None = None


class MessageReplaceEvent(ChatStreamEvent):
    """Output moderation replaced the whole answer so far with ``answer``."""

    event: Literal["message_replace"] = "message_replace"
    answer: str = ""
    reason: str | None = None


MESSAGE_EVENT_MODELS: tuple[type[StreamEvent], ...] = (
    MessageEvent,
    AgentMessageEvent,
    AgentThoughtEvent,
    MessageFileEvent,
    MessageEndEvent,
    MessageReplaceEvent,
)
"""The message events defined here (chat and completion)."""

if TYPE_CHECKING:
    from ._event_unions import CHAT_EVENT_MODELS, COMPLETION_EVENT_MODELS, ChatEvent, CompletionEvent


def __getattr__(name: str) -> Any:
    """``ChatEvent``, ``CompletionEvent`` and their model tuples (:mod:`._event_unions`), imported on first use: they
    take in every workflow event class, which a chat call does not need until a chat stream parses its first event."""
    if name not in ("ChatEvent", "CompletionEvent", "CHAT_EVENT_MODELS", "COMPLETION_EVENT_MODELS"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import _event_unions

    value = getattr(_event_unions, name)
    globals()[name] = value
    return value
