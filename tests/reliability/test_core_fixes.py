"""Unit tests (no sockets) pinning the core fixes the fault matrix led to; the matrix checks them over sockets."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from dify_oapi import APIConnectionError, APIResponseValidationError, APITimeoutError
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.core._sse import SSEDecoder
from dify_oapi.core.errors import InvalidParamError
from tests.support import APP_KEY, Recorder, make_client

from .matrix import _Files, _PreviewRequest

CHAT = ChatMessageRequest.builder().query("q").user("u").build()


class _Cut(httpx.SyncByteStream):
    """A body that breaks after its first bytes."""

    def __init__(self, first: bytes, exc: Exception) -> None:
        self.first, self.exc = first, exc

    def __iter__(self) -> Iterator[bytes]:
        yield self.first
        raise self.exc


def _cut(first: bytes, exc: Exception) -> httpx.Response:
    return httpx.Response(200, stream=_Cut(first, exc), headers={"content-type": "application/json"})


@pytest.mark.parametrize("exc", [httpx.ReadError("reset"), httpx.ReadTimeout("slow")])
def test_a_get_whose_body_breaks_is_retried(exc: Exception) -> None:
    rec = Recorder(answers=[lambda r: _cut(b'{"na', exc), httpx.Response(200, json={"name": "app"})])
    assert make_client(rec).dify.v1.app.info().name == "app"
    assert len(rec.requests) == 2


@pytest.mark.parametrize(
    ("exc", "err"), [(httpx.ReadError("reset"), APIConnectionError), (httpx.ReadTimeout("slow"), APITimeoutError)]
)
def test_a_post_whose_body_breaks_is_not_resent(exc: Exception, err: type[Exception]) -> None:
    rec = Recorder(answers=[lambda r: _cut(b'{"an', exc), httpx.Response(200, json={"answer": "a"})])
    with pytest.raises(err):
        make_client(rec).chat.v1.message.create(CHAT)
    assert len(rec.requests) == 1


@pytest.mark.parametrize(
    ("exc", "err"), [(httpx.ReadError("reset"), APIConnectionError), (httpx.ReadTimeout("slow"), APITimeoutError)]
)
def test_a_binary_body_that_breaks_raises_a_typed_error(exc: Exception, err: type[Exception]) -> None:
    rec = Recorder(default=lambda r: _cut(b"\x89PNG", exc))
    files = _Files(make_client(rec)._transport)
    with pytest.raises(err), files.preview(_PreviewRequest(file_id="f")) as answer:
        answer.read()
    with pytest.raises(err):
        list(files.preview(_PreviewRequest(file_id="f")).iter_bytes())


def test_an_in_band_error_event_body_is_scrubbed() -> None:
    event = b'data: {"event": "error", "status": 400, "code": "invalid_param", "message": "bad %s"}\n\n' % (
        APP_KEY.encode()
    )
    rec = Recorder(default=lambda r: httpx.Response(200, content=event, headers={"content-type": "text/event-stream"}))
    with pytest.raises(InvalidParamError) as info, make_client(rec).chat.v1.message.stream(CHAT) as stream:
        list(stream)
    assert APP_KEY not in str(info.value.body) and APP_KEY not in str(info.value)


def test_events_before_invalid_utf8_are_delivered_first() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b'data: {"a": 1}\n\ndata: \xff\n\n')
    assert [e.data for e in events] == ['{"a": 1}']
    with pytest.raises(UnicodeDecodeError):
        decoder.feed(b"data: more\n\n")
    body = b'data: {"event": "message", "answer": "ok"}\n\ndata: \xff\n\n'
    rec = Recorder(default=lambda r: httpx.Response(200, content=body, headers={"content-type": "text/event-stream"}))
    got: list[object] = []
    with pytest.raises(APIResponseValidationError), make_client(rec).chat.v1.message.stream(CHAT) as stream:
        got.extend(stream)
    assert [getattr(e, "answer", None) for e in got] == ["ok"]
