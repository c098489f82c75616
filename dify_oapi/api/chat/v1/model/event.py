"""Stream events of chat and completion messages (``POST /chat-messages``, ``POST /completion-messages``).

One model per event payload. A chatflow (advanced-chat) app also streams the workflow, node, iteration, loop,
human-input, text/reasoning chunk, TTS and agent-log events of :mod:`dify_oapi.api.workflow.v1.model.event`; the
chat union includes them. A completion app sends a subset. Unknown events arrive as ``StreamEvent``.
"""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

from .....core.events import StreamEvent, event_models
from .....core.model import Timestamp
from ....dify.v1.model.shared import MessageMetadata
from ....workflow.v1.model.event import TtsMessageEndEvent, TtsMessageEvent, WorkflowEvent

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
    metadata: MessageMetadata = MessageMetadata()
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

ChatEvent: TypeAlias = (
    MessageEvent
    | AgentMessageEvent
    | AgentThoughtEvent
    | MessageFileEvent
    | MessageEndEvent
    | MessageReplaceEvent
    | WorkflowEvent
)
"""Every chat stream event (``client.chat.v1.message.stream`` yields these): the message events, the workflow-side
events of chatflow apps, and ``StreamEvent`` for an event this SDK does not know yet. Both the static type and the
runtime parser."""

CompletionEvent: TypeAlias = (
    MessageEvent | MessageFileEvent | MessageEndEvent | MessageReplaceEvent | TtsMessageEvent | TtsMessageEndEvent
    | StreamEvent
)  # fmt: skip
"""Every completion stream event (``client.completion.v1.message.stream`` yields these): message chunks, files,
replace, end, TTS audio, and ``StreamEvent`` for an unknown event."""

CHAT_EVENT_MODELS: tuple[type[StreamEvent], ...] = event_models(ChatEvent)
"""Every event model of a chat stream: message events, then the workflow-side events of chatflow apps."""

COMPLETION_EVENT_MODELS: tuple[type[StreamEvent], ...] = event_models(CompletionEvent)
"""The event models of a completion stream: message chunks, files, replace, end, and TTS audio."""
