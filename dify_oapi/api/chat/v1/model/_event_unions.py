"""The event unions of chat and completion streams (their own module: they take in every workflow event class, so
:mod:`.event` imports this on first use of one of them)."""

from __future__ import annotations

from typing import TypeAlias

from .....core.events import StreamEvent, event_models
from ....workflow.v1.model.event import TtsMessageEndEvent, TtsMessageEvent, WorkflowEvent
from .event import (
    AgentMessageEvent,
    AgentThoughtEvent,
    MessageEndEvent,
    MessageEvent,
    MessageFileEvent,
    MessageReplaceEvent,
)

__all__ = ["CHAT_EVENT_MODELS", "COMPLETION_EVENT_MODELS", "ChatEvent", "CompletionEvent"]

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
