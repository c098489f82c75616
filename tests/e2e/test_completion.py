"""client.completion.v1 end to end against the built-in server (a text generator answering "Echo: <query>")."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dify_oapi import AuthenticationError, Client
from dify_oapi.api.chat.v1.model.chat_message import StopMessageRequest
from dify_oapi.api.chat.v1.model.event import MessageEndEvent, MessageEvent
from dify_oapi.api.completion.v1.model.completion_message import CompletionMessageRequest
from dify_oapi.core.errors import BadRequestError, InvalidParamError
from dify_oapi.testing import DifyTestServer

from .harness import Api

MakeApi = Callable[..., Api]


def generate(text: str, user: str) -> CompletionMessageRequest:
    return CompletionMessageRequest.builder().inputs({"query": text}).user(user).build()


async def test_create_stream_collect_stop(make_api: MakeApi, user: str) -> None:
    api = make_api("completion")
    message = api.client.completion.v1.message

    blocking = await api.call(message, "create", generate("a haiku about tests", user))
    assert blocking.answer == "Echo: a haiku about tests"
    assert blocking.mode == "completion" and blocking.id and blocking.task_id

    events = await api.events(message, "stream", generate("streamed words here", user))
    pieces = [e for e in events if isinstance(e, MessageEvent)]
    assert len(pieces) >= 2 and "".join(e.answer for e in pieces) == "Echo: streamed words here"
    assert isinstance(events[-1], MessageEndEvent) and events[-1].id == pieces[0].id
    assert len({e.task_id for e in events}) == 1

    collected = await api.call(message, "create_via_stream", generate("collected", user))
    assert collected.answer == "Echo: collected" and collected.id and collected.id != blocking.id

    stopped = await api.call(
        message, "stop", StopMessageRequest.builder().task_id(events[0].task_id).user(user).build()
    )
    assert stopped.result == "success"


async def test_errors(make_api: MakeApi, server: DifyTestServer, user: str) -> None:
    api = make_api("completion")
    with pytest.raises(InvalidParamError):  # the app's required input `query` is missing
        await api.call(api.client.completion.v1.message, "create", CompletionMessageRequest(user=user))

    on_chat_app = make_api("chat")  # a completion request to a chatflow app
    with pytest.raises(BadRequestError):
        await on_chat_app.call(on_chat_app.client.completion.v1.message, "create", generate("hi", user))

    wrong = make_api(client=Client(base_url=server.url, api_key="app-nope", max_retries=0))
    with pytest.raises(AuthenticationError):
        await wrong.events(wrong.client.completion.v1.message, "stream", generate("hi", user))
