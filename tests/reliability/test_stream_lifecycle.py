"""Stream lifecycles over real sockets: a cancelled read never re-sends the request nor ends a truncated answer
normally; a stream left with ``break`` releases its connection at once (no garbage collector); ``close()`` from
another thread and ``aclose()`` from another task stop the consumer cleanly."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dify_oapi import APIConnectionError, Client, StreamIncompleteError
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest

from .faultserver import SILENT, STALL_MAX, Act, FaultServer
from .matrix import CLIENT_KEY, PING, SSE_HEADERS, _message, _pool_leaks, sse

REQ = ChatMessageRequest.builder().query("q").user("u-1").build()
WAKE = STALL_MAX - 1.5
"""How long a consumer may take to notice a close: less than the fault server's own stall, so a consumer that is not
woken (and only ends when the server gives up) fails the test instead of passing late."""

PER_EVENT = 1.5
"""A per-event timeout (``asyncio.wait_for``) shorter than the server's silence."""

OPEN_THEN_STALL = Act(200, sse(PING, _message("Hel")), headers=SSE_HEADERS, framing="chunked", then="stall")
"""Headers, a ping and one message event, then silence (the stream stays open)."""


def _client(url: str) -> Client:
    # Reads wait longer than the server stalls: only the SDK's own handling can end these streams early.
    return Client(base_url=url, api_key=CLIENT_KEY, timeout=httpx.Timeout(30.0, connect=5.0), stream_read_timeout=30.0,
                  max_retries=2, retry_base_delay=0.01)  # fmt: skip


@pytest.fixture
def no_gc() -> Iterator[None]:
    """The garbage collector off: whatever is released here is released by reference counting alone."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _sync_leaks(client: Client) -> int:
    return _pool_leaks(client._transport.pools.current())


def _async_leaks(client: Client) -> int:
    return sum(map(_pool_leaks, client._transport.pools.async_clients()))


async def _settle() -> None:
    """Let the event loop run the close that an abandoned async stream scheduled (a few turns, no timing)."""
    for _ in range(5):
        await asyncio.sleep(0)


# ---- a cancelled read (asyncio.wait_for as a per-event timeout) -------------------------------------------------


@pytest.mark.parametrize("where", ["before the headers", "in the first read"])
async def test_a_cancelled_first_read_never_sends_the_request_again(where: str) -> None:
    act = SILENT if where == "before the headers" else Act(200, PING, headers=SSE_HEADERS, framing="chunked",
                                                             then="stall")  # fmt: skip
    with FaultServer([act]) as server:
        async with _client(server.url) as client:
            stream = client.chat.v1.message.astream(REQ)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(stream.__anext__(), PER_EVENT)
            assert len(server.seen) == 1  # the request was out when its read was cancelled
            with pytest.raises(StreamIncompleteError, match="cancelled"):
                await stream.__anext__()
            with pytest.raises(StreamIncompleteError):
                await stream.__anext__()  # still: never a normal end, never a second POST
            await stream.aclose()
            assert _async_leaks(client) == 0
        assert len(server.seen) == 1


async def test_a_cancelled_read_mid_stream_never_ends_normally() -> None:
    with FaultServer([OPEN_THEN_STALL]) as server:
        async with _client(server.url) as client:
            stream = client.chat.v1.message.astream(REQ)
            first = await stream.__anext__()
            assert first.event == "message"
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(stream.__anext__(), PER_EVENT)

            async def drain() -> list[Any]:
                return [event async for event in stream]  # a truncated answer must not look complete

            with pytest.raises(StreamIncompleteError):
                await drain()
            assert _async_leaks(client) == 0
        assert len(server.seen) == 1


# ---- abandoned streams ------------------------------------------------------------------------------------------


def test_a_sync_stream_left_with_break_releases_its_connection_at_once(no_gc: None) -> None:
    with FaultServer([OPEN_THEN_STALL]) as server, _client(server.url) as client:
        for event in client.chat.v1.message.stream(REQ):
            assert event.event == "message"
            assert _sync_leaks(client) > 0  # the stream holds its connection while it is used
            break
        assert _sync_leaks(client) == 0
        held = client.chat.v1.message.stream(REQ)
        next(held)
        assert _sync_leaks(client) > 0
        del held
        assert _sync_leaks(client) == 0
        assert server.wait_closed()


async def test_an_async_stream_left_with_break_releases_its_connection_at_once(no_gc: None) -> None:
    with FaultServer([OPEN_THEN_STALL]) as server:
        async with _client(server.url) as client:
            async for event in client.chat.v1.message.astream(REQ):
                assert event.event == "message"
                assert _async_leaks(client) > 0
                break
            await _settle()
            assert _async_leaks(client) == 0
            held = client.chat.v1.message.astream(REQ)
            await held.__anext__()
            del held
            await _settle()
            assert _async_leaks(client) == 0
        assert server.wait_closed()


def test_a_finished_stream_is_released_without_close(no_gc: None) -> None:
    done = Act(200, sse(PING, _message("a"), {"event": "message_end", "id": "m-1"}), headers=SSE_HEADERS,
               framing="chunked")  # fmt: skip
    with FaultServer([done]) as server, _client(server.url) as client:
        stream = client.chat.v1.message.stream(REQ)
        assert [e.event for e in stream] == ["message", "message_end"]
        assert stream.closed and _sync_leaks(client) == 0


# ---- close from elsewhere ---------------------------------------------------------------------------------------


def test_close_from_another_thread_ends_the_consumer_cleanly() -> None:
    with FaultServer([OPEN_THEN_STALL]) as server, _client(server.url) as client:
        stream = client.chat.v1.message.stream(REQ)
        got: list[Any] = []
        failed: list[BaseException] = []
        first = threading.Event()

        def consume() -> None:
            try:
                for event in stream:
                    got.append(event)
                    first.set()
            except BaseException as exc:  # what the consumer would see
                failed.append(exc)

        consumer = threading.Thread(target=consume, daemon=True)
        consumer.start()
        assert first.wait(WAKE)
        stream.close()  # while the consumer is blocked reading
        consumer.join(WAKE)
        assert not consumer.is_alive(), "the consumer was not woken by close()"
        assert failed == []
        assert [e.event for e in got] == ["message"]
        assert stream.closed and _sync_leaks(client) == 0
        assert server.wait_closed()


async def test_aclose_from_another_task_ends_the_consumer_cleanly() -> None:
    with FaultServer([OPEN_THEN_STALL]) as server:
        async with _client(server.url) as client:
            stream = client.chat.v1.message.astream(REQ)
            got: list[Any] = []
            first = asyncio.Event()

            async def consume() -> None:
                async for event in stream:
                    got.append(event)
                    first.set()

            consumer = asyncio.create_task(consume())
            await asyncio.wait_for(first.wait(), WAKE)
            await asyncio.sleep(0.05)  # the consumer is now blocked in its next read
            await stream.aclose()
            await asyncio.wait_for(consumer, WAKE)  # ends, without an error
            assert [e.event for e in got] == ["message"]
            assert stream.closed and _async_leaks(client) == 0
        assert server.wait_closed()


async def test_close_is_an_alias_of_aclose() -> None:
    with FaultServer([OPEN_THEN_STALL]) as server:
        async with _client(server.url) as client:
            stream = await client.chat.v1.message.astream(REQ)
            await stream.close()
            assert stream.closed and [e async for e in stream] == []
            assert _async_leaks(client) == 0


# ---- streamed and collected: the answer is complete at its final event ---------------------------------------------

CHATFLOW_START = {"event": "workflow_started", "workflow_run_id": "r-1", "task_id": "t-1", "data": {"id": "r-1"}}
MESSAGE_END = {"event": "message_end", "id": "m-1", "conversation_id": "c-1", "metadata": {}}


def _chatflow(then: Any, *, end: bool = True) -> Act:
    """A chatflow answer whose connection is lost (``then``) after ``message_end`` (before ``workflow_finished``), or
    before it."""
    events = [PING, CHATFLOW_START, _message("Hel"), _message("lo")] + ([MESSAGE_END] if end else [])
    return Act(200, sse(*events), headers=SSE_HEADERS, framing="chunked", then=then)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("then", ["reset", "close"])
async def test_create_via_stream_returns_the_answer_when_the_connection_drops_after_message_end(
    mode: str, then: Any
) -> None:
    with FaultServer([_chatflow(then)]) as server, _client(server.url) as client:
        answer = await _create_via_stream(mode, client)
        assert answer.answer == "Hello" and answer.id == "m-1" and answer.mode == "advanced-chat"
        assert len(server.seen) == 1


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_create_via_stream_raises_when_the_connection_drops_before_message_end(mode: str) -> None:
    with FaultServer([_chatflow("reset", end=False)]) as server, _client(server.url) as client:
        with pytest.raises(APIConnectionError):
            await _create_via_stream(mode, client)
        assert len(server.seen) == 1


async def _create_via_stream(mode: str, client: Client) -> Any:
    if mode == "sync":
        return client.chat.v1.message.create_via_stream(REQ)
    return await client.chat.v1.message.acreate_via_stream(REQ)
