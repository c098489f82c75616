"""``client.chat.v1``: one cached property per resource."""

from __future__ import annotations

from functools import cached_property

from ....core.service import Version
from .resource.conversation import Conversation
from .resource.message import Message

__all__ = ["V1"]


class V1(Version):
    @cached_property
    def message(self) -> Message:
        return Message(self._transport)

    @cached_property
    def conversation(self) -> Conversation:
        return Conversation(self._transport)
