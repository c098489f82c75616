"""The retry table, through the real transport: what is retried, how often, after how long; nothing sent twice."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from dify_oapi import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    RequestOption,
)
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.api.dify.v1.model.app import GetAppInfoRequest
from dify_oapi.api.dify.v1.model.file import UploadFileRequest
from dify_oapi.core import errors
from dify_oapi.core.retry import RetryPolicy, parse_retry_after, should_retry
from tests.support import Recorder, make_client

CHAT = ChatMessageRequest.builder().query("hi").user("u").build()
INFO = GetAppInfoRequest()
OK_INFO = {"name": "app"}
OK_CHAT = {"answer": "hello", "id": "m1"}


def err(status: int, code: str | None = None, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"status": status, "code": code or "x", "message": "m"}
    return httpx.Response(status, json=body, headers=headers)


# answer, attempts for a safe GET, attempts for an unsafe POST, exception
CASES: list[tuple[str, Any, int, int, type[Exception]]] = [
    ("connect error", httpx.ConnectError("refused"), 3, 3, APIConnectionError),
    ("connect timeout", httpx.ConnectTimeout("slow"), 3, 3, APITimeoutError),
    ("pool timeout", httpx.PoolTimeout("pool"), 3, 3, APITimeoutError),
    ("read timeout", httpx.ReadTimeout("slow"), 3, 1, APITimeoutError),
    ("write timeout", httpx.WriteTimeout("slow"), 3, 1, APITimeoutError),
    ("read error", httpx.ReadError("reset"), 3, 1, APIConnectionError),
    ("disconnect", httpx.RemoteProtocolError("closed"), 3, 1, APIConnectionError),
    ("408", err(408), 3, 3, APIStatusError),
    ("502", err(502), 3, 3, errors.InternalServerError),
    ("503", err(503), 3, 3, errors.InternalServerError),
    ("429 too_many_requests", err(429, "too_many_requests"), 3, 3, errors.TooManyRequestsError),
    ("429 rate_limit_error", err(429, "rate_limit_error"), 1, 1, errors.RateLimitError),
    ("500", err(500), 3, 1, errors.InternalServerError),
    ("504", err(504), 3, 1, errors.InternalServerError),
    ("409", err(409, "dataset_name_duplicate"), 1, 1, errors.DatasetNameDuplicateError),
    ("400", err(400, "invalid_param"), 1, 1, errors.InvalidParamError),
    ("401", err(401, "unauthorized"), 1, 1, errors.AuthenticationError),
    ("403", err(403, "forbidden"), 1, 1, errors.PermissionDeniedError),
    ("404", err(404, "not_found"), 1, 1, errors.NotFoundError),
    ("413", err(413, "file_too_large"), 1, 1, errors.FileTooLargeError),
    ("415", err(415, "unsupported_file_type"), 1, 1, errors.UnsupportedFileTypeError),
]


def _answers(answer: Any, n: int = 5) -> list[Any]:
    return [answer] * n


@pytest.mark.parametrize(
    ("name", "answer", "safe_attempts", "unsafe_attempts", "exc"), CASES, ids=[c[0] for c in CASES]
)
def test_retry_table_sync(
    name: str, answer: Any, safe_attempts: int, unsafe_attempts: int, exc: type[Exception]
) -> None:
    rec = Recorder(answers=_answers(answer))
    client = make_client(rec)
    with pytest.raises(exc):
        client.dify.v1.app.info(INFO)
    assert len(rec.requests) == safe_attempts
    rec = Recorder(answers=_answers(answer))
    client = make_client(rec)
    with pytest.raises(exc):
        client.chat.v1.message.create(CHAT)
    assert len(rec.requests) == unsafe_attempts


@pytest.mark.parametrize(
    ("name", "answer", "safe_attempts", "unsafe_attempts", "exc"), CASES, ids=[c[0] for c in CASES]
)
async def test_retry_table_async(
    name: str, answer: Any, safe_attempts: int, unsafe_attempts: int, exc: type[Exception]
) -> None:
    rec = Recorder(answers=_answers(answer))
    client = make_client(rec)
    with pytest.raises(exc):
        await client.dify.v1.app.ainfo(INFO)
    assert len(rec.requests) == safe_attempts
    rec = Recorder(answers=_answers(answer))
    client = make_client(rec)
    with pytest.raises(exc):
        await client.chat.v1.message.acreate(CHAT)
    assert len(rec.requests) == unsafe_attempts


def test_streaming_post_is_never_retried_after_a_read_failure() -> None:
    rec = Recorder(answers=_answers(httpx.ReadTimeout("slow")))
    client = make_client(rec)
    with pytest.raises(APITimeoutError):
        client.chat.v1.message.stream(CHAT)
    assert len(rec.requests) == 1


def test_success_after_retries_returns_the_answer() -> None:
    rec = Recorder(answers=[err(503), httpx.ConnectError("x"), httpx.Response(200, json=OK_CHAT)])
    answer = make_client(rec).chat.v1.message.create(CHAT)
    assert answer.answer == "hello"
    assert len(rec.requests) == 3
    assert rec.bodies[0] == rec.bodies[2]


def test_max_retries_from_client_and_per_call_option() -> None:
    rec = Recorder(answers=_answers(err(503), 10))
    with pytest.raises(APIStatusError):
        make_client(rec, max_retries=4).dify.v1.app.info()
    assert len(rec.requests) == 5
    rec = Recorder(answers=_answers(err(503), 10))
    option = RequestOption.builder().max_retries(0).build()
    with pytest.raises(APIStatusError):
        make_client(rec).dify.v1.app.info(INFO, option)
    assert len(rec.requests) == 1
    assert option.max_retries == 0  # the option is not mutated


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waited: list[float] = []
    monkeypatch.setattr(time, "sleep", waited.append)
    return waited


def test_retry_after_ms_and_seconds_are_honoured(sleeps: list[float]) -> None:
    rec = Recorder(
        answers=[
            err(429, "too_many_requests", {"retry-after-ms": "250"}),
            err(503, headers={"retry-after": "2"}),
            httpx.Response(200, json=OK_INFO),
        ]
    )
    assert make_client(rec).dify.v1.app.info().name == "app"
    assert sleeps == [0.25, 2.0]


def test_retry_after_http_date(sleeps: list[float]) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    rec = Recorder(answers=[err(503, headers={"retry-after": when}), httpx.Response(200, json=OK_INFO)])
    make_client(rec).dify.v1.app.info()
    assert len(sleeps) == 1 and 25 <= sleeps[0] <= 31


def test_retry_after_beyond_60_seconds_is_not_waited_for(sleeps: list[float]) -> None:
    rec = Recorder(answers=_answers(err(429, "too_many_requests", {"retry-after": "120"})))
    with pytest.raises(errors.TooManyRequestsError) as info:
        make_client(rec).dify.v1.app.info()
    assert info.value.retry_after == 120.0
    assert len(rec.requests) == 1 and sleeps == []


def test_backoff_is_jittered_exponential_and_capped() -> None:
    policy = RetryPolicy()
    for n, full in enumerate([0.5, 1, 2, 4, 8, 8, 8]):
        for _ in range(50):
            assert full * 0.75 <= policy.backoff(n) <= full
    assert policy.delay(0, 3.0) == 3.0
    assert policy.delay(0, 61.0) is None


def test_backoff_delays_are_slept_between_attempts(sleeps: list[float]) -> None:
    rec = Recorder(answers=_answers(err(502)))
    with pytest.raises(APIStatusError):
        make_client(rec, retry_base_delay=0.5).dify.v1.app.info()
    assert len(sleeps) == 2
    assert 0.375 <= sleeps[0] <= 0.5 and 0.75 <= sleeps[1] <= 1.0


def test_parse_retry_after_variants() -> None:
    assert parse_retry_after(httpx.Headers({"retry-after-ms": "1500"})) == 1.5
    assert parse_retry_after(httpx.Headers({"retry-after": "3"})) == 3.0
    assert parse_retry_after(httpx.Headers({"retry-after": "soon"})) is None
    assert parse_retry_after(httpx.Headers({})) is None
    past = format_datetime(datetime.now(UTC) - timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(httpx.Headers({"retry-after": past})) == 0.0


def test_should_retry_pure_table() -> None:
    assert should_retry("connect", safe=False, rewindable=False)
    assert not should_retry("timeout", safe=False)
    assert should_retry("timeout", safe=True)
    assert not should_retry("status", status=503, safe=True, rewindable=False)
    assert not should_retry("status", status=409, safe=True)
    assert not should_retry("status", status=429, code="rate_limit_error", safe=True)
    assert should_retry("status", status=429, code=None, safe=False)


class OneWay(io.RawIOBase):
    """A file object that cannot be rewound."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_non_seekable_upload_is_never_sent_twice() -> None:
    rec = Recorder(answers=_answers(err(503)))
    req = UploadFileRequest.builder().file(("a.txt", OneWay(b"payload"), "text/plain")).user("u").build()
    with pytest.raises(APIStatusError):
        make_client(rec).dify.v1.file.upload(req)
    assert len(rec.requests) == 1


def test_seekable_and_path_uploads_are_resent_whole(tmp_path: Any) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(b"from disk")
    buffer = io.BytesIO(b"from buffer")
    for source, marker in ((path, b"from disk"), (("b.txt", buffer, "text/plain"), b"from buffer")):
        rec = Recorder(answers=[err(503), httpx.Response(201, json={"id": "f1"})])
        out = make_client(rec).dify.v1.file.upload(UploadFileRequest.builder().file(source).user("u").build())
        assert out.id == "f1"
        assert len(rec.requests) == 2
        assert rec.bodies[0].count(marker) == 1 and rec.bodies[1].count(marker) == 1
        boundary = rec.requests[1].headers["content-type"].split("boundary=")[1].encode()
        assert rec.bodies[1] == rec.bodies[0].replace(
            rec.requests[0].headers["content-type"].split("boundary=")[1].encode(), boundary
        )
