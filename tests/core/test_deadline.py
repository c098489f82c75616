"""``RequestOption.deadline``: one bound for the whole call (attempts, back-off sleeps, a stream to its end).

Checked on what httpx is asked to wait (MockTransport), on how many requests a server gets, and on real loopback
servers that stall or never end; small deadlines, generous liveness bounds, never a duration asserted. The fault
matrix (tests/reliability) has the same faults for every call kind, sync and async."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from dify_oapi import APITimeoutError, Client, InternalServerError, InvalidRequestError, RequestOption
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from tests.reliability.faultserver import SILENT, Act, FaultServer
from tests.support import MODES, Recorder, call, collect, make_client, sse

REQUEST = ChatMessageRequest.builder().query("q").user("u").build()
MESSAGE = {"event": "message", "answer": "a", "message_id": "m", "conversation_id": "c"}
DEADLINE = RequestOption(deadline=0.3)
ROOMY = RequestOption(deadline=1.0)  # where a loaded machine must open the stream within it


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf")])
def test_a_deadline_must_be_a_positive_number(bad: float) -> None:
    with pytest.raises(InvalidRequestError, match="deadline"):
        RequestOption(deadline=bad)
    assert RequestOption.builder().deadline(2.5).build().deadline == 2.5


async def test_every_timeout_of_an_attempt_is_bounded_by_the_time_left(mode: str) -> None:
    rec = Recorder(answers=[httpx.Response(200, json={"name": "app"})] * 2)
    client = make_client(rec, timeout=httpx.Timeout(600.0, connect=5.0))
    await call(mode, client.dify.v1.app, "info", None, RequestOption(deadline=2.0))
    bounded = rec.requests[0].extensions["timeout"]
    assert all(0 < value <= 2.0 for value in bounded.values()), bounded
    await call(mode, client.dify.v1.app, "info", None)  # without a deadline: the Client's timeouts
    assert rec.requests[1].extensions["timeout"]["read"] == 600.0


async def test_a_back_off_that_would_overrun_the_deadline_is_not_slept(mode: str) -> None:
    """A 500 on a GET is retried after a back-off of about 5 s here: with 0.3 s left the 500 is raised at once."""
    rec = Recorder(answers=[httpx.Response(500, json={"code": "x", "message": "m"}), httpx.Response(200, json={})])
    client = make_client(rec, retry_base_delay=5.0)
    with pytest.raises(InternalServerError):
        await call(mode, client.dify.v1.app, "info", None, DEADLINE)
    assert len(rec.requests) == 1


async def test_retries_go_on_within_the_deadline_then_it_raises(mode: str) -> None:
    """A silent server, a 0.1 s read timeout per attempt and 50 retries allowed: the deadline ends the call."""
    with FaultServer([SILENT]) as server:
        client = Client(
            base_url=server.url, api_key="app-k", timeout=httpx.Timeout(0.1, connect=5.0), max_retries=50,
            retry_base_delay=0.01,
        )  # fmt: skip
        # The deadline's own error, or the last attempt's timeout when the next back-off would not fit (load decides).
        with pytest.raises(APITimeoutError) as info:
            await call(mode, client.dify.v1.app, "info", None, RequestOption(deadline=0.6))
        await client.aclose() if mode == "async" else client.close()
    assert len(server.seen) < 51  # not every retry allowed: the deadline ended them
    assert info.value.__context__ is None and "app-k" not in repr(info.value.request.headers)  # type: ignore[union-attr]


def _endless_sync() -> Iterator[bytes]:
    yield sse(MESSAGE)
    for _ in range(100):  # 2 s at most without a deadline
        time.sleep(0.02)
        yield b"event: ping\n\n"


async def _endless_async() -> AsyncIterator[bytes]:
    yield sse(MESSAGE)
    for _ in range(100):
        await asyncio.sleep(0.02)
        yield b"event: ping\n\n"


async def test_a_stream_whose_events_keep_coming_raises_past_the_deadline(mode: str) -> None:
    body = _endless_sync() if mode == "sync" else _endless_async()
    rec = Recorder(answers=[lambda r: httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)])
    client = make_client(rec)
    got: list[object] = []
    with pytest.raises(APITimeoutError, match="deadline"):
        await collect(mode, client.chat.v1.message, "stream", REQUEST, DEADLINE, into=got)
    assert len(got) <= 1 and len(rec.requests) == 1  # the message, unless a loaded machine took the 0.3 s before it


def _drain(stream: Iterator[object]) -> list[object]:
    return list(stream)


async def _adrain(stream: AsyncIterator[object]) -> list[object]:
    return [event async for event in stream]


def test_a_sync_stream_raises_again_and_is_closed_after_its_deadline() -> None:
    act = Act(200, sse(MESSAGE), headers=(("content-type", "text/event-stream"),), framing="chunked", then="trickle",
              drip=b"event: ping\n\n")  # fmt: skip
    with FaultServer([act]) as server:
        client = Client(base_url=server.url, api_key="app-k", stream_read_timeout=30.0)
        stream = client.chat.v1.message.stream(REQUEST, ROOMY)
        with pytest.raises(APITimeoutError):
            _drain(stream)
        assert stream.closed and stream.response.is_closed
        with pytest.raises(APITimeoutError):
            next(stream)
        client.close()
        assert server.wait_closed(5.0)
    assert len(server.seen) == 1


async def test_a_stalled_async_stream_raises_at_its_deadline() -> None:
    act = Act(200, sse(MESSAGE), headers=(("content-type", "text/event-stream"),), framing="chunked", then="stall")
    with FaultServer([act]) as server:
        client = Client(base_url=server.url, api_key="app-k", stream_read_timeout=30.0)
        stream = client.chat.v1.message.astream(REQUEST, ROOMY)
        with pytest.raises(APITimeoutError, match="deadline"):
            await _adrain(stream)
        assert stream.closed
        with pytest.raises(APITimeoutError):
            await stream.__anext__()
        await client.aclose()
    assert len(server.seen) == 1


async def test_the_input_form_fetch_is_inside_the_deadline(mode: str) -> None:
    """``check_inputs`` fetches the app's form (GET /parameters) first: a silent /parameters ends at the deadline."""
    with FaultServer([SILENT]) as server:
        client = Client(base_url=server.url, api_key="app-k", timeout=30.0, check_inputs=True)
        with pytest.raises(APITimeoutError, match="deadline"):
            await call(mode, client.chat.v1.message, "create", REQUEST, DEADLINE)
        await client.aclose() if mode == "async" else client.close()
    assert [seen.path for seen in server.seen] in ([], ["/v1/parameters"])


async def test_a_client_wide_deadline_and_with_options(mode: str) -> None:
    """``Client(deadline=)`` / ``with_options(deadline=)`` set every call's default; a RequestOption replaces it."""
    rec = Recorder(default=lambda r: httpx.Response(200, json={"name": "app"}))
    parent = make_client(rec, timeout=600.0)
    child = parent.with_options(deadline=2.0)
    assert Client.builder().deadline(4.0).build().config.deadline == 4.0
    await call(mode, child.dify.v1.app, "info", None)
    await call(mode, child.dify.v1.app, "info", None, RequestOption(deadline=0.5))
    await call(mode, parent.dify.v1.app, "info", None)
    reads = [r.extensions["timeout"]["read"] for r in rec.requests]
    assert 0 < reads[0] <= 2.0 and 0 < reads[1] <= 0.5 and reads[2] == 600.0
    for bad in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="deadline"):
            parent.with_options(deadline=bad)
        with pytest.raises(ValueError, match="deadline"):
            Client(deadline=bad)


class _SlowFile(io.BytesIO):
    """A file that gives 1 KiB per read, 20 ms each: 200 KiB take 4 s to upload without a deadline."""

    def read(self, size: int | None = -1) -> bytes:
        time.sleep(0.02)
        return super().read(1024 if size is None or size < 0 else min(size, 1024))


async def test_a_slow_upload_ends_at_the_deadline(mode: str) -> None:
    from dify_oapi.api.dify.v1.model.file import UploadFileRequest

    rec = Recorder(answers=[httpx.Response(201, json={"id": "f", "name": "a.bin", "size": 1})])
    client = make_client(rec, timeout=600.0)
    slow = _SlowFile(b"x" * 200 * 1024)
    request = UploadFileRequest.builder().file(("a.bin", slow)).user("u").build()
    with pytest.raises(APITimeoutError, match="deadline"):
        await call(mode, client.dify.v1.file, "upload", request, DEADLINE)
    assert slow.tell() < 200 * 1024  # stopped mid-way, not after sending it all
    assert rec.requests == []  # MockTransport reads the body first: it never got a whole request


async def test_the_first_attempt_always_goes_out(mode: str) -> None:
    """A deadline already spent before the first send (1 µs: encoding takes longer) still sends it, once."""
    rec = Recorder(answers=[httpx.Response(200, json={"name": "app"})])
    answer = await call(mode, make_client(rec).dify.v1.app, "info", None, RequestOption(deadline=1e-6))
    assert answer.name == "app" and len(rec.requests) == 1
    assert all(value >= 0.001 for value in rec.requests[0].extensions["timeout"].values())


async def test_an_async_stream_whose_open_passed_the_deadline_keeps_raising() -> None:
    """The headers never come: the open raises at the deadline, and a later ``__anext__`` raises again (it was a
    normal end of iteration on a loaded machine, where the deadline passed while opening)."""
    with FaultServer([SILENT]) as server:
        client = Client(base_url=server.url, api_key="app-k", stream_read_timeout=30.0)
        stream = client.chat.v1.message.astream(REQUEST, DEADLINE)
        with pytest.raises(APITimeoutError, match="deadline"):
            await stream.__anext__()
        with pytest.raises(APITimeoutError, match="deadline"):
            await stream.__anext__()
        await client.aclose()


def test_a_sync_stream_left_idle_is_released_at_its_deadline() -> None:
    """The deadline's timer releases the connection of a stream nobody reads (a blocked read would be woken the
    same way); the next read raises APITimeoutError."""
    rec = Recorder(answers=[lambda r: httpx.Response(200, headers={"content-type": "text/event-stream"},
                                                     content=_endless_sync())])  # fmt: skip
    stream = make_client(rec).chat.v1.message.stream(REQUEST, DEADLINE)
    for _ in range(400):  # liveness bound: 4 s
        if stream.closed:
            break
        time.sleep(0.01)
    assert stream.closed and stream.response.is_closed
    with pytest.raises(APITimeoutError, match="deadline"):
        next(stream)
