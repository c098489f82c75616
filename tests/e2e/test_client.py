"""Client-level surface end to end against the built-in server, sync and async: derived clients (with_options) and
raw requests (request / arequest, stream / astream)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dify_oapi import AuthenticationError, Client, NotFoundError
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.api.chat.v1.model.conversation import ListMessagesRequest
from dify_oapi.api.dify.v1.model.app import AppInfo
from dify_oapi.core.events import StreamEvent
from dify_oapi.testing import DifyTestServer

from .harness import Api

MakeApi = Callable[..., Api]


async def _raw(api: Api, method: str, path: str, **kwargs: Any) -> Any:
    if api.is_async:
        return await api.client.arequest(method, path, **kwargs)
    return api.client.request(method, path, **kwargs)


async def _raw_events(api: Api, method: str, path: str, **kwargs: Any) -> list[StreamEvent]:
    if api.is_async:
        async with api.client.astream(method, path, **kwargs) as astream:
            return [event async for event in astream]
    with api.client.stream(method, path, **kwargs) as stream:
        return list(stream)


async def test_derived_clients_share_the_pools_and_keep_their_own_defaults(
    make_api: MakeApi, server: DifyTestServer, user: str
) -> None:
    api = make_api("chat")
    parent = api.client
    child = parent.with_options(default_user=user, headers={"X-Team": "e2e"}, timeout=30)
    workflow = parent.with_options(api_key=server.app_key("workflow"))
    derived = make_api(client=child)
    other = make_api(client=workflow)
    answer = await derived.call(child.chat.v1.message, "create", ChatMessageRequest.builder().query("from a child"))
    assert answer.answer == "Echo: from a child"
    seen = [r for r in server.requests_to("/chat-messages") if r.json and r.json.get("query") == "from a child"]
    assert seen and seen[-1].json is not None and seen[-1].json["user"] == user
    assert (await other.call(workflow.dify.v1.app, "info")).mode == "workflow"
    assert (await api.call(parent.dify.v1.app, "info")).mode == "advanced-chat"
    if api.is_async:
        await child.aclose()
    else:
        child.close()
    assert child.is_closed and not parent.is_closed
    assert (await api.call(parent.dify.v1.app, "info")).mode == "advanced-chat"  # the parent's pools still serve
    bad = parent.with_options(api_key="app-wrong")
    with pytest.raises(AuthenticationError):
        await make_api(client=bad).call(bad.dify.v1.app, "info")


async def test_raw_requests_and_streams(make_api: MakeApi, user: str) -> None:
    api = make_api("chat")
    info = await _raw(api, "GET", "/info")
    assert isinstance(info, dict) and info["mode"] == "advanced-chat"
    typed = await _raw(api, "GET", "/info", cast_to=AppInfo)
    assert isinstance(typed, AppInfo) and typed.name == info["name"]
    datasets = await _raw(api, "GET", "/datasets", params={"page": 1, "limit": 5})
    assert isinstance(datasets, dict) and "data" in datasets
    body = {"query": "raw hello", "user": user, "inputs": {}, "response_mode": "streaming"}
    events = await _raw_events(api, "POST", "/chat-messages", json=body, terminal={"message_end"})
    names = [e.event for e in events]
    assert "message_end" in names and all(isinstance(e, StreamEvent) for e in events)
    answer = "".join((e.model_extra or {}).get("answer", "") for e in events if e.event == "message")
    assert answer == "Echo: raw hello"
    end = next(e for e in events if e.event == "message_end")
    conversation_id = (end.model_extra or {})["conversation_id"]
    deleted = await _raw(api, "DELETE", f"/conversations/{conversation_id}", json={"user": user})
    assert deleted is None or deleted == {"result": "success"}
    with pytest.raises(NotFoundError):
        await _raw(api, "GET", "/no-such-operation")


def test_a_client_from_the_server_derives() -> None:
    with DifyTestServer() as server, server.client("chat") as client:
        derived: Client = client.with_options(max_retries=1)
        assert derived.request("GET", "/info") is not None


async def test_history_in_reading_order(make_api: MakeApi, user: str) -> None:
    api = make_api("chat")
    message, conversation = api.client.chat.v1.message, api.client.chat.v1.conversation
    first = await api.call(message, "create", ChatMessageRequest.builder().query("q0").user(user).build())
    for i in range(1, 5):
        follow = ChatMessageRequest.builder().query(f"q{i}").user(user).conversation_id(first.conversation_id)
        await api.call(message, "create", follow.build())
    history = ListMessagesRequest.builder().conversation_id(first.conversation_id).user(user).limit(2).build()
    oldest = await api.items(conversation, "iter_messages", history, order="oldest")
    assert [m.query for m in oldest] == ["q0", "q1", "q2", "q3", "q4"]
    newest = await api.items(conversation, "iter_messages", history, order="newest")
    assert [m.query for m in newest] == ["q4", "q3", "q2", "q1", "q0"]
