"""``client.completion.v1``: one cached property per resource."""

from __future__ import annotations

from functools import cached_property

from ....core.service import Version
from .resource.message import Message

__all__ = ["V1"]


class V1(Version):
    @cached_property
    def message(self) -> Message:
        return Message(self._transport)
