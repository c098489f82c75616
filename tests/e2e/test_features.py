"""The features built over the resources, end to end against the built-in server, sync and async: chat sessions,
inputs checked before sending, hooks, waiting for many batches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dify_oapi.api.chat.v1.model.event import MessageEvent
from dify_oapi.api.chat.v1.session import AsyncChatSession, ChatSession

from .harness import Api

MakeApi = Callable[..., Api]


async def _run(api: Api, value: Any) -> Any:
    return await value if api.is_async else value


async def test_chat_session(make_api: MakeApi, user: str) -> None:
    api = make_api("chat")
    v1 = api.client.chat.v1
    session: ChatSession | AsyncChatSession = (
        v1.asession(user=user, inputs={"name": "e2e"})
        if api.is_async
        else v1.session(user=user, inputs={"name": "e2e"})
    )
    first = await _run(api, session.send("hello"))
    assert first.answer == "Echo: hello" and session.conversation_id == first.conversation_id
    pieces: list[str] = []
    if isinstance(session, AsyncChatSession):
        async with session.stream("streamed") as astream:
            pieces = [e.answer async for e in astream if isinstance(e, MessageEvent)]
    else:
        with session.stream("streamed") as stream:
            pieces = [e.answer for e in stream if isinstance(e, MessageEvent)]
    assert "".join(pieces) == "Echo: streamed"
    history = await _run(api, session.history())
    assert [m.query for m in history] == ["hello", "streamed"]
    assert [m.conversation_id for m in history] == [first.conversation_id] * 2
    assert (await _run(api, session.rename("e2e session"))).name == "e2e session"
    assert (await _run(api, session.delete())).result == "success" and session.conversation_id is None
