"""Resources over real sockets: many threads and tasks on one Client without cross-talk, no connection left checked
out, closed clients refuse work, uploads that cannot be rewound are never re-sent."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import httpx
import pytest

from dify_oapi import Client, ClientClosedError
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.api.dify.v1.model.file import UploadFileRequest
from dify_oapi.core.errors import InternalServerError

from .faultserver import Act, FaultServer, Seen
from .matrix import CLIENT_KEY, _pool_leaks, error, ok

THREADS = 200
TASKS = 1000


def _echo(seen: Seen, index: int) -> Act:
    """A chat answer (blocking or streamed) echoing the request's own query and user."""
    body = json.loads(seen.body)
    return ok("stream") if body.get("response_mode") == "streaming" else ok("blocking")


def _client(url: str, **options: Any) -> Client:
    return Client(base_url=url, api_key=CLIENT_KEY, timeout=httpx.Timeout(30.0, connect=10.0),
                  retry_base_delay=0.01, **options)  # fmt: skip


def _request(tag: str) -> ChatMessageRequest:
    return ChatMessageRequest.builder().query(tag).user(f"user-{tag}").build()


def test_200_threads_share_one_client_without_cross_talk() -> None:
    answers: dict[str, str] = {}
    failures: list[BaseException] = []
    lock = threading.Lock()
    with FaultServer(_echo) as server, _client(server.url) as client:

        def work(i: int) -> None:
            tag = f"thread-{i}"
            try:
                if i % 2:
                    got = client.chat.v1.message.create(_request(tag)).answer
                else:
                    with client.chat.v1.message.stream(_request(tag)) as stream:
                        got = "".join(getattr(e, "answer", "") for e in stream)
                with lock:
                    answers[tag] = got
            except BaseException as exc:
                with lock:
                    failures.append(exc)

        threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        for thread in threads:
            thread.join(timeout=max(deadline - time.monotonic(), 0.1))
        assert not any(t.is_alive() for t in threads), "threads still running after 60 s"
        assert failures == []
        assert answers == {f"thread-{i}": f"thread-{i}" for i in range(THREADS)}
        assert len(server.seen) == THREADS
        assert _pool_leaks(client._transport.pools.current()) == 0


async def test_1000_tasks_share_one_async_client_without_cross_talk() -> None:
    with FaultServer(_echo) as server:
        async with _client(server.url) as client:

            async def work(i: int) -> tuple[str, str]:
                tag = f"task-{i}"
                if i % 4 == 0:
                    async with client.chat.v1.message.astream(_request(tag)) as stream:
                        return tag, "".join([getattr(e, "answer", "") async for e in stream])
                return tag, (await client.chat.v1.message.acreate(_request(tag))).answer

            results = await asyncio.wait_for(asyncio.gather(*(work(i) for i in range(TASKS))), 90)
            assert dict(results) == {f"task-{i}": f"task-{i}" for i in range(TASKS)}
            assert len(server.seen) == TASKS
            assert sum(map(_pool_leaks, client._transport.pools.async_clients())) == 0


def test_a_stream_left_early_returns_its_connection() -> None:
    with FaultServer(_echo) as server, _client(server.url) as client:
        for _ in range(3):
            with client.chat.v1.message.stream(_request("early")) as stream:
                next(iter(stream))
            assert _pool_leaks(client._transport.pools.current()) == 0
        assert client.chat.v1.message.create(_request("after")).answer == "after"


async def test_an_async_stream_left_early_returns_its_connection() -> None:
    with FaultServer(_echo) as server:
        async with _client(server.url) as client:
            for _ in range(3):
                async with client.chat.v1.message.astream(_request("early")) as stream:
                    await stream.__anext__()
                assert sum(map(_pool_leaks, client._transport.pools.async_clients())) == 0
            assert (await client.chat.v1.message.acreate(_request("after"))).answer == "after"


def test_closed_client_raises_client_closed_error() -> None:
    with FaultServer(_echo) as server:
        client = _client(server.url)
        assert client.chat.v1.message.create(_request("before")).answer == "before"
        client.close()
        assert client.is_closed
        with pytest.raises(ClientClosedError):
            client.chat.v1.message.create(_request("x"))
        with pytest.raises(ClientClosedError):
            client.chat.v1.message.stream(_request("x"))
        with pytest.raises(ClientClosedError):
            client.dify.v1.app.info()
        assert len(server.seen) == 1


async def test_closed_async_client_raises_client_closed_error() -> None:
    with FaultServer(_echo) as server:
        client = _client(server.url)
        assert (await client.chat.v1.message.acreate(_request("before"))).answer == "before"
        await client.aclose()
        with pytest.raises(ClientClosedError):
            await client.chat.v1.message.acreate(_request("x"))
        stream = client.chat.v1.message.astream(_request("x"))
        with pytest.raises(ClientClosedError):
            await stream.open()
        with pytest.raises(ClientClosedError):
            await client.dify.v1.app.ainfo()
        assert len(server.seen) == 1


class _Pipe:
    """A file object that can be read once and not rewound (a socket, a pipe, a generator's output)."""

    name = "pipe.bin"

    def __init__(self, data: bytes) -> None:
        self._data = data

    def read(self, size: int = -1) -> bytes:
        data, self._data = (self._data, b"") if size < 0 else (self._data[:size], self._data[size:])
        return data

    def seekable(self) -> bool:
        return False


def test_an_upload_that_cannot_be_rewound_is_never_sent_twice() -> None:
    with FaultServer([error(503, "unavailable"), ok("upload")]) as server, _client(server.url) as client:
        request = UploadFileRequest.builder().file(("pipe.bin", _Pipe(b"once only"), "text/plain")).user("u").build()
        with pytest.raises(InternalServerError):
            client.dify.v1.file.upload(request)
        assert len(server.seen) == 1
        assert b"once only" in server.seen[0].body
        assert _pool_leaks(client._transport.pools.current()) == 0
