"""Client.with_options and the raw requests are typed."""

from __future__ import annotations

from typing import Any, assert_type

from pydantic import BaseModel

from dify_oapi import Client
from dify_oapi.core.events import StreamEvent
from dify_oapi.core.streaming import AsyncStream, Stream


class Thing(BaseModel):
    id: str


def derived(client: Client) -> None:
    assert_type(client.with_options(api_key="k", timeout=5, max_retries=0, headers={"X": "y"}), Client)
    client.with_options(api_ky="k")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    client.with_options(max_retries="3")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def raw(client: Client) -> None:
    assert_type(client.request("GET", "/new"), dict[str, Any] | None)
    assert_type(client.request("POST", "/new", json={"a": 1}, cast_to=Thing), Thing | None)
    assert_type(client.request("GET", "/datasets", params={"page": 1}, auth="dataset"), dict[str, Any] | None)
    client.request("FETCH", "/new")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]
    client.request("GET", "/new", auth="admin")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]
    client.request("GET", "/new", parms={"a": 1})  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
    client.request("POST", "/new", retry_safe="yes")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]
    assert_type(client.stream("POST", "/new", json={}), Stream[StreamEvent])
    assert_type(client.stream("POST", "/new", json={}, terminal={"done"}, retry_safe=True), Stream[StreamEvent])
    client.stream("POST", "/new", jsn={})  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    client.stream("GET", "/new", auth="admin")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    for event in client.stream("POST", "/new"):
        assert_type(event, StreamEvent)


async def araw(client: Client) -> None:
    assert_type(await client.arequest("GET", "/new"), dict[str, Any] | None)
    assert_type(await client.arequest("GET", "/new", cast_to=Thing), Thing | None)
    assert_type(client.astream("POST", "/new"), AsyncStream[StreamEvent])
    client.astream("POST", "/new", files={"f": b"x"}, dta={})  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    async for event in client.astream("POST", "/new"):
        assert_type(event, StreamEvent)
