"""A stream's fast path (core/streaming.py ``_feed``: a plain ``data:`` frame validated by its event's model, the key
and size checks done once per chunk) gives exactly the events and errors of the full parser, on tricky inputs,
through the real transport: the same body delivered in whole chunks (the fast path) and byte by byte (the full,
line-by-line parser, which the fast path never takes)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from dify_oapi import DifyError
from tests.core.test_event_parser import SHAPES
from tests.core.test_streaming import REQ
from tests.support import APP_KEY, Recorder, collect, make_client

END = b'data: {"event": "message_end", "id": "end"}\n\n'
MSG = b'data: {"event": "message", "answer": "a", "created_at": 1}\n\n'
SPELT = b"\\u0061" + APP_KEY[1:].encode()  # the key, its first letter an escape
GUESSES = b'data: {"event":"agent_message","answer":"a","event":"message"}\n\ndata: {"event":null,"message":"a"}\n\n'
PLAIN = b"".join(b"data: " + s.encode() + b"\n\n" for s in SHAPES * 2)  # twice: the second time, known names

BODIES = {
    "shapes": PLAIN + END,
    "pings": MSG + b'data: {"event": "ping"}\n\nevent: ping\n\n' + MSG + b"data: \n\n" + END,
    "crlf": MSG + MSG.replace(b"\n", b"\r\n") + MSG.replace(b"\n", b"\r") + END,
    "bom": b"\xef\xbb\xbf" + MSG + MSG + END,
    "fields": MSG + b"id: 7\nretry: 10\n" + MSG + b": comment\n" + MSG + b"event: message\n" + MSG + END,
    "multi-line": MSG + b'data: {"event": "message",\ndata:  "answer": "b"}\n\n' + MSG + END,
    "key quoted": MSG + b'data: {"event": "message", "answer": "' + APP_KEY.encode() + b'"}\n\n' + MSG + END,
    "key escaped": MSG + b'data: {"event": "message", "answer": "\\u0061pp"}\n\n' + END,
    "key spelt with escapes": MSG + b'data: {"event":"message","answer":"k=' + SPELT + b'"}\n\n' + MSG + END,
    "guessed names": MSG + GUESSES + END,
    "final event first": END + MSG + b'data: {"event":"message_end","id":"again"}\n\n' + MSG,
    "a second line that ends the json": MSG + b'data: {"event":"message","id":\nnull}\n\n' + END,  # a field "null}"
    "lines then a plain frame": MSG + b'id: 1\ndata: {"event": "message",\ndata: "answer": "c"}\n\n' + MSG + END,
    "error event": MSG + MSG + b'data: {"event": "error", "status": 429, "code": "too_many", "message": "m"}\n\n',
    "refused": MSG + MSG + b'data: {"event": "message", "answer": 5}\n\n' + MSG + END,
    "broken json": MSG + MSG + b'data: {"event": "message", "answer": \n\n' + END,
    "invalid utf-8": MSG + MSG + b'data: {"event": "message", "answer": "\xff"}\n\n' + END,
    "no end": MSG + MSG + b'data: {"event": "message"',
    "repeated key": MSG + b'data: {"event": "message", "event": "message_end", "id": "x"}\n\n' + MSG + END,
    "unknown": MSG + b'data: {"event": "brand_new", "x": 1}\n\n' * 3 + END,
    "too large": MSG + MSG + b'data: {"event": "message", "answer": "' + b"x" * 600 + b'"}\n\n' + MSG + END,
}


def _outcome(body: bytes, chunks: Iterator[bytes], mode: str = "sync") -> tuple[list[Any], Any]:
    parts = list(chunks)

    async def agen() -> AsyncIterator[bytes]:
        for part in parts:
            yield part

    def respond(request: httpx.Request) -> httpx.Response:  # the chunks as they are (a Response template is read)
        content = iter(parts) if mode == "sync" else agen()
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=content)

    client = make_client(Recorder(answers=[respond]), max_response_bytes=512)
    events: list[Any] = []
    error: Any = None
    try:
        asyncio.run(collect(mode, client.chat.v1.message, "stream", REQ, into=events))
    except DifyError as exc:
        error = (type(exc), str(exc), getattr(exc, "body", None))
    return [(type(e), e.model_dump()) for e in events], error


def _whole(body: bytes) -> Iterator[bytes]:
    yield body


def _bytewise(body: bytes) -> Iterator[bytes]:
    for i in range(len(body)):
        yield body[i : i + 1]


def _by_frames(body: bytes) -> Iterator[bytes]:
    cut = len(body) // 2
    cut = body.find(b"\n\n", cut) + 2 or cut  # a chunk ending at a frame boundary, then the rest
    yield body[:cut]
    yield body[cut:]


def _sized(size: int) -> Callable[[bytes], Iterator[bytes]]:
    def chunks(body: bytes) -> Iterator[bytes]:
        for i in range(0, len(body), size):
            yield body[i : i + size]

    return chunks


@pytest.mark.parametrize("name", BODIES)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_fast_path_gives_the_full_parsers_events_and_errors(name: str, mode: str) -> None:
    body = BODIES[name]
    expected = _outcome(body, _bytewise(body), mode)
    assert expected[0] or expected[1]
    assert _outcome(body, _whole(body), mode) == expected
    assert _outcome(body, _by_frames(body), mode) == expected
    for size in (7, 61, 100):  # frames cut anywhere: a plain frame completed by the next chunk
        assert _outcome(body, _sized(size)(body), mode) == expected


@pytest.mark.parametrize("name", ["key quoted", "key spelt with escapes"])
def test_a_quoted_key_is_scrubbed_on_the_fast_path(name: str) -> None:
    for chunks in (_whole, _sized(61), _sized(100)):  # the key whole in a chunk, or cut between two
        events, error = _outcome(BODIES[name], chunks(BODIES[name]))
        assert error is None and APP_KEY not in repr(events)
        assert any(e[1].get("answer") in ("***", "k=***") for e in events)


def test_an_event_over_the_cap_raises_on_the_fast_path() -> None:
    events, error = _outcome(BODIES["too large"], _whole(BODIES["too large"]))
    assert len(events) == 2 and error is not None and "max_response_bytes" in error[1]


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "identity", "Identity ", None])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_encoded_stream_is_decoded_before_its_frames_are(encoding: str | None, mode: str) -> None:
    """A stream reads its response's own byte stream only when there is nothing to decode; gzip and the like go
    through httpx's decoders (the encoded bytes are no SSE)."""
    import zlib

    body = BODIES["shapes"]
    if encoding in ("gzip", "deflate"):
        packer = zlib.compressobj(wbits=31 if encoding == "gzip" else 15)
        sent = packer.compress(body) + packer.flush()
    else:
        sent = body
    parts = [sent[i : i + 50] for i in range(0, len(sent), 50)]

    async def agen() -> AsyncIterator[bytes]:
        for part in parts:
            yield part

    def respond(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "text/event-stream"}
        if encoding is not None:
            headers["content-encoding"] = encoding
        return httpx.Response(200, headers=headers, content=iter(parts) if mode == "sync" else agen())

    client = make_client(Recorder(answers=[respond]))
    events: list[Any] = []
    asyncio.run(collect(mode, client.chat.v1.message, "stream", REQ, into=events))
    assert [(type(e), e.model_dump()) for e in events] == _outcome(body, _whole(body), mode)[0]
