"""A request left out (``request=None``) is completed with the Client's ``default_user`` like an unbuilt builder is:
``conversation.list(None)`` lists the default user's conversations. Against the built-in server, sync and async."""

from __future__ import annotations

import pytest

from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.core.errors import InvalidRequestError
from dify_oapi.testing import DifyTestServer
from tests.support import call, collect


async def test_no_request_takes_the_default_user(server: DifyTestServer, mode: str, user: str) -> None:
    with server.client(default_user=user) as client:
        answer = await call(mode, client.chat.v1.message, "create", ChatMessageRequest.builder().query("Hi"))
        listed = await call(mode, client.chat.v1.conversation, "list", None)
        every = await collect(mode, client.chat.v1.conversation, "iter", None)
        await client.aclose()
    assert [c.id for c in listed.data] == [answer.conversation_id] == [c.id for c in every]
    assert len([r for r in server.requests_to("/conversations", "GET") if r.query.get("user") == user]) == 2


async def test_no_request_and_no_default_user_fails_before_sending(server: DifyTestServer, mode: str) -> None:
    before = len(server.requests)
    with server.client() as client:
        with pytest.raises(InvalidRequestError, match="user"):
            await call(mode, client.chat.v1.conversation, "list", None)
        await client.aclose()
    assert len(server.requests) == before
