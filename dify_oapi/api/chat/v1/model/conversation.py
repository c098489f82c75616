"""Conversations of a chat app: list them, read their message history and variables, rename and delete them."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import model_validator

from .....core.builder import Builder, Setter
from .....core.model import JsonObject, LenientStr, Path, Query, Request, Response, Timestamp, User
from ....dify.v1.model.shared import RetrieverResource

__all__ = [
    "AgentThought",
    "Conversation",
    "ConversationList",
    "ConversationMessage",
    "ConversationSortBy",
    "ConversationVariable",
    "ConversationVariableList",
    "DeleteConversationRequest",
    "DeleteConversationRequestBuilder",
    "ListConversationVariablesRequest",
    "ListConversationVariablesRequestBuilder",
    "ListConversationsRequest",
    "ListConversationsRequestBuilder",
    "ListMessagesRequest",
    "ListMessagesRequestBuilder",
    "MessageFeedback",
    "MessageFile",
    "MessageList",
    "RenameConversationRequest",
    "RenameConversationRequestBuilder",
    "UpdateConversationVariableRequest",
    "UpdateConversationVariableRequestBuilder",
]


# ---- GET /conversations -----------------------------------------------------------------------------------------

ConversationSortBy = Literal["created_at", "-created_at", "updated_at", "-updated_at"]
"""Conversation list order: by creation or update time, ``-`` for newest first."""


class ListConversationsRequest(Request):
    """``GET /conversations``: an end user's conversations, most recently active first.

    ``last_id`` the id of the last conversation of the previous page (the pager ``iter`` sets it); ``limit`` 1-100
    (server default 20); ``sort_by`` ``created_at``, ``-created_at``, ``updated_at`` or ``-updated_at`` (default).
    """

    user: Annotated[str, User(), Query()]
    last_id: Annotated[str | None, Query()] = None
    limit: Annotated[int | None, Query()] = None
    sort_by: Annotated[ConversationSortBy | None, Query()] = None

    @staticmethod
    def builder() -> ListConversationsRequestBuilder:
        return ListConversationsRequestBuilder()


class ListConversationsRequestBuilder(Builder[ListConversationsRequest]):
    user: Setter[Self, str]
    last_id: Setter[Self, str | None]
    limit: Setter[Self, int | None]
    sort_by: Setter[Self, ConversationSortBy | None]


class Conversation(Response):
    """A conversation (also the answer of a rename)."""

    id: str
    name: str | None = None
    inputs: JsonObject = {}
    status: str | None = None
    introduction: str | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None


class ConversationList(Response):
    """One page of conversations; ``has_more`` says whether another page exists."""

    limit: int | None = None
    has_more: bool | None = None
    data: list[Conversation] = []


# ---- GET /messages ----------------------------------------------------------------------------------------------


class ListMessagesRequest(Request):
    """``GET /messages``: the message history of a conversation.

    A page lists its messages oldest first; ``first_id`` (the id of the first message of the current page) asks for
    the page of older messages before it, so the pager ``iter_messages`` walks from the newest page back in time.
    """

    conversation_id: Annotated[str, Query()]
    user: Annotated[str, User(), Query()]
    first_id: Annotated[str | None, Query()] = None
    limit: Annotated[int | None, Query()] = None

    @staticmethod
    def builder() -> ListMessagesRequestBuilder:
        return ListMessagesRequestBuilder()


class ListMessagesRequestBuilder(Builder[ListMessagesRequest]):
    conversation_id: Setter[Self, str]
    user: Setter[Self, str]
    first_id: Setter[Self, str | None]
    limit: Setter[Self, int | None]


class MessageFile(Response):
    """A file attached to a message (by the user or by the assistant, see ``belongs_to``)."""

    id: str | None = None
    filename: str | None = None
    type: str | None = None
    url: str | None = None
    mime_type: str | None = None
    size: int | None = None
    transfer_method: str | None = None
    belongs_to: str | None = None
    upload_file_id: str | None = None


class MessageFeedback(Response):
    """The end user's feedback on a message: ``rating`` is ``like`` or ``dislike``."""

    rating: str | None = None


class AgentThought(Response):
    """One reasoning or tool-call step of an agent answer."""

    id: str | None = None
    chain_id: str | None = None
    message_id: str | None = None
    position: int | None = None
    thought: str | None = None
    tool: str | None = None
    tool_labels: dict[str, Any] | None = None
    tool_input: str | None = None
    observation: str | None = None
    files: list[Any] = []
    created_at: Timestamp | None = None


class ConversationMessage(Response):
    """A message of the history: the user's ``query`` and the assistant's ``answer``."""

    id: str
    conversation_id: str | None = None
    parent_message_id: str | None = None
    inputs: JsonObject = {}
    query: str | None = None
    answer: str | None = None
    status: str | None = None
    error: str | None = None
    message_files: list[MessageFile] = []
    feedback: MessageFeedback | None = None
    retriever_resources: list[RetrieverResource] = []
    agent_thoughts: list[AgentThought] = []
    created_at: Timestamp | None = None
    extra_contents: list[Any] = []
    message_tokens: int | None = None
    answer_tokens: int | None = None
    total_tokens: int | None = None
    provider_response_latency: float | None = None
    total_price: LenientStr | None = None
    currency: str | None = None


class MessageList(Response):
    """One page of message history (oldest first within the page)."""

    limit: int | None = None
    has_more: bool | None = None
    data: list[ConversationMessage] = []


# ---- conversation variables -------------------------------------------------------------------------------------


class ListConversationVariablesRequest(Request):
    """``GET /conversations/{conversation_id}/variables``; ``variable_name`` keeps only the variable of that name."""

    conversation_id: Annotated[str, Path()]
    user: Annotated[str, User(), Query()]
    last_id: Annotated[str | None, Query()] = None
    limit: Annotated[int | None, Query()] = None
    variable_name: Annotated[str | None, Query()] = None

    @staticmethod
    def builder() -> ListConversationVariablesRequestBuilder:
        return ListConversationVariablesRequestBuilder()


class ListConversationVariablesRequestBuilder(Builder[ListConversationVariablesRequest]):
    conversation_id: Setter[Self, str]
    user: Setter[Self, str]
    last_id: Setter[Self, str | None]
    limit: Setter[Self, int | None]
    variable_name: Setter[Self, str | None]


class ConversationVariable(Response):
    """A conversation variable. ``value`` is what the server sends: a string, or JSON for complex types."""

    id: str
    name: str | None = None
    value_type: str | None = None
    value: Any = None
    description: str | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None


class ConversationVariableList(Response):
    """One page of conversation variables."""

    limit: int | None = None
    has_more: bool | None = None
    data: list[ConversationVariable] = []


class UpdateConversationVariableRequest(Request):
    """``PUT /conversations/{conversation_id}/variables/{variable_id}``: ``value`` must match the variable's type."""

    conversation_id: Annotated[str, Path()]
    variable_id: Annotated[str, Path()]
    value: Any
    user: Annotated[str, User()]

    @staticmethod
    def builder() -> UpdateConversationVariableRequestBuilder:
        return UpdateConversationVariableRequestBuilder()


class UpdateConversationVariableRequestBuilder(Builder[UpdateConversationVariableRequest]):
    conversation_id: Setter[Self, str]
    variable_id: Setter[Self, str]
    value: Setter[Self, Any]
    user: Setter[Self, str]


# ---- rename, delete ---------------------------------------------------------------------------------------------


class RenameConversationRequest(Request):
    """``POST /conversations/{conversation_id}/name``: give ``name``, or ``auto_generate=True`` to let the app's model
    title the conversation (then ``name`` is ignored)."""

    conversation_id: Annotated[str, Path()]
    name: str | None = None
    auto_generate: bool | None = None
    user: Annotated[str, User()]

    @model_validator(mode="after")
    def _name_or_auto(self) -> Self:
        if not self.auto_generate and not self.name:
            raise ValueError("give name, or auto_generate=True")
        return self

    @staticmethod
    def builder() -> RenameConversationRequestBuilder:
        return RenameConversationRequestBuilder()


class RenameConversationRequestBuilder(Builder[RenameConversationRequest]):
    conversation_id: Setter[Self, str]
    name: Setter[Self, str | None]
    auto_generate: Setter[Self, bool | None]
    user: Setter[Self, str]


class DeleteConversationRequest(Request):
    """``DELETE /conversations/{conversation_id}`` (answered 204)."""

    conversation_id: Annotated[str, Path()]
    user: Annotated[str, User()]

    @staticmethod
    def builder() -> DeleteConversationRequestBuilder:
        return DeleteConversationRequestBuilder()


class DeleteConversationRequestBuilder(Builder[DeleteConversationRequest]):
    conversation_id: Setter[Self, str]
    user: Setter[Self, str]
