"""The retry table, through the real transport: what is retried, how often, after how long; nothing sent twice."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
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
from tests.support import APP_KEY, MODES, Recorder, make_client

CHAT = ChatMessageRequest.builder().query("hi").user("u").build()
INFO = GetAppInfoRequest()
OK_INFO = {"name": "app"}
OK_CHAT = {"answer": "hello", "id": "m1"}


def err(status: int, code: str | None = None, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"status": status, "code": code or "x", "message": "m"}
    return httpx.Response(status, json=body, headers=headers)


def page(status: int, headers: dict[str, str] | None = None) -> httpx.Response:
    """An HTML error page, as nginx in front of Dify sends."""
    html = f"<html><head><title>{status}</title></head><body><center><h1>{status}</h1></center><hr>nginx</body></html>"
    return httpx.Response(status, text=html, headers={"content-type": "text/html", **(headers or {})})


# answer, attempts for a safe GET, attempts for an unsafe POST, exception. A POST is re-sent only when the answer
# proves the request was not processed: no connection made, Dify's JSON 429 too_many_requests, a 503 + Retry-After.
CASES: list[tuple[str, Any, int, int, type[Exception]]] = [
    ("connect error", httpx.ConnectError("refused"), 3, 3, APIConnectionError),
    ("connect timeout", httpx.ConnectTimeout("slow"), 3, 3, APITimeoutError),
    ("pool timeout", httpx.PoolTimeout("pool"), 3, 3, APITimeoutError),
    ("read timeout", httpx.ReadTimeout("slow"), 3, 1, APITimeoutError),
    ("write timeout", httpx.WriteTimeout("slow"), 3, 1, APITimeoutError),
    ("read error", httpx.ReadError("reset"), 3, 1, APIConnectionError),
    ("disconnect", httpx.RemoteProtocolError("closed"), 3, 1, APIConnectionError),
    ("408", err(408), 3, 1, APIStatusError),
    ("502", err(502), 3, 1, errors.InternalServerError),
    ("502 html page", page(502), 3, 1, errors.InternalServerError),
    ("503", err(503), 3, 1, errors.InternalServerError),
    ("503 html page", page(503), 3, 1, errors.InternalServerError),
    ("503 + retry-after", err(503, headers={"retry-after": "0"}), 3, 3, errors.InternalServerError),
    ("503 html page + retry-after", page(503, {"retry-after": "0"}), 3, 3, errors.InternalServerError),
    ("503 + garbage retry-after", err(503, headers={"retry-after": "soon"}), 3, 1, errors.InternalServerError),
    ("429 too_many_requests", err(429, "too_many_requests"), 3, 3, errors.TooManyRequestsError),
    ("429 html page", page(429), 3, 1, errors.RateLimitError),
    ("429 other code", err(429, "slow_down"), 3, 1, errors.RateLimitError),
    ("429 rate_limit_error", err(429, "rate_limit_error"), 1, 1, errors.RateLimitError),
    ("500", err(500), 3, 1, errors.InternalServerError),
    ("504", err(504), 3, 1, errors.InternalServerError),
    ("504 html page", page(504), 3, 1, errors.InternalServerError),
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
    rec = Recorder(
        answers=[err(503, headers={"retry-after": "0"}), httpx.ConnectError("x"), httpx.Response(200, json=OK_CHAT)]
    )
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
    """The back-off waits, recorded instead of waited (the transport sleeps on an Event that close() sets)."""
    waited: list[float] = []

    def wait(self: threading.Event, timeout: float | None = None) -> bool:
        waited.append(timeout if timeout is not None else -1.0)
        return self.is_set()

    monkeypatch.setattr(threading.Event, "wait", wait)
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
    assert not should_retry("status", status=429, code=None, safe=False)  # a proxy's 429 page: maybe processed
    assert should_retry("status", status=429, code=None, safe=True)
    assert should_retry("status", status=429, code="too_many_requests", safe=False)
    for status in (408, 500, 502, 503, 504):
        assert should_retry("status", status=status, safe=True)
        assert not should_retry("status", status=status, safe=False)
    assert should_retry("status", status=503, safe=False, retry_after=True)
    assert not should_retry("status", status=502, safe=False, retry_after=True)
    assert not should_retry("read", safe=False) and should_retry("read", safe=True)


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
        rec = Recorder(answers=[err(503, headers={"retry-after": "0"}), httpx.Response(201, json={"id": "f1"})])
        out = make_client(rec).dify.v1.file.upload(UploadFileRequest.builder().file(source).user("u").build())
        assert out.id == "f1"
        assert len(rec.requests) == 2
        assert rec.bodies[0].count(marker) == 1 and rec.bodies[1].count(marker) == 1
        boundary = rec.requests[1].headers["content-type"].split("boundary=")[1].encode()
        assert rec.bodies[1] == rec.bodies[0].replace(
            rec.requests[0].headers["content-type"].split("boundary=")[1].encode(), boundary
        )


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# ---- Retry-After that cannot be honoured: the normal back-off, never a stall or a raw error ----------------------

BAD_RETRY_AFTER = ["nan", "NaN", "inf", "-inf", "-5", "1e999", "soon", "", " ", "1_0", "\u0661\u0662", "5, 5", "0x10"]


@pytest.mark.parametrize("value", BAD_RETRY_AFTER)
def test_unusable_retry_after_values_parse_as_absent(value: str) -> None:
    assert parse_retry_after({"retry-after": value}) is None
    assert parse_retry_after({"retry-after-ms": value}) is None
    assert parse_retry_after({"retry-after-ms": value, "retry-after": "2"}) == 2.0


def test_an_unusable_retry_after_falls_back_to_the_backoff(sleeps: list[float]) -> None:
    for header in ("retry-after", "retry-after-ms"):
        sleeps.clear()
        answers = [err(429, "too_many_requests", {header: v}) for v in ("nan", "inf", "-3")]
        rec = Recorder(answers=[*answers, httpx.Response(200, json=OK_CHAT)])
        client = make_client(rec, max_retries=3, retry_base_delay=0.5)
        assert client.chat.v1.message.create(CHAT).answer == "hello"
        assert len(rec.requests) == 4
        assert len(sleeps) == 3
        for slept, full in zip(sleeps, (0.5, 1.0, 2.0), strict=True):
            assert full * 0.75 <= slept <= full


async def test_an_unusable_retry_after_falls_back_to_the_backoff_async() -> None:
    answers = [err(429, "too_many_requests", {"retry-after": v}) for v in ("nan", "inf")]
    rec = Recorder(answers=[*answers, httpx.Response(200, json=OK_CHAT)])
    assert (await make_client(rec).chat.v1.message.acreate(CHAT)).answer == "hello"
    assert len(rec.requests) == 3


# ---- a DELETE whose retry finds the resource gone -----------------------------------------------------------------

GONE = err(404, "not_found")


@pytest.mark.parametrize("first", [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("closed")])
async def test_a_delete_retried_after_a_timeout_that_answers_404_is_done(mode: str, first: Exception) -> None:
    from dify_oapi.api.knowledge_base.v1.model.dataset import DeleteDatasetRequest

    rec = Recorder(answers=[first, GONE])
    kb = make_client(rec).knowledge_base.v1.dataset
    request = DeleteDatasetRequest.builder().dataset_id("ds-1").build()
    result = kb.delete(request) if mode == "sync" else await kb.adelete(request)
    assert result is not None
    assert [r.method for r in rec.requests] == ["DELETE", "DELETE"]


async def test_a_delete_that_answers_404_at_once_is_still_not_found(mode: str) -> None:
    from dify_oapi.api.knowledge_base.v1.model.dataset import DeleteDatasetRequest

    request = DeleteDatasetRequest.builder().dataset_id("ds-1").build()
    for answers in ([GONE], [err(503), GONE]):  # a 503 proves nothing was deleted: the 404 is real
        kb = make_client(Recorder(answers=list(answers))).knowledge_base.v1.dataset
        with pytest.raises(errors.NotFoundError):
            kb.delete(request) if mode == "sync" else await kb.adelete(request)


# ---- DIFY_OAPI_LOG=debug: one line per retry, no keys, no bodies -----------------------------------------------


@pytest.fixture
def env_debug_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import logging

    from dify_oapi.core._log import logger

    monkeypatch.setenv("DIFY_OAPI_LOG", "debug")
    level, handlers = logger.level, list(logger.handlers)
    yield
    logger.setLevel(level)
    logger.handlers[:] = handlers
    logging.getLogger("dify_oapi").propagate = True


async def test_debug_log_has_one_line_per_retry_without_keys_or_bodies(
    mode: str, env_debug_log: None, caplog: pytest.LogCaptureFixture
) -> None:
    import logging
    import re

    secret_body = {"status": 503, "code": "x", "message": f"quoted {APP_KEY} and BODY-MARKER"}
    answers: list[Any] = [
        httpx.Response(503, json=secret_body, headers={"retry-after": "0"}),
        httpx.ConnectError(f"refused {APP_KEY}"),
        httpx.Response(200, json=OK_CHAT),
    ]
    client = make_client(Recorder(answers=answers))
    with caplog.at_level(logging.DEBUG, logger="dify_oapi"):
        if mode == "sync":
            client.chat.v1.message.create(CHAT)
        else:
            await client.chat.v1.message.acreate(CHAT)
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("dify_oapi")]
    retries = [line for line in lines if "retrying" in line]
    assert len(retries) == 2
    assert re.fullmatch(r"POST /chat-messages retrying in 0\.0 s after 503", retries[0])
    assert re.fullmatch(r"POST /chat-messages retrying in \d+\.\d s after ConnectError", retries[1])
    text = "\n".join(lines)
    assert APP_KEY not in text and "BODY-MARKER" not in text and "hello" not in text
