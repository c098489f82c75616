"""``client.chat.v1.conversation``: list conversations, read their history and variables, rename, delete."""

from __future__ import annotations

from .....core.endpoint import Endpoint
from .....core.model import SimpleResult
from .....core.resource import Resource, acall, apaginate, call, paginate
from ..model.conversation import (
    Conversation as ConversationItem,
)
from ..model.conversation import (
    ConversationList,
    ConversationVariable,
    ConversationVariableList,
    DeleteConversationRequest,
    ListConversationsRequest,
    ListConversationVariablesRequest,
    ListMessagesRequest,
    MessageList,
    RenameConversationRequest,
    UpdateConversationVariableRequest,
)

__all__ = ["DELETE", "LIST", "MESSAGES", "RENAME", "UPDATE_VARIABLE", "VARIABLES", "Conversation"]

LIST = Endpoint(
    "GET", "/conversations", ListConversationsRequest, ConversationList,
    summary="An end user's conversations, most recently active first.",
)  # fmt: skip
MESSAGES = Endpoint(
    "GET", "/messages", ListMessagesRequest, MessageList, summary="The message history of a conversation.",
)  # fmt: skip
VARIABLES = Endpoint(
    "GET", "/conversations/{conversation_id}/variables", ListConversationVariablesRequest, ConversationVariableList,
    summary="The variables of a conversation.",
)  # fmt: skip
RENAME = Endpoint(
    "POST", "/conversations/{conversation_id}/name", RenameConversationRequest, ConversationItem,
    summary="Rename a conversation, or let the app title it.",
)  # fmt: skip
UPDATE_VARIABLE = Endpoint(
    "PUT", "/conversations/{conversation_id}/variables/{variable_id}", UpdateConversationVariableRequest,
    ConversationVariable, summary="Set the value of a conversation variable.",
)  # fmt: skip
DELETE = Endpoint(
    "DELETE", "/conversations/{conversation_id}", DeleteConversationRequest, SimpleResult,
    summary="Delete a conversation.",
)  # fmt: skip


class Conversation(Resource):
    """Conversations of a chat, agent or chatflow app.

    ``iter`` walks every conversation (cursor ``last_id``), ``iter_messages`` the whole history of a conversation
    (cursor ``first_id``): ``order="oldest"`` in reading order (the whole history is fetched first), ``"newest"``
    newest first (page by page); by default as the server pages it (newest page first, each page oldest first).
    ``iter_variables`` walks every variable.
    """

    list = call(LIST)
    alist = acall(LIST)
    iter = paginate(LIST, cursor="last_id")
    aiter = apaginate(LIST, cursor="last_id")
    messages = call(MESSAGES)
    amessages = acall(MESSAGES)
    iter_messages = paginate(MESSAGES, cursor="first_id")
    aiter_messages = apaginate(MESSAGES, cursor="first_id")
    variables = call(VARIABLES)
    avariables = acall(VARIABLES)
    iter_variables = paginate(VARIABLES, cursor="last_id")
    aiter_variables = apaginate(VARIABLES, cursor="last_id")
    rename = call(RENAME)
    arename = acall(RENAME)
    update_variable = call(UPDATE_VARIABLE)
    aupdate_variable = acall(UPDATE_VARIABLE)
    delete = call(DELETE)
    adelete = acall(DELETE)
