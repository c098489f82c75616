"""Chat sessions against the built-in server (a chatflow app) and, for agent apps, over httpx.MockTransport."""

from __future__ import annotations

from typing import Any

import pytest

from dify_oapi import Client
from dify_oapi.api.chat.v1.model.event import MessageEvent
from dify_oapi.api.chat.v1.session import AsyncChatSession, ChatSession
from dify_oapi.core.errors import InvalidRequestError, NotFoundError
from dify_oapi.core.events import StreamEvent
from dify_oapi.testing import DifyTestServer
from tests.support import Recorder, make_client, sse_response


def _session(client: Client, mode: str, **kwargs: Any) -> ChatSession | AsyncChatSession:
    return client.chat.v1.session(**kwargs) if mode == "sync" else client.chat.v1.asession(**kwargs)


async def _send(session: ChatSession | AsyncChatSession, query: str, **kwargs: Any) -> Any:
    if isinstance(session, ChatSession):
        return session.send(query, **kwargs)
    return await session.send(query, **kwargs)


async def _stream(session: ChatSession | AsyncChatSession, query: str, *, stop_after: int | None = None) -> list[Any]:
    events: list[StreamEvent] = []
    if isinstance(session, ChatSession):
        with session.stream(query) as stream:
            for event in stream:
                events.append(event)
                if stop_after is not None and len(events) >= stop_after:
                    break
    else:
        async with session.stream(query) as astream:
            async for event in astream:
                events.append(event)
                if stop_after is not None and len(events) >= stop_after:
                    break
    return events


async def _do(session: ChatSession | AsyncChatSession, name: str, *args: Any, **kwargs: Any) -> Any:
    result = getattr(session, name)(*args, **kwargs)
    return await result if isinstance(session, AsyncChatSession) else result


async def test_send_stream_history_rename_delete(server: DifyTestServer, mode: str, user: str) -> None:
    with server.client() as client:
        session = _session(client, mode, user=user, inputs={"name": "Ada"})
        assert session.conversation_id is None and await _do(session, "history") == []
        first = await _send(session, "hello")
        assert first.answer == "Echo: hello" and session.conversation_id == first.conversation_id
        events = await _stream(session, "and more")
        assert "".join(e.answer for e in events if isinstance(e, MessageEvent)) == "Echo: and more"
        third = await _send(session, "third")
        assert third.conversation_id == first.conversation_id

        sent = server.requests_to("/chat-messages")[-3:]
        assert [r.json["inputs"] for r in sent] == [{"name": "Ada"}] * 3
        assert [r.json.get("conversation_id") for r in sent] == [None, first.conversation_id, first.conversation_id]
        assert {r.json["user"] for r in sent} == {user}

        history = await _do(session, "history")
        assert [m.query for m in history] == ["hello", "and more", "third"]

        renamed = await _do(session, "rename", "Greetings")
        assert renamed.name == "Greetings" and renamed.id == first.conversation_id
        assert (await _do(session, "delete")).result == "success"
        assert session.conversation_id is None
        again = await _send(session, "new start")
        assert again.conversation_id not in (None, first.conversation_id)
        await client.aclose()


async def test_history_over_several_pages_oldest_first(server: DifyTestServer, mode: str, user: str) -> None:
    with server.client() as client:
        session = _session(client, mode, user=user)
        for i in range(5):
            await _send(session, f"q{i}")
        import dify_oapi.api.chat.v1.session as session_module

        page = session_module._HISTORY_PAGE
        session_module._HISTORY_PAGE = 2  # three pages of history
        try:
            history = await _do(session, "history")
        finally:
            session_module._HISTORY_PAGE = page
        assert [m.query for m in history] == [f"q{i}" for i in range(5)]
        assert len(server.requests_to("/messages")) >= 3
        await client.aclose()


async def test_stream_keeps_the_conversation_when_the_caller_breaks_early(
    server: DifyTestServer, mode: str, user: str
) -> None:
    with server.client() as client:
        session = _session(client, mode, user=user)
        events = await _stream(session, "hello", stop_after=2)
        cids = {getattr(e, "conversation_id", None) for e in events} - {None}
        assert len(cids) == 1 and session.conversation_id in cids
        follow = await _send(session, "next")
        assert follow.conversation_id == session.conversation_id
        await client.aclose()


async def test_resume_and_defaults(server: DifyTestServer, mode: str, user: str) -> None:
    with server.client(default_user=user) as client:
        first = await _send(_session(client, mode), "start")  # the Client's default_user
        resumed = _session(client, mode, conversation_id=first.conversation_id)
        assert resumed.user == user
        await _send(resumed, "resumed", inputs={"name": "Bob"})
        assert server.requests_to("/chat-messages")[-1].json["inputs"] == {"name": "Bob"}
        assert [m.query for m in await _do(resumed, "history")] == ["start", "resumed"]
        await client.aclose()
    with server.client() as client:
        with pytest.raises(InvalidRequestError, match="end user"):
            _session(client, mode)
        lonely = _session(client, mode, user=user)
        with pytest.raises(InvalidRequestError, match="no conversation yet"):
            await _do(lonely, "rename", "x")
        with pytest.raises(InvalidRequestError, match="no conversation yet"):
            await _do(lonely, "delete")
        gone = _session(client, mode, user=user, conversation_id="00000000-0000-0000-0000-000000000000")
        with pytest.raises(NotFoundError):
            await _send(gone, "hello?")
        await client.aclose()


_AGENT_EVENTS = [
    {"event": "agent_thought", "id": "t1", "task_id": "task", "message_id": "m1", "conversation_id": "c-agent"},
    {"event": "agent_message", "id": "m1", "answer": "Hel", "task_id": "task", "conversation_id": "c-agent"},
    {"event": "agent_message", "id": "m1", "answer": "lo", "task_id": "task", "conversation_id": "c-agent"},
    {"event": "message_end", "id": "m1", "task_id": "task", "conversation_id": "c-agent", "metadata": {}},
]


async def test_agent_app_send_collects_a_stream(mode: str) -> None:
    rec = Recorder(default=lambda request: sse_response(*_AGENT_EVENTS))
    client = make_client(rec)
    session = _session(client, mode, user="u-1", streaming_only=True)
    answer = await _send(session, "hi")
    assert answer.answer == "Hello" and answer.conversation_id == "c-agent" == session.conversation_id
    await _send(session, "again")
    bodies = [rec.json(i) for i in range(len(rec.bodies))]
    assert [b["response_mode"] for b in bodies] == ["streaming", "streaming"]
    assert [b.get("conversation_id") for b in bodies] == [None, "c-agent"]
    client.close()
    await client.aclose()
