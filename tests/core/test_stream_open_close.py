"""``AsyncStream.aclose()`` from another task while the stream is still opening (its headers not received yet): the
open is cancelled at once, the consumer ends cleanly, the request is never sent again, the connection is released.
Over a real loopback server that never answers; liveness bounds only, no duration asserted."""

from __future__ import annotations

import asyncio

import pytest

from dify_oapi import Client, StreamIncompleteError
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from tests.reliability.faultserver import SILENT, FaultServer

REQUEST = ChatMessageRequest.builder().query("q").user("u").build()
LIVENESS = 4.0  # the fault server stalls 5 s: a consumer still waiting then was not woken by aclose()


async def _until_received(server: FaultServer, count: int = 1) -> None:
    for _ in range(500):
        if len(server.seen) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the request never reached the server")


@pytest.mark.parametrize("how", ["async for", "await", "async with"])
async def test_aclose_during_the_open_ends_the_consumer_cleanly(how: str) -> None:
    with FaultServer([SILENT]) as server:
        client = Client(base_url=server.url, api_key="app-k", stream_read_timeout=30.0, timeout=30.0)
        stream = client.chat.v1.message.astream(REQUEST)
        got: list[object] = []

        async def consume() -> None:
            if how == "async for":
                async for event in stream:
                    got.append(event)
            elif how == "await":
                await stream
            else:
                async with stream as opened:
                    got.extend([event async for event in opened])

        consumer = asyncio.create_task(consume())
        await _until_received(server)
        await asyncio.wait_for(stream.aclose(), LIVENESS)
        await asyncio.wait_for(consumer, LIVENESS)  # a clean end: no error, no hang
        assert got == [] and stream.closed
        assert [event async for event in stream] == []  # iterating again sends nothing
        await client.aclose()
        assert server.wait_closed(LIVENESS)
    assert len(server.seen) == 1  # never re-POSTed


async def test_a_consumer_cancelled_during_the_open_still_never_resends() -> None:
    with FaultServer([SILENT]) as server:
        client = Client(base_url=server.url, api_key="app-k", stream_read_timeout=30.0, timeout=30.0)
        stream = client.chat.v1.message.astream(REQUEST)
        consumer = asyncio.create_task(stream.open())
        await _until_received(server)
        consumer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(consumer, LIVENESS)
        with pytest.raises(StreamIncompleteError):
            await stream.__anext__()
        await stream.aclose()
        await client.aclose()
        assert server.wait_closed(LIVENESS)
    assert len(server.seen) == 1
