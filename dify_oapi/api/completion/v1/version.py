"""``client.completion.v1``: one cached property per resource."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from ....core.service import Version

if TYPE_CHECKING:  # resources are imported on first use
    from .resource.message import Message

__all__ = ["V1"]


class V1(Version):
    @cached_property
    def message(self) -> Message:
        from .resource.message import Message

        return Message(self._transport)
