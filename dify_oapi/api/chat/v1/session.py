"""Chat sessions: one end user's conversation with a chat, agent or chatflow app, without carrying
``conversation_id`` by hand.

::

    session = client.chat.v1.session(user="u-42", inputs={"name": "Ada"})
    answer = session.send("Hello")                 # starts the conversation, keeps its id
    for event in session.stream("And then?"):      # same conversation, streamed
        ...
    session.history()                              # every message, oldest first
    session.rename("Greetings"); session.delete()

``client.chat.v1.asession(...)`` is the async twin (``await session.send(...)``, ``async for e in
session.stream(...)``). Give ``conversation_id=`` to resume a conversation. Agent apps answer only streams: pass
``streaming_only=True`` and ``send`` streams and collects the answer (``message.create_via_stream``).

Built on ``client.chat.v1.message`` and ``client.chat.v1.conversation``: every call goes through their methods.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from ....core.errors import InvalidRequestError
from ....core.events import StreamEvent
from ....core.model import SimpleResult
from ....core.option import RequestOption
from ....core.streaming import AsyncStream, Stream
from ...dify.v1.model.shared import InputFile
from .model.chat_message import ChatMessageRequest, ChatMessageResponse
from .model.conversation import (
    Conversation,
    ConversationMessage,
    DeleteConversationRequest,
    ListMessagesRequest,
    RenameConversationRequest,
)

if TYPE_CHECKING:
    from .resource.conversation import Conversation as ConversationResource
    from .resource.message import Message

__all__ = ["AsyncChatSession", "AsyncSessionStream", "ChatSession", "SessionStream"]

_HISTORY_PAGE = 100


class _SessionBase:
    """What both sessions share: the end user, the inputs, the conversation id, and building the requests."""

    def __init__(
        self,
        message: Message,
        conversation: ConversationResource,
        *,
        user: str | None,
        default_user: str | None,
        inputs: Mapping[str, Any] | None,
        conversation_id: str | None,
        streaming_only: bool,
        option: RequestOption | None,
    ) -> None:
        who = user if user is not None else default_user
        if not who:
            raise InvalidRequestError("a chat session needs an end user: give user=..., or a Client default_user")
        self.user: str = who
        self.inputs: dict[str, Any] = dict(inputs or {})
        self.conversation_id: str | None = conversation_id or None
        self.streaming_only = streaming_only
        self.option = option
        self._message = message
        self._conversation = conversation

    def _ask(
        self, query: str, files: Sequence[InputFile] | None, inputs: Mapping[str, Any] | None
    ) -> ChatMessageRequest:
        builder = ChatMessageRequest.builder().query(query).user(self.user).inputs({**self.inputs, **(inputs or {})})
        if self.conversation_id is not None:
            builder = builder.conversation_id(self.conversation_id)
        if files:
            builder = builder.files(list(files))
        return builder.build()

    def _keep(self, item: object) -> None:
        """Take the conversation id of an answer or an event (the first one seen starts the session's conversation)."""
        if self.conversation_id is None:
            cid = getattr(item, "conversation_id", None)
            if isinstance(cid, str) and cid:
                self.conversation_id = cid

    def _require_conversation(self, what: str) -> str:
        if self.conversation_id is None:
            raise InvalidRequestError(f"cannot {what}: this session has no conversation yet (send a message first)")
        return self.conversation_id

    def _history_request(self, cid: str) -> ListMessagesRequest:
        return ListMessagesRequest.builder().conversation_id(cid).user(self.user).limit(_HISTORY_PAGE).build()

    def _rename_request(self, name: str | None, auto_generate: bool) -> RenameConversationRequest:
        builder = RenameConversationRequest.builder().conversation_id(self._require_conversation("rename"))
        builder = builder.user(self.user)
        if name is not None:
            builder = builder.name(name)
        if auto_generate:
            builder = builder.auto_generate(True)
        return builder.build()

    def _delete_request(self) -> DeleteConversationRequest:
        cid = self._require_conversation("delete")
        return DeleteConversationRequest.builder().conversation_id(cid).user(self.user).build()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(user={self.user!r}, conversation_id={self.conversation_id!r})"


class SessionStream:
    """The events of one streamed answer of a :class:`ChatSession` (a :class:`~dify_oapi.core.streaming.Stream`
    that also hands the conversation id to its session, as soon as an event carries it, even if the caller stops
    early). Iterate it, use it with ``with``, or ``close()`` it."""

    def __init__(self, stream: Stream[StreamEvent], session: _SessionBase) -> None:
        self._stream = stream
        self._session = session

    @property
    def stream(self) -> Stream[StreamEvent]:
        """The underlying typed stream (``request_id``, ``headers``...)."""
        return self._stream

    def __iter__(self) -> Iterator[StreamEvent]:
        return self

    def __next__(self) -> StreamEvent:
        event = next(self._stream)
        self._session._keep(event)
        return event

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class AsyncSessionStream:
    """Async twin of :class:`SessionStream` (``async for event in session.stream(...)``, ``async with``)."""

    def __init__(self, stream: AsyncStream[StreamEvent], session: _SessionBase) -> None:
        self._stream = stream
        self._session = session

    @property
    def stream(self) -> AsyncStream[StreamEvent]:
        return self._stream

    def __aiter__(self) -> AsyncIterator[StreamEvent]:
        return self

    async def __anext__(self) -> StreamEvent:
        event = await self._stream.__anext__()
        self._session._keep(event)
        return event

    async def close(self) -> None:
        await self._stream.close()

    async def __aenter__(self) -> Self:
        await self._stream.open()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


class ChatSession(_SessionBase):
    """One end user's conversation with a chat, agent or chatflow app (see the module docstring).

    ``user`` the end user (default: the Client's ``default_user``); ``inputs`` the app's variables, sent with every
    message (a message's own ``inputs=`` are merged over them); ``conversation_id`` to resume a conversation;
    ``streaming_only=True`` for agent apps (``send`` streams and collects); ``option`` a :class:`RequestOption` for
    every call of the session.
    """

    def send(
        self, query: str, *, files: Sequence[InputFile] | None = None, inputs: Mapping[str, Any] | None = None
    ) -> ChatMessageResponse:
        """Send ``query`` and return the whole answer; the session keeps the conversation id."""
        request = self._ask(query, files, inputs)
        if self.streaming_only:
            answer = self._message.create_via_stream(request, self.option)
        else:
            answer = self._message.create(request, self.option)
        self._keep(answer)
        return answer

    def stream(
        self, query: str, *, files: Sequence[InputFile] | None = None, inputs: Mapping[str, Any] | None = None
    ) -> SessionStream:
        """Send ``query`` and stream the answer as typed events; the session keeps the conversation id."""
        return SessionStream(self._message.stream(self._ask(query, files, inputs), self.option), self)

    def history(self) -> list[ConversationMessage]:
        """Every message of the conversation, oldest first (``[]`` before the first message)."""
        if self.conversation_id is None:
            return []
        request = self._history_request(self.conversation_id)
        return list(self._conversation.iter_messages(request, self.option, order="oldest"))

    def rename(self, name: str | None = None, *, auto_generate: bool = False) -> Conversation:
        """Give the conversation ``name``, or let the app title it (``auto_generate=True``)."""
        return self._conversation.rename(self._rename_request(name, auto_generate), self.option)

    def delete(self) -> SimpleResult:
        """Delete the conversation; the session then starts a new one with its next message."""
        result = self._conversation.delete(self._delete_request(), self.option)
        self.conversation_id = None
        return result


class AsyncChatSession(_SessionBase):
    """Async twin of :class:`ChatSession`."""

    async def send(
        self, query: str, *, files: Sequence[InputFile] | None = None, inputs: Mapping[str, Any] | None = None
    ) -> ChatMessageResponse:
        request = self._ask(query, files, inputs)
        if self.streaming_only:
            answer = await self._message.acreate_via_stream(request, self.option)
        else:
            answer = await self._message.acreate(request, self.option)
        self._keep(answer)
        return answer

    def stream(
        self, query: str, *, files: Sequence[InputFile] | None = None, inputs: Mapping[str, Any] | None = None
    ) -> AsyncSessionStream:
        return AsyncSessionStream(self._message.astream(self._ask(query, files, inputs), self.option), self)

    async def history(self) -> list[ConversationMessage]:
        if self.conversation_id is None:
            return []
        request = self._history_request(self.conversation_id)
        return [m async for m in self._conversation.aiter_messages(request, self.option, order="oldest")]

    async def rename(self, name: str | None = None, *, auto_generate: bool = False) -> Conversation:
        return await self._conversation.arename(self._rename_request(name, auto_generate), self.option)

    async def delete(self) -> SimpleResult:
        result = await self._conversation.adelete(self._delete_request(), self.option)
        self.conversation_id = None
        return result
