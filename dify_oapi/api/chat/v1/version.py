"""``client.chat.v1``: one cached property per resource, and chat sessions (:mod:`.session`)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ....core.service import Version

if TYPE_CHECKING:  # resources are imported on first use
    from ....core.option import RequestOption
    from .resource.conversation import Conversation
    from .resource.message import Message
    from .session import AsyncChatSession, ChatSession

__all__ = ["V1"]


class V1(Version):
    @cached_property
    def message(self) -> Message:
        from .resource.message import Message

        return Message(self._transport)

    @cached_property
    def conversation(self) -> Conversation:
        from .resource.conversation import Conversation

        return Conversation(self._transport)

    def session(
        self,
        user: str | None = None,
        inputs: Mapping[str, Any] | None = None,
        *,
        conversation_id: str | None = None,
        streaming_only: bool = False,
        option: RequestOption | None = None,
    ) -> ChatSession:
        """A :class:`~dify_oapi.api.chat.v1.session.ChatSession`: send and stream messages in one conversation
        (kept for you), read its history, rename or delete it. ``user`` defaults to the Client's ``default_user``;
        ``conversation_id`` resumes a conversation; ``streaming_only=True`` for agent apps (which only stream)."""
        from .session import ChatSession

        return ChatSession(
            self.message, self.conversation, user=user, default_user=self._transport.config.default_user,
            inputs=inputs, conversation_id=conversation_id, streaming_only=streaming_only, option=option,
        )  # fmt: skip

    def asession(
        self,
        user: str | None = None,
        inputs: Mapping[str, Any] | None = None,
        *,
        conversation_id: str | None = None,
        streaming_only: bool = False,
        option: RequestOption | None = None,
    ) -> AsyncChatSession:
        """Async twin of :meth:`session`: ``await session.send(...)``, ``async for event in session.stream(...)``."""
        from .session import AsyncChatSession

        return AsyncChatSession(
            self.message, self.conversation, user=user, default_user=self._transport.config.default_user,
            inputs=inputs, conversation_id=conversation_id, streaming_only=streaming_only, option=option,
        )  # fmt: skip
