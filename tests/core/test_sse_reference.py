"""The SSE decoder against an independent reference: the WHATWG event-stream algorithm written out plainly below,
run on the whole body at once, versus the SDK's decoder (and its streams' fast path, ``split``) fed the same body in
random chunks. The SDK's own line parser is not the reference here: a rule both got wrong would show."""

from __future__ import annotations

import json
import random
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from dify_oapi import Client
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.api.chat.v1.model.event import MessageEndEvent, MessageEvent
from dify_oapi.core._sse import ServerSentEvent, SSEDecoder
from tests.support import APP_KEY, BASE_URL, MODES, collect

_LINE_END = re.compile(r"\r\n|\r|\n")


def reference(body: bytes) -> list[ServerSentEvent]:
    """html.spec.whatwg.org, "Interpreting an event stream", on the whole body. One documented difference, kept by
    the SDK on purpose: a frame with an ``event`` field but no ``data`` is dispatched (Dify's ``event: ping``)."""
    text = body.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = _LINE_END.split(text)
    lines.pop()  # after the last line end: an incomplete line, never processed
    events: list[ServerSentEvent] = []
    data: list[str] = []
    event = ""
    last_id: str | None = None
    retry: int | None = None
    for line in lines:
        if not line:
            if data or event:
                events.append(ServerSentEvent(event or "message", "\n".join(data), last_id, retry))
            data, event = [], ""
            continue
        if line.startswith(":"):
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
        elif name == "id" and "\x00" not in value:
            last_id = value
        elif name == "retry" and value.isascii() and value.isdigit() and len(value) <= 18:
            retry = int(value)
    return events  # a frame without its blank line is dropped at the end of the stream


PIECES = [
    b'data: {"event": "message", "answer": "a"}', b"data: x", b"data:y", b"data:  two spaces", b"event: ping",
    b"event: custom", b": comment", b":", b"id: 3", b"id", b"id: a\x00b", b"retry: 9", b"retry: x1", b"data",
    b"data:", b"data: \xc3\xa9\xe4\xbd\xa0\xf0\x9f\x98\x80", b"foo: bar", b"data: data: x", b"xdata: y",
    b" data: z", b"data: a\\u0061b", b"DATA: upper", b"data: \t tab",
]  # fmt: skip
ENDS = [b"\n", b"\n\n", b"\n\n", b"\r\n", b"\r\n\r\n", b"\r", b"\r\r", b"\n\r\n"]


def _body(rng: random.Random) -> bytes:
    body = b"".join(rng.choice(PIECES) + rng.choice(ENDS) for _ in range(rng.randint(1, 14)))
    if rng.random() < 0.2:
        body = b"\xef\xbb\xbf" + body
    if rng.random() < 0.5:  # mostly Dify's shape: plain frames and blank lines only
        body = b"".join(rng.choice(PIECES[:3]) + b"\n\n" for _ in range(rng.randint(1, 8))) + body
    return body


def _chunks(rng: random.Random, body: bytes) -> list[bytes]:
    if rng.random() < 0.1:
        return [body[i : i + 1] for i in range(len(body))]
    cuts = sorted(rng.sample(range(len(body) + 1), min(len(body) + 1, rng.randint(0, 10))))
    return [body[i:j] for i, j in zip([0, *cuts], [*cuts, len(body)], strict=True)]


def test_the_decoder_is_the_reference_on_random_streams_in_random_chunks() -> None:
    rng = random.Random(20261202)
    for _ in range(4000):
        body = _body(rng)
        decoder = SSEDecoder()
        got: list[ServerSentEvent] = []
        for chunk in _chunks(rng, body):
            got += decoder.feed(chunk)
        got += decoder.flush()
        assert got == reference(body), body


def test_the_reference_itself() -> None:
    body = b"\xef\xbb\xbfdata: a\r\ndata:b\r\rid: 1\nevent: e\ndata\n\nretry: 12\n:c\ndata: z\n\ndata: cut"
    assert reference(body) == [
        ServerSentEvent("message", "a\nb"),
        ServerSentEvent("e", "", "1"),
        ServerSentEvent("message", "z", "1", 12),
    ]


class _Chunked(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk


async def _chat_stream(mode: str, chunks: list[bytes]) -> list[Any]:
    """The events of a typed chat stream whose body arrives in ``chunks`` (through the real transport)."""

    def answer(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=_Chunked(chunks))

    client = Client(
        api_key=APP_KEY, base_url=BASE_URL,
        http_client=httpx.Client(transport=httpx.MockTransport(answer)),
        async_http_client=httpx.AsyncClient(transport=httpx.MockTransport(answer)),
    )  # fmt: skip
    request = ChatMessageRequest.builder().query("q").user("u").build()
    events: list[Any] = await collect(mode, client.chat.v1.message, "stream", request)
    client.close()
    await client.aclose()
    return events


@pytest.mark.parametrize("mode", MODES)
async def test_a_typed_stream_yields_the_references_events_in_random_chunks(mode: str) -> None:
    """A chat stream (typed events, the streams' fast path) over random bodies of JSON events mixed with pings,
    comments, ids, CR line ends and multi-line data, in random chunks: its events are the reference's frames, in
    order, each parsed by its model."""
    rng = random.Random(1202)
    for _ in range(150):
        frames: list[bytes] = []
        for i in range(rng.randint(1, 12)):
            payload = b'{"event": "message", "answer": "%d \xc3\xa9"}' % i
            shape = rng.randrange(5)
            if shape == 0:
                frames.append(b"data: " + payload + b"\n\n")
            elif shape == 1:
                frames.append(b"event: ping\r\n\r\ndata: " + payload + b"\r\n\r\n")
            elif shape == 2:
                frames.append(b": keep-alive\nid: %d\ndata: " % i + payload + b"\n\n")
            elif shape == 3:
                frames.append(b'data: {"event": "message",\ndata: "answer": "%d \xc3\xa9"}\n\n' % i)
            else:
                frames.append(b"data:" + payload + b"\r\r")
        frames.append(b'data: {"event": "message_end", "id": "m"}\n\n')
        body = b"".join(frames)
        expected = [json.loads(e.data) for e in reference(body) if e.event != "ping"]
        events = await _chat_stream(mode, _chunks(rng, body))
        assert [type(e) for e in events] == [MessageEvent] * (len(expected) - 1) + [MessageEndEvent], body
        assert [e.model_dump(exclude_unset=True) for e in events] == expected, body


def _spelt(rng: random.Random, key: str) -> bytes:
    """``key`` as a JSON string may spell it: each character as it is or as a ``\\u00XX`` escape (either case)."""
    out: list[str] = []
    for char in key:
        if rng.random() < 0.15:
            out.append(("\\u%04x" if rng.random() < 0.5 else "\\u%04X") % ord(char))
        else:
            out.append(char)
    return "".join(out).encode()


@pytest.mark.parametrize("mode", MODES)
async def test_a_key_in_any_spelling_never_leaves_a_stream_in_random_chunks(mode: str) -> None:
    """The key echoed in events (plain, partly escaped, next to escapes of other text), cut anywhere between
    chunks: no event holds it, and the text around it is kept."""
    rng = random.Random(777)
    for _ in range(120):
        frames: list[bytes] = []
        for i in range(rng.randint(1, 10)):
            if rng.random() < 0.4:
                frames.append(b'data: {"event": "message", "answer": "k=%s;%d"}\n\n' % (_spelt(rng, APP_KEY), i))
            elif rng.random() < 0.3:
                frames.append(b'data: {"event": "message", "answer": "\\u00e9\\/%d"}\n\n' % i)
            else:
                frames.append(b'data: {"event": "message", "answer": "%d"}\n\n' % i)
        frames.append(b'data: {"event": "message_end", "id": "m"}\n\n')
        body = b"".join(frames)
        events = await _chat_stream(mode, _chunks(rng, body))
        expected = [json.loads(e.data) for e in reference(body)]
        assert len(events) == len(expected)
        for event, sent in zip(events, expected, strict=True):
            assert APP_KEY not in repr(event) and APP_KEY not in event.model_dump_json(), body
            assert event.model_dump(exclude_unset=True) == json.loads(json.dumps(sent).replace(APP_KEY, "***"))
