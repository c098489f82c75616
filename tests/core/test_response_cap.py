"""A JSON answer is read up to ``max_response_bytes``: past it, ``ResponseTooLargeError`` without reading the rest;
binary answers and event streams are not capped; ``raw_body`` keeps the answer once."""

from __future__ import annotations

import gc
import gzip
import json
import pickle
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from dify_oapi import Client, ResponseTooLargeError
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from tests.support import APP_KEY, BASE_URL, DATASET_KEY, MODES, call

CHUNK = 64 * 1024
LIMIT = 256 * 1024


class Body:
    """A 2xx body served chunk by chunk (sync or async), counting the chunks the SDK pulled."""

    def __init__(self, total: int, head: bytes = b'{"name": "app", "description": "') -> None:
        self.head = head
        self.total = total
        self.pulled = 0

    def _chunks(self) -> Iterator[bytes]:
        yield self.head
        sent = len(self.head)
        while sent < self.total:
            self.pulled += 1
            piece = b"x" * min(CHUNK, self.total - sent)
            sent += len(piece)
            yield piece

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks():
            yield chunk


def client_for(handler: Any, mode: str, **options: Any) -> Client:
    options.setdefault("max_response_bytes", LIMIT)
    if mode == "sync":
        return Client(
            base_url=BASE_URL, api_key=APP_KEY, dataset_api_key=DATASET_KEY, retry_base_delay=0.0,
            http_client=httpx.Client(transport=httpx.MockTransport(handler)), **options,
        )  # fmt: skip
    return Client(
        base_url=BASE_URL, api_key=APP_KEY, dataset_api_key=DATASET_KEY, retry_base_delay=0.0,
        async_http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)), **options,
    )  # fmt: skip


def serve(mode: str, body: Body, seen: list[httpx.Request], **headers: str) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        content: Any = iter(body) if mode == "sync" else body.__aiter__()
        return httpx.Response(200, headers={"content-type": "application/json", **headers}, content=content)

    return handler


@pytest.mark.parametrize("mode", MODES)
async def test_an_answer_over_the_cap_raises_without_reading_the_rest(mode: str) -> None:
    body = Body(10 * 1024 * 1024)  # 10 MiB, 160 chunks
    seen: list[httpx.Request] = []
    client = client_for(serve(mode, body, seen), mode)
    with pytest.raises(ResponseTooLargeError) as info:
        await call(mode, client.dify.v1.app, "info")
    err = info.value
    assert err.limit == LIMIT and err.status_code == 200 and "max_response_bytes" in str(err)
    assert body.pulled <= LIMIT // CHUNK + 1  # stopped at the limit: the other ~156 chunks were never read
    assert len(seen) == 1  # a GET, yet not retried: the same answer would come again
    assert APP_KEY not in repr(pickle.dumps(err)) and err.request is not None
    assert err.request.headers["authorization"] == "Bearer ***"


@pytest.mark.parametrize("mode", MODES)
async def test_a_declared_length_over_the_cap_is_refused_unread(mode: str) -> None:
    body = Body(10 * 1024 * 1024)
    seen: list[httpx.Request] = []
    client = client_for(serve(mode, body, seen, **{"content-length": str(10 * 1024 * 1024)}), mode)
    with pytest.raises(ResponseTooLargeError):
        await call(mode, client.dify.v1.app, "info")
    assert body.pulled == 0


@pytest.mark.parametrize("mode", MODES)
async def test_the_cap_counts_decoded_bytes_a_small_gzip_bomb_is_refused(mode: str) -> None:
    bomb = gzip.compress(b'{"name": "app", "description": "' + b"0" * (4 * 1024 * 1024) + b'"}')
    assert len(bomb) < LIMIT

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "application/json", "content-encoding": "gzip"}
        return httpx.Response(200, headers=headers, content=bomb)

    with pytest.raises(ResponseTooLargeError):
        await call(mode, client_for(handler, mode).dify.v1.app, "info")


@pytest.mark.parametrize("mode", MODES)
async def test_an_answer_up_to_the_cap_is_read_and_the_cap_is_set_per_client(mode: str) -> None:
    def text(size: int) -> bytes:
        head = b'{"name": "app", "description": "'
        return head + b"d" * (size - len(head) - 2) + b'"}'

    def handler(request: httpx.Request) -> httpx.Response:
        size = int(request.headers["x-size"])
        return httpx.Response(200, headers={"content-type": "application/json"}, content=text(size))

    client = client_for(handler, mode)
    exact = client.with_options(headers={"X-Size": str(LIMIT)})
    assert len((await call(mode, exact.dify.v1.app, "info")).raw_body) == LIMIT
    over = client.with_options(headers={"X-Size": str(LIMIT + 1)})
    with pytest.raises(ResponseTooLargeError):
        await call(mode, over.dify.v1.app, "info")
    larger = over.with_options(max_response_bytes=LIMIT + 1)
    assert len((await call(mode, larger.dify.v1.app, "info")).raw_body) == LIMIT + 1
    built = Client.builder().max_response_bytes(LIMIT).api_key(APP_KEY).build()
    assert built.config.max_response_bytes == LIMIT
    assert Client(api_key=APP_KEY).config.max_response_bytes == 64 * 1024 * 1024


@pytest.mark.parametrize("mode", MODES)
async def test_raw_requests_and_a_json_answer_to_a_stream_are_capped(mode: str) -> None:
    body = Body(4 * 1024 * 1024, head=b'{"event": "message", "answer": "')
    client = client_for(serve(mode, body, []), mode)
    with pytest.raises(ResponseTooLargeError):
        await call(mode, client, "request", "GET", "/info")
    body = Body(4 * 1024 * 1024, head=b'{"event": "message", "answer": "')
    client = client_for(serve(mode, body, []), mode)
    request = ChatMessageRequest.builder().query("q").user("u").build()
    if mode == "sync":
        with pytest.raises(ResponseTooLargeError):
            client.chat.v1.message.stream(request)
    else:
        with pytest.raises(ResponseTooLargeError):
            await client.chat.v1.message.astream(request)
    assert body.pulled <= LIMIT // CHUNK + 1


@pytest.mark.parametrize("mode", MODES)
async def test_binary_answers_and_whole_streams_are_not_capped_but_each_event_is(mode: str) -> None:
    big = 1024 * 1024  # four times the cap
    small = {"event": "message", "message_id": "m", "conversation_id": "c", "answer": "a" * (CHUNK - 200)}
    end = b"data: " + json.dumps({"event": "message_end", "message_id": "m"}).encode() + b"\n\n"
    many = b"".join(b"data: " + json.dumps(small).encode() + b"\n\n" for _ in range(32)) + end  # 2 MiB in all
    huge = {**small, "answer": "a" * big}
    one_big = b"data: " + json.dumps(small).encode() + b"\n\ndata: " + json.dumps(huge).encode() + b"\n\n" + end

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/preview"):
            return httpx.Response(200, headers={"content-type": "image/png"}, content=b"\x89PNG" + b"\x00" * big)
        content: Any = many
        if request.headers.get("x-big") == "whole":
            content = one_big  # the oversized event complete in one chunk
        elif request.headers.get("x-big"):  # chunk by chunk, as a network delivers it
            pieces = [one_big[i : i + CHUNK] for i in range(0, len(one_big), CHUNK)]
            content = iter(pieces) if mode == "sync" else _aiter(pieces)
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=content)

    client = client_for(handler, mode)
    preview = await call(mode, client.dify.v1.file, "preview", _preview_request())
    data = preview.read() if mode == "sync" else await preview.read()
    assert len(data) == big + 4
    request = ChatMessageRequest.builder().query("q").user("u").build()
    events: list[Any] = []
    await _collect(mode, client, request, events)
    assert len(events) == 33 and len(many) > 4 * LIMIT  # the whole stream is 8 times the cap: fine
    events.clear()
    for how in ("chunked", "whole"):
        events.clear()
        with pytest.raises(ResponseTooLargeError, match="an event of the stream"):
            await _collect(mode, client.with_options(headers={"X-Big": how}), request, events)
        assert len(events) == 1  # the events before the oversized one came out first


async def _aiter(pieces: list[bytes]) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


async def _collect(mode: str, client: Client, request: Any, into: list[Any]) -> None:
    if mode == "sync":
        with client.chat.v1.message.stream(request) as stream:
            into.extend(stream)
    else:
        async with client.chat.v1.message.astream(request) as astream:
            async for event in astream:
                into.append(event)


def _preview_request() -> Any:
    from dify_oapi.api.dify.v1.model.file import PreviewFileRequest

    return PreviewFileRequest.builder().file_id("f").build()


def _reachable_payload_bytes(root: object) -> int:
    """The bytes held by str / bytes / bytearray objects reachable from ``root`` (types, modules and functions are
    not followed: they are shared by every answer)."""
    seen: set[int] = set()
    stack = [root]
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, type) or type(obj).__name__ in ("module", "function", "cell"):
            continue
        seen.add(id(obj))
        if isinstance(obj, str | bytes | bytearray | memoryview):
            total += len(obj) if not isinstance(obj, memoryview) else obj.nbytes
            continue
        stack.extend(gc.get_referents(obj))
    return total


@pytest.mark.parametrize("mode", MODES)
async def test_raw_body_keeps_the_answer_once(mode: str) -> None:
    padding = 2 * 1024 * 1024
    content = b'{"name": "app", "mode": "chat"}' + b" " * padding  # big on the wire, small once parsed

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "application/json"}, content=content)

    answer = await call(mode, client_for(handler, mode, max_response_bytes=None).dify.v1.app, "info")
    assert answer.raw_body == content
    assert answer.raw_body is answer.raw_body  # kept, not rebuilt (or decoded) on each access
    held = _reachable_payload_bytes(answer)
    assert len(content) <= held < len(content) + 64 * 1024  # one copy of the body, no decoded str beside it


@pytest.mark.parametrize("bad", [0, -1, 1.5, "1024", True])
def test_a_bad_cap_is_refused_before_any_io(bad: Any) -> None:
    from dify_oapi import InvalidRequestError

    with pytest.raises(InvalidRequestError, match="max_response_bytes"):
        Client(api_key=APP_KEY, max_response_bytes=bad)
    with pytest.raises(InvalidRequestError, match="max_response_bytes"):
        Client(api_key=APP_KEY).with_options(max_response_bytes=bad)
