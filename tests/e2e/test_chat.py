"""client.chat.v1 end to end against the built-in server (chatflow app answering "Echo: <query>"), sync and async."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dify_oapi import AuthenticationError, Client, NotFoundError
from dify_oapi.api.chat.v1.model.chat_message import (
    ChatMessageRequest,
    StopMessageRequest,
    SuggestedQuestionsRequest,
)
from dify_oapi.api.chat.v1.model.conversation import (
    DeleteConversationRequest,
    ListConversationsRequest,
    ListConversationVariablesRequest,
    ListMessagesRequest,
    RenameConversationRequest,
    UpdateConversationVariableRequest,
)
from dify_oapi.api.chat.v1.model.event import MessageEndEvent, MessageEvent
from dify_oapi.core.errors import BadRequestError
from dify_oapi.testing import DifyTestServer

from .harness import Api

MakeApi = Callable[..., Api]


def ask(query: str, user: str, conversation_id: str | None = None) -> ChatMessageRequest:
    builder = ChatMessageRequest.builder().query(query).user(user).inputs({"name": "e2e"})
    if conversation_id is not None:
        builder = builder.conversation_id(conversation_id)
    return builder.build()


async def test_message_create_stream_collect_stop_suggested(make_api: MakeApi, user: str) -> None:
    api = make_api("chat")
    message = api.client.chat.v1.message

    first = await api.call(message, "create", ask("hello there", user))
    assert first.answer == "Echo: hello there"
    assert first.mode == "advanced-chat" and first.conversation_id and first.id and first.task_id

    events = await api.events(message, "stream", ask("and more", user, first.conversation_id))
    pieces = [e for e in events if isinstance(e, MessageEvent)]
    assert len(pieces) >= 2 and "".join(e.answer for e in pieces) == "Echo: and more"
    assert {e.conversation_id for e in events if isinstance(e, MessageEvent | MessageEndEvent)} == {
        first.conversation_id
    }
    names = [e.event for e in events]
    assert names[0] == "workflow_started" and names[-2:] == ["message_end", "workflow_finished"]
    end = next(e for e in events if isinstance(e, MessageEndEvent))
    assert end.id == pieces[0].id

    collected = await api.call(message, "create_via_stream", ask("collected", user, first.conversation_id))
    assert collected.answer == "Echo: collected"
    assert collected.conversation_id == first.conversation_id and collected.id and collected.task_id

    suggested = await api.call(
        message, "suggested", SuggestedQuestionsRequest.builder().message_id(first.id).user(user).build()
    )
    assert suggested.result == "success" and suggested.data and all(isinstance(q, str) for q in suggested.data)

    stopped = await api.call(message, "stop", StopMessageRequest.builder().task_id(first.task_id).user(user).build())
    assert stopped.result == "success"

    with pytest.raises(NotFoundError):
        await api.call(
            message, "suggested", SuggestedQuestionsRequest.builder().message_id(_UNKNOWN).user(user).build()
        )


_UNKNOWN = "00000000-0000-0000-0000-000000000000"


async def test_conversation_lifecycle(make_api: MakeApi, user: str) -> None:
    api = make_api("chat")
    message, conversation = api.client.chat.v1.message, api.client.chat.v1.conversation

    first = await api.call(message, "create", ask("first question", user))
    cid = first.conversation_id
    for i in range(3):
        await api.call(message, "create", ask(f"follow-up {i}", user, cid))
    other = await api.call(message, "create", ask("another conversation", user))

    listed = await api.call(conversation, "list", ListConversationsRequest.builder().user(user).limit(1).build())
    assert [c.id for c in listed.data] == [other.conversation_id] and listed.has_more
    walked = await api.items(conversation, "iter", ListConversationsRequest.builder().user(user).limit(1).build())
    assert [c.id for c in walked] == [other.conversation_id, cid]
    assert walked[1].name == "first question"

    history = ListMessagesRequest.builder().conversation_id(cid).user(user)
    page = await api.call(conversation, "messages", history.limit(2).build())
    assert [m.query for m in page.data] == ["follow-up 1", "follow-up 2"] and page.has_more
    every = await api.items(
        conversation, "iter_messages", ListMessagesRequest.builder().conversation_id(cid).user(user).limit(2).build()
    )
    assert sorted(m.query for m in every) == sorted(["first question", "follow-up 0", "follow-up 1", "follow-up 2"])
    assert {m.answer for m in every} == {f"Echo: {m.query}" for m in every}
    assert first.id in {m.id for m in every}

    variables = ListConversationVariablesRequest.builder().conversation_id(cid).user(user).build()
    page_of_variables = await api.call(conversation, "variables", variables)
    assert [v.name for v in page_of_variables.data] == ["topic"]
    topic = page_of_variables.data[0]
    updated = await api.call(
        conversation, "update_variable",
        UpdateConversationVariableRequest.builder().conversation_id(cid).variable_id(topic.id).value("weather")
        .user(user).build(),
    )  # fmt: skip
    assert updated.id == topic.id and updated.value == "weather"
    after = await api.items(conversation, "iter_variables", variables)
    assert [(v.id, v.value) for v in after] == [(topic.id, "weather")]

    renamed = await api.call(
        conversation,
        "rename",
        RenameConversationRequest.builder().conversation_id(cid).name("Renamed").user(user).build(),
    )
    assert renamed.id == cid and renamed.name == "Renamed"
    everyone = await api.call(conversation, "list", ListConversationsRequest.builder().user(user).build())
    assert {c.id: c.name for c in everyone.data}[cid] == "Renamed"
    generated = await api.call(
        conversation, "rename",
        RenameConversationRequest.builder().conversation_id(cid).auto_generate(True).user(user).build(),
    )  # fmt: skip
    assert generated.name == "first question"

    deleted = await api.call(
        conversation, "delete", DeleteConversationRequest.builder().conversation_id(cid).user(user).build()
    )
    assert deleted.result == "success"
    remaining = await api.call(conversation, "list", ListConversationsRequest.builder().user(user).build())
    assert [c.id for c in remaining.data] == [other.conversation_id]
    with pytest.raises(NotFoundError):
        await api.call(conversation, "messages", ListMessagesRequest.builder().conversation_id(cid).user(user).build())
    with pytest.raises(NotFoundError):
        await api.call(message, "create", ask("into the void", user, cid))

    # another user does not see this user's conversations
    stranger = await api.call(conversation, "list", ListConversationsRequest.builder().user(user + "-x").build())
    assert stranger.data == []


async def test_errors(make_api: MakeApi, server: DifyTestServer, user: str) -> None:
    wrong = make_api(client=Client(base_url=server.url, api_key="app-wrong", max_retries=0))
    with pytest.raises(AuthenticationError) as raised:
        await wrong.call(wrong.client.chat.v1.message, "create", ask("hi", user))
    assert raised.value.status_code == 401 and "app-wrong" not in str(raised.value)

    api = make_api("chat")
    with pytest.raises(BadRequestError):
        await api.call(api.client.chat.v1.message, "create", ask("hi", user, "not-a-uuid"))
    with pytest.raises(NotFoundError):
        await api.events(api.client.chat.v1.message, "stream", ask("hi", user, _UNKNOWN))
