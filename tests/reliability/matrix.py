"""The fault matrix as data, and the runner that plays it over real sockets.

A cell is (mode, kind, fault): ``mode`` sync, async, or async on the aiohttp backend; ``kind`` one call kind of the SDK (a blocking POST, a
streaming POST, a GET, a multipart upload from a path, a binary download); ``fault`` what the server (or the network)
does. Each fault says, per kind, what must happen (:class:`Expect`): success (with the expected answer) or one exact
exception type, how many requests the server must have received, how many attempts the SDK must have logged. The
runner also measures, per cell: whether the call ended within its budget (timeouts + backoff + Retry-After + a
margin), whether a connection was left checked out of the pool, whether a POST the server may have acted on was sent
again, and whether a planted key appears in any log record (every logger, DEBUG), exception text, traceback or repr.

``run_matrix()`` is used by ``tests/reliability/test_matrix.py`` and by ``python -m tests.reliability.report``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import math
import os
import pickle
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

import httpx

from dify_oapi import Client, RequestOption
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.api.dify.v1.model.file import UploadFileRequest
from dify_oapi.core.endpoint import Endpoint
from dify_oapi.core.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    InvalidParamError,
    RateLimitError,
    ResponseTooLargeError,
    StreamIncompleteError,
)
from dify_oapi.core.model import Path, Query, Request
from dify_oapi.core.resource import Method, Resource, acall_binary, call_binary

from .faultserver import CLOSE, RESET, SILENT, STALL_MAX, Act, Blackhole, FaultServer, Refused, Seen

Mode = Literal["sync", "async", "aiohttp"]
Kind = Literal["blocking", "stream", "get", "upload", "download"]
MODES: tuple[Mode, ...] = ("sync", "async", "aiohttp")
"""``aiohttp``: the async calls of a ``Client(async_backend="aiohttp")`` (core/_aiohttp.py)."""
KINDS: tuple[Kind, ...] = ("blocking", "stream", "get", "upload", "download")
SAFE_KINDS = frozenset({"get", "download"})
KIND_CALLS: dict[Kind, str] = {
    "blocking": "chat.v1.message.create / acreate (POST, blocking)",
    "stream": "chat.v1.message.stream / astream (POST, SSE)",
    "get": "dify.v1.app.info / ainfo (GET)",
    "upload": "dify.v1.file.upload / aupload (POST multipart, from a path)",
    "download": "GET /files/{file_id}/preview (binary)",
}

CLIENT_KEY = "app-PLANTED-client-key-7f3a9c1e5b"
PER_CALL_KEY = "app-PLANTED-per-call-key-2d8e4b6f0a"
SECRETS = (CLIENT_KEY, PER_CALL_KEY)

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 1.5
STREAM_READ_TIMEOUT = 1.0
MAX_RETRIES = 2
RETRY_BASE_DELAY = 0.02
MARGIN = 1.5
HEAVY_MARGIN = 30.0

QUERY = "reliability-q"
FILE_BYTES = b"reliability upload \x00\x01\x02 " * 40
BIN_BYTES = bytes(range(256)) * 64
TEN_MB = 10 * 1024 * 1024
MANY = 100_000
TEN_MB_PNG_SHA = hashlib.sha1(b"\x89PNG" + b"\x00" * (TEN_MB - 4)).hexdigest()[:8]
CAP = 1024 * 1024  # max_response_bytes of the "over the cap" cells
OVER_CAP = 2 * CAP
OVER_CAP_PNG_SHA = hashlib.sha1(b"\x89PNG" + b"\x00" * (OVER_CAP - 4)).hexdigest()[:8]


# ---- the binary column ------------------------------------------------------------------------------------------


class _PreviewRequest(Request):
    file_id: Annotated[str, Path()]
    as_attachment: Annotated[bool | None, Query()] = None


_PREVIEW = Endpoint("GET", "/files/{file_id}/preview", _PreviewRequest, bytes, kind="binary")


class _Files(Resource):
    preview = call_binary(_PREVIEW)
    apreview = acall_binary(_PREVIEW)


def download_methods(client: Client) -> tuple[Any, Any, Any, str]:
    """(sync method, async method, request, where from): ``client.dify.v1.file.preview`` when the API has it, else
    the same endpoint declared here on the core's ``call_binary`` (the binary path of the transport is the same)."""
    files = client.dify.v1.file
    real = getattr(type(files), "preview", None)
    areal = getattr(type(files), "apreview", None)
    if isinstance(real, Method) and isinstance(areal, Method):
        fields: dict[str, Any] = {}
        for name, info in real.endpoint.request.model_fields.items():
            if info.is_required():
                fields[name] = "u-1" if name == "user" else "file-1"
        return files.preview, files.apreview, real.endpoint.request.model_validate(fields), "dify.v1.file.preview"  # type: ignore[attr-defined]
    local = _Files(client._transport)
    return local.preview, local.apreview, _PreviewRequest(file_id="file-1"), "core call_binary (file.preview absent)"


# ---- answers ------------------------------------------------------------------------------------------------------


def _auth(seen: Seen) -> str:
    return seen.headers.get("authorization", "")


def _json(obj: Any) -> bytes:
    return json.dumps(obj).encode()


def _query_of(seen: Seen) -> str:
    try:
        return str(json.loads(seen.body).get("query", ""))
    except ValueError:
        return ""


def _file_part(seen: Seen) -> bytes:
    """The content of the multipart part named ``file``."""
    ctype = seen.headers.get("content-type", "")
    boundary = ctype.partition("boundary=")[2].strip('"').encode()
    if not boundary:
        return b""
    for part in seen.body.split(b"--" + boundary):
        head, _, content = part.partition(b"\r\n\r\n")
        if b'name="file"' in head:
            return content[:-2] if content.endswith(b"\r\n") else content
    return b""


def sse(*events: dict[str, Any] | bytes) -> bytes:
    out = bytearray()
    for event in events:
        out += event if isinstance(event, bytes) else b"data: " + _json(event) + b"\n\n"
    return bytes(out)


PING = b"event: ping\n\n"
END = {"event": "message_end", "id": "m-1", "conversation_id": "c-1", "metadata": {}}
SSE_HEADERS = (("content-type", "text/event-stream"), ("cache-control", "no-cache"))
JSON_HEADERS = (("content-type", "application/json"),)


def _message(answer: str) -> dict[str, Any]:
    return {"event": "message", "id": "m-1", "conversation_id": "c-1", "answer": answer}


def ok(kind: Kind, payload: int | None = None) -> Act:
    """The good answer of each kind; ``payload`` makes it that many bytes large (answer, description or file)."""
    if kind == "blocking":
        return Act(200, lambda s: _json({**_message("x" * payload if payload else _query_of(s)), "mode": "chat"}))
    if kind == "stream":
        return Act(
            200, lambda s: sse(PING, _message("x" * payload if payload else _query_of(s)), END),
            headers=SSE_HEADERS, framing="chunked",
        )  # fmt: skip
    if kind == "get":
        return Act(200, _json({"name": "app", "mode": "chat", **({"description": "d" * payload} if payload else {})}))
    if kind == "upload":
        return Act(201, lambda s: _json({"id": "file-1", "name": "f.bin", "size": len(_file_part(s))}))
    return Act(
        200, b"\x89PNG" + b"\x00" * (payload - 4) if payload else BIN_BYTES,
        headers=(("content-type", "image/png"), ("content-disposition", 'inline; filename="a.png"')),
    )  # fmt: skip


def echo(kind: Kind) -> Act:
    """A good answer that quotes the Authorization header it got (the SDK must scrub it from the answer)."""
    if kind == "blocking":
        return Act(200, lambda s: _json({**_message(f"echo {_auth(s)}"), "mode": "chat"}))
    if kind == "stream":
        return Act(200, lambda s: sse(PING, _message(f"echo {_auth(s)}"), END), headers=SSE_HEADERS, framing="chunked")
    if kind == "get":
        return Act(200, lambda s: _json({"name": "app", "mode": "chat", "description": f"echo {_auth(s)}"}))
    return Act(201, lambda s: _json({"id": "file-1", "name": f"echo {_auth(s)}", "size": len(_file_part(s))}))


ECHOED = len("echo Bearer ***")


def error(status: int, code: str, headers: tuple[tuple[str, str], ...] = ()) -> Act:
    """A Dify JSON error whose message quotes the Authorization header it got (the SDK must scrub it)."""
    return Act(
        status, lambda s: _json({"code": code, "status": status, "message": f"refused for {_auth(s)}"}),
        headers=JSON_HEADERS + headers, label=code,
    )  # fmt: skip


def html_page(status: int, reason: str) -> Act:
    """The error page nginx (in front of every Dify deployment) sends for ``status``."""
    title = f"{status} {reason}".encode()
    return Act(
        status,
        b"<html>\r\n<head><title>" + title + b"</title></head>\r\n<body>\r\n<center><h1>" + title
        + b"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
        headers=(("content-type", "text/html"),),
    )  # fmt: skip


HTML_502 = html_page(502, "Bad Gateway")
HTML_503 = html_page(503, "Service Temporarily Unavailable")
HTML_429 = html_page(429, "Too Many Requests")


def bad_body(kind: Kind, cut: bytes) -> Act:
    """A 200 whose JSON is ``cut``; for a stream, one good message event, then the ``cut`` event."""
    if kind == "stream":
        return Act(200, sse(PING, _message("a"), b"data: " + cut + b"\n\n", END), headers=SSE_HEADERS,
                   framing="chunked")  # fmt: skip
    return Act(200, cut)


# ---- expectations -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """``outcome`` None: success whose summary is ``value`` (default: the good answer of the kind)."""

    outcome: type[BaseException] | None
    received: int
    attempts: int | None = None
    events: int | None = None
    value: str | None = None
    min_gap: float = 0.0
    message: str | None = None
    retry_after: float = 0.0
    at_most: bool = False  # ``received`` is a maximum: the deadline may pass before a loaded server read the request

    def describe(self) -> str:
        what = "ok" if self.outcome is None else self.outcome.__name__
        return f"{what}, {self.received} received"


NA = str  # a reason why the fault does not apply to a kind


def default_value(kind: Kind) -> str:
    return {
        "blocking": f"answer:{len(QUERY)}:{QUERY[:16]}",
        "stream": f"events:1:{len(QUERY)}:message_end",
        "get": "app:app:0",
        "upload": f"file:file-1:{len(FILE_BYTES)}",
        "download": f"bytes:{len(BIN_BYTES)}:{hashlib.sha1(BIN_BYTES).hexdigest()[:8]}",
    }[kind]


def safe_retries(kind: Kind, unsafe_error: type[BaseException], events: int | None = None) -> Expect:
    """Retried (then answered) for GET; raised after one request for a POST the server may have acted on."""
    if kind in SAFE_KINDS:
        return Expect(None, 2)
    return Expect(unsafe_error, 1, events=events)


def lazy_body(kind: Kind, unsafe_error: type[BaseException]) -> Expect:
    """A fault in the body: a blocking GET reads its body inside the retry loop (retried); a binary body is read
    lazily by the caller after the call returned (cannot be retried: raised, typed); POSTs are never re-sent."""
    if kind == "get":
        return Expect(None, 2)
    return Expect(unsafe_error, 1, events=0 if kind == "stream" else None)


@dataclass(frozen=True)
class Fault:
    name: str
    script: Callable[[Kind], list[Act] | NA]
    expect: Callable[[Kind], Expect | NA]
    target: Literal["server", "refused", "blackhole"] = "server"
    heavy: bool = False
    upload_size: int = len(FILE_BYTES)
    deadline: float | None = None  # RequestOption.deadline for the call (then its budget is the deadline + MARGIN)
    client_options: tuple[tuple[str, Any], ...] = ()  # more Client(...) arguments for this fault's cells


def _stream_only(acts: Callable[[], list[Act]]) -> Callable[[Kind], list[Act] | NA]:
    return lambda kind: acts() if kind == "stream" else "streams only"


def _not_binary(fn: Callable[[Kind], list[Act]]) -> Callable[[Kind], list[Act] | NA]:
    return lambda kind: "a binary answer is not parsed or decoded" if kind == "download" else fn(kind)


def _partial(kind: Kind, then: Literal["reset", "stall"]) -> Act:
    if kind == "stream":
        return Act(200, b'data: {"event": "message", "answ', headers=SSE_HEADERS, framing="chunked", then=then)
    if kind == "download":
        return Act(200, BIN_BYTES[:100], headers=(("content-type", "image/png"),), framing="declared",
                   declared=len(BIN_BYTES), then=then)  # fmt: skip
    return Act(200, b'{"answer": "par', framing="declared", declared=400, then=then)


def _stall_first_bytes(kind: Kind) -> Act:
    if kind == "stream":
        return Act(200, PING, headers=SSE_HEADERS, framing="chunked", then="stall")
    return _partial(kind, "stall")


def _trickle(kind: Kind) -> Act:
    """An answer whose body never ends, each read answered in time: pings for a stream (after one message), bytes
    of a file for a download, spaces inside a JSON string otherwise."""
    if kind == "stream":
        return Act(200, sse(PING, _message("a")), headers=SSE_HEADERS, framing="chunked", then="trickle", drip=PING)
    if kind == "download":
        return Act(200, BIN_BYTES[:100], headers=(("content-type", "image/png"),), framing="declared",
                   declared=TEN_MB, then="trickle", drip=b"\x00" * 16)  # fmt: skip
    return Act(200, b'{"answer": "', framing="declared", declared=TEN_MB, then="trickle")


DEADLINE = 1.0  # long enough for a loaded machine to answer a 503 within it, shorter than Retry-After: 2
DEADLINE_MESSAGE = f"deadline ({DEADLINE:g} s) passed"


def _ra(seconds: float) -> Callable[[Kind], Expect]:
    return lambda kind: Expect(None, 2, min_gap=seconds * 0.9, retry_after=seconds)


FAULTS: list[Fault] = [
    Fault("connection refused", lambda k: [], lambda k: Expect(APIConnectionError, 0, attempts=3), target="refused"),
    Fault("connect timeout (full accept queue)", lambda k: [], lambda k: Expect(APITimeoutError, 0, attempts=3),
          target="blackhole"),
    Fault("read timeout before headers", lambda k: [SILENT, ok(k)], lambda k: safe_retries(k, APITimeoutError)),
    Fault("reset before headers", lambda k: [RESET, ok(k)], lambda k: safe_retries(k, APIConnectionError)),
    Fault("closed before headers", lambda k: [CLOSE, ok(k)], lambda k: safe_retries(k, APIConnectionError)),
    Fault("reset mid-body", lambda k: [_partial(k, "reset"), ok(k)], lambda k: lazy_body(k, APIConnectionError)),
    Fault("reset mid-stream", _stream_only(lambda: [Act(200, sse(PING, _message("a")), headers=SSE_HEADERS,
                                                        framing="chunked", then="reset")]),
          lambda k: Expect(APIConnectionError, 1, events=1)),
    Fault("stream ends before its terminal event", _stream_only(lambda: [Act(200, sse(PING, _message("a")),
                                                                             headers=SSE_HEADERS, framing="chunked")]),
          lambda k: Expect(StreamIncompleteError, 1, events=1)),
    Fault("in-band error event", _stream_only(lambda: [Act(200, lambda s: sse(_message("a"), {
        "event": "error", "status": 400, "code": "invalid_param", "message": f"bad {_auth(s)}"}),
        headers=SSE_HEADERS, framing="chunked")]), lambda k: Expect(InvalidParamError, 1, events=1)),
    Fault("JSON error body (200) instead of events", _stream_only(lambda: [Act(200, lambda s: _json({
        "code": "invalid_param", "status": 400, "message": f"bad {_auth(s)}"}), headers=JSON_HEADERS)]),
        lambda k: Expect(InvalidParamError, 1, events=0)),
    Fault("JSON answer (200) instead of events", _stream_only(lambda: [Act(200, lambda s: _json(
        {**_message(_query_of(s)), "mode": "chat"}), headers=JSON_HEADERS)]),
        lambda k: Expect(APIResponseValidationError, 1, events=0)),
    Fault("stall after first bytes (a ping for streams)", lambda k: [_stall_first_bytes(k), ok(k)],
          lambda k: lazy_body(k, APITimeoutError)),
    Fault("500", lambda k: [error(500, "internal_server_error"), ok(k)],
          lambda k: safe_retries(k, InternalServerError)),
    Fault("502", lambda k: [error(502, "bad_gateway"), ok(k)], lambda k: safe_retries(k, InternalServerError)),
    Fault("503", lambda k: [error(503, "unavailable"), ok(k)], lambda k: safe_retries(k, InternalServerError)),
    Fault("503 + Retry-After: 1", lambda k: [error(503, "unavailable", (("retry-after", "1"),)), ok(k)], _ra(1.0)),
    Fault("503 + Retry-After: inf, then -1 (unusable: back-off; a POST is not re-sent)",
          lambda k: [error(503, "unavailable", (("retry-after", "inf"),)),
                     error(503, "unavailable", (("retry-after", "-1"),)), ok(k)],
          lambda k: Expect(None, 3) if k in SAFE_KINDS else Expect(InternalServerError, 1)),
    Fault("504", lambda k: [error(504, "gateway_timeout"), ok(k)], lambda k: safe_retries(k, InternalServerError)),
    Fault("408", lambda k: [error(408, "request_timeout"), ok(k)], lambda k: safe_retries(k, APIStatusError)),
    Fault("429 too_many_requests (no Retry-After)", lambda k: [error(429, "too_many_requests"), ok(k)],
          lambda k: Expect(None, 2)),
    Fault("429 too_many_requests + retry-after: 1",
          lambda k: [error(429, "too_many_requests", (("retry-after", "1"),)), ok(k)], _ra(1.0)),
    Fault("429 too_many_requests + retry-after-ms: 150",
          lambda k: [error(429, "too_many_requests", (("retry-after-ms", "150"),)), ok(k)], _ra(0.15)),
    Fault("429 too_many_requests + retry-after: nan, then garbage (back-off)",
          lambda k: [error(429, "too_many_requests", (("retry-after", "nan"),)),
                     error(429, "too_many_requests", (("retry-after", "soon"),)), ok(k)],
          lambda k: Expect(None, 3)),
    Fault("429 rate_limit_error", lambda k: [error(429, "rate_limit_error"), ok(k)],
          lambda k: Expect(RateLimitError, 1)),
    Fault("409", lambda k: [error(409, "conflict"), ok(k)], lambda k: Expect(ConflictError, 1)),
    Fault("truncated JSON (200)", _not_binary(lambda k: [bad_body(k, b'{"event": "message", "an')]),
          lambda k: Expect(APIResponseValidationError, 1, events=1 if k == "stream" else None)),
    Fault("invalid JSON (200)", _not_binary(lambda k: [bad_body(k, b"{answer: nope}")]),
          lambda k: Expect(APIResponseValidationError, 1, events=1 if k == "stream" else None)),
    Fault("HTML error page (502 from a proxy, every attempt)", lambda k: [HTML_502],
          lambda k: Expect(InternalServerError, 3 if k in SAFE_KINDS else 1, message="502 Bad Gateway")),
    Fault("HTML 503 page from a proxy (no Retry-After)", lambda k: [HTML_503, ok(k)],
          lambda k: safe_retries(k, InternalServerError)),
    Fault("HTML 429 page from a proxy (no Retry-After)", lambda k: [HTML_429, ok(k)],
          lambda k: safe_retries(k, RateLimitError)),
    Fault("empty error body (400)", lambda k: [Act(400, b"", headers=())],
          lambda k: Expect(BadRequestError, 1, message="Bad Request")),
    Fault("empty body (200)",
          lambda k: [Act(200, b"", headers=SSE_HEADERS if k == "stream" else JSON_HEADERS,
                         framing="chunked" if k == "stream" else "length")],
          lambda k: {
              "blocking": Expect(None, 1, value="answer:0:"),
              "stream": Expect(StreamIncompleteError, 1, events=0),
              "get": Expect(None, 1, value="app::0"),
              "upload": Expect(APIResponseValidationError, 1),
              "download": Expect(None, 1, value=f"bytes:0:{hashlib.sha1(b'').hexdigest()[:8]}"),
          }[k]),
    Fault("invalid UTF-8", _not_binary(lambda k: [bad_body(k, b'{"event": "message", "answer": "\xff\xfe\xc3"}')]),
          lambda k: Expect(APIResponseValidationError, 1, events=1 if k == "stream" else None)),
    Fault("10 MB answer (a single event for streams; a 10 MB file for uploads)",
          lambda k: [ok(k, None if k == "upload" else TEN_MB)],
          lambda k: Expect(None, 1, value={
              "blocking": f"answer:{TEN_MB}:{'x' * 16}",
              "stream": f"events:1:{TEN_MB}:message_end",
              "get": f"app:app:{TEN_MB}",
              "upload": f"file:file-1:{TEN_MB}",
              "download": f"bytes:{TEN_MB}:{TEN_MB_PNG_SHA}",
          }[k]), heavy=True, upload_size=TEN_MB),
    Fault("200 answer quoting the key it got (scrubbed from the answer)",
          lambda k: "a binary answer is the file's bytes, returned as they are" if k == "download" else [echo(k)],
          lambda k: Expect(None, 1, value={
              "blocking": f"answer:{ECHOED}:echo Bearer ***",
              "stream": f"events:1:{ECHOED}:message_end",
              "get": f"app:app:{ECHOED}",
              "upload": default_value("upload"),
          }.get(k))),
    Fault("2 MiB answer, Client(max_response_bytes=1 MiB) (JSON answers and each event capped; files not)",
          lambda k: [ok(k, None if k == "upload" else OVER_CAP)],
          lambda k: {
              "blocking": Expect(ResponseTooLargeError, 1),
              "stream": Expect(ResponseTooLargeError, 1, events=0),  # one 2 MiB event
              "get": Expect(ResponseTooLargeError, 1),  # not retried: the same answer would come again
              "upload": Expect(None, 1),
              "download": Expect(None, 1, value=f"bytes:{OVER_CAP}:{OVER_CAP_PNG_SHA}"),
          }[k], heavy=True, client_options=(("max_response_bytes", CAP),)),
    Fault("100,000 small events",
          _stream_only(lambda: [Act(200, sse(PING, *[_message("e") for _ in range(MANY)], END),
                                    headers=SSE_HEADERS, framing="chunked")]),
          lambda k: Expect(None, 1, value=f"events:{MANY}:{MANY}:message_end"), heavy=True),
    Fault(f"deadline {DEADLINE:g} s: silent server (not retried past it)", lambda k: [SILENT, ok(k)],
          lambda k: Expect(APITimeoutError, 1, attempts=1, events=0, message=DEADLINE_MESSAGE, at_most=True),
          deadline=DEADLINE),
    Fault(f"deadline {DEADLINE:g} s: a body or stream that never ends", lambda k: [_trickle(k), ok(k)],
          lambda k: Expect(APITimeoutError, 1, message=DEADLINE_MESSAGE), deadline=DEADLINE),
    Fault(f"deadline {DEADLINE:g} s: 503 + Retry-After: 2 does not fit (raised at once)",
          lambda k: [error(503, "unavailable", (("retry-after", "2"),)), ok(k)],
          lambda k: Expect(InternalServerError, 1), deadline=DEADLINE),
]  # fmt: skip


def _not_processed(act: Act) -> bool:
    """An answer proving the server did not act on the request: Dify's own JSON 429 ``too_many_requests``, or a 503
    carrying a usable Retry-After. Anything else (408, 502, 504, a proxy's page, a reset, a timeout) may follow work
    the server did."""
    if act.status == 429:
        return act.label == "too_many_requests"
    if act.status != 503:
        return False
    value = dict(act.headers).get("retry-after", "")
    try:
        seconds = float(value)
    except ValueError:
        return False
    return math.isfinite(seconds) and seconds >= 0


# ---- cells ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    mode: Mode
    kind: Kind
    fault: Fault

    @property
    def id(self) -> str:
        return f"{self.mode}-{self.kind}-{self.fault.name}"


def cells() -> list[Cell]:
    """Every applicable (mode, kind, fault)."""
    out: list[Cell] = []
    for fault in FAULTS:
        for kind in KINDS:
            if isinstance(fault.script(kind), str):
                continue
            for mode in MODES:
                out.append(Cell(mode, kind, fault))
    return out


def not_applicable() -> list[tuple[str, str, str]]:
    """(fault, kind, reason) for the combinations the matrix leaves out."""
    out: list[tuple[str, str, str]] = []
    for fault in FAULTS:
        for kind in KINDS:
            reason = fault.script(kind)
            if isinstance(reason, str):
                out.append((fault.name, kind, reason))
    return out


@dataclass
class CellResult:
    cell: Cell
    expect: Expect
    outcome: str = ""
    value: str | None = None
    message: str = ""
    received: int = 0
    attempts: int = 0
    events: int = 0
    elapsed: float = 0.0
    budget: float = 0.0
    gap: float | None = None
    leaked: int = 0
    server_open_after_close: int = 0
    duplicates: int = 0
    secrets: list[str] = field(default_factory=list)
    keys_sent: bool = True
    download_source: str = ""
    server_errors: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def hang(self) -> bool:
        return self.elapsed > self.budget


# ---- log capture ----------------------------------------------------------------------------------------------------


class _ThreadCapture(logging.Handler):
    """Every record of every logger, filed by the thread that emitted it (cells run in parallel threads)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.by_thread: dict[int, list[logging.LogRecord]] = {}
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._guard:
            self.by_thread.setdefault(record.thread or 0, []).append(record)

    def begin(self) -> None:
        with self._guard:
            self.by_thread[threading.get_ident()] = []

    def take(self) -> list[logging.LogRecord]:
        with self._guard:
            return self.by_thread.pop(threading.get_ident(), [])


def _record_text(record: logging.LogRecord) -> str:
    text = f"{record.name} {record.levelname} {record.getMessage()}"
    if record.exc_info:
        text += "".join(traceback.format_exception(*record.exc_info))
    return text


LOGGERS = ("", "dify_oapi", "httpx", "httpcore")


def logging_state() -> dict[str, Any]:
    """Levels and handlers of the root logger and every logger except dify_oapi's own (which DIFY_OAPI_LOG
    configures by design)."""
    state: dict[str, Any] = {"": (logging.getLogger().level, tuple(logging.getLogger().handlers))}
    for name, lg in list(logging.root.manager.loggerDict.items()):
        if isinstance(lg, logging.Logger) and not name.startswith("dify_oapi"):
            state[name] = (lg.level, tuple(lg.handlers), lg.propagate, lg.disabled)
    return state


def _logging_changed(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """A logger that existed changed, or one created meanwhile (httpcore creates its own lazily) got a level or a
    handler."""
    if any(after.get(name) != state for name, state in before.items()):
        return True
    return any(state[0] != logging.NOTSET or state[1] for name, state in after.items() if name not in before)


@contextlib.contextmanager
def debug_logging() -> Iterator[_ThreadCapture]:
    """DIFY_OAPI_LOG=debug and every logger (root, dify_oapi, httpx, httpcore) at DEBUG into a capture handler;
    everything restored afterwards."""
    capture = _ThreadCapture()
    saved = {name: logging.getLogger(name).level for name in LOGGERS}
    old_env = os.environ.get("DIFY_OAPI_LOG")
    os.environ["DIFY_OAPI_LOG"] = "debug"
    root = logging.getLogger()
    root.addHandler(capture)
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
        if old_env is None:
            os.environ.pop("DIFY_OAPI_LOG", None)
        else:
            os.environ["DIFY_OAPI_LOG"] = old_env


# ---- running one cell -------------------------------------------------------------------------------------------


def _summary(kind: Kind, result: Any) -> str:
    if kind == "blocking":
        return f"answer:{len(result.answer)}:{result.answer[:16]}"
    if kind == "stream":
        messages = [e for e in result if getattr(e, "event", "") == "message"]
        last = result[-1].event if result else ""
        return f"events:{len(messages)}:{sum(len(e.answer) for e in messages)}:{last}"
    if kind == "get":
        return f"app:{result.name}:{len(result.description or '')}"
    if kind == "upload":
        return f"file:{result.id}:{result.size}"
    return f"bytes:{len(result)}:{hashlib.sha1(result).hexdigest()[:8]}"


def _pool_leaks(http: httpx.Client | httpx.AsyncClient | None) -> int:
    """Connections checked out of the pool (busy, i.e. a response not closed) plus requests still queued."""
    if http is None:
        return 0
    busy_of = getattr(http._transport, "busy", None)  # the aiohttp transport: answers not closed
    if busy_of is not None:
        return int(busy_of())
    pool: Any = getattr(http._transport, "_pool", None)  # httpx.HTTPTransport / AsyncHTTPTransport
    if pool is None:
        return 0
    busy = [c for c in pool.connections if not (c.is_idle() or c.is_closed())]
    return len(busy) + len(getattr(pool, "_requests", []))


def _requests(kind: Kind, upload_path: str) -> Any:
    if kind in ("blocking", "stream"):
        return ChatMessageRequest.builder().query(QUERY).user("u-1").inputs({}).build()
    if kind == "upload":
        return UploadFileRequest.builder().file(upload_path).user("u-1").build()
    return None


def _call_sync(client: Client, kind: Kind, request: Any, option: RequestOption | None, events: list[Any]) -> Any:
    if kind == "blocking":
        return client.chat.v1.message.create(request, option)
    if kind == "stream":
        with client.chat.v1.message.stream(request, option) as stream:
            for event in stream:
                events.append(event)
        return events
    if kind == "get":
        return client.dify.v1.app.info(None, option)
    if kind == "upload":
        return client.dify.v1.file.upload(request, option)
    preview, _, req, _ = download_methods(client)
    with preview(req, option) as answer:
        return answer.read()


async def _call_async(client: Client, kind: Kind, request: Any, option: RequestOption | None, events: list[Any]) -> Any:
    if kind == "blocking":
        return await client.chat.v1.message.acreate(request, option)
    if kind == "stream":
        async with client.chat.v1.message.astream(request, option) as stream:
            async for event in stream:
                events.append(event)
        return events
    if kind == "get":
        return await client.dify.v1.app.ainfo(None, option)
    if kind == "upload":
        return await client.dify.v1.file.aupload(request, option)
    _, apreview, req, _ = download_methods(client)
    async with await apreview(req, option) as answer:
        return await answer.read()


def _budget(cell: Cell, expect: Expect) -> float:
    """Timeouts of every attempt the SDK may make, plus backoff, plus Retry-After, plus a margin."""
    if cell.fault.deadline is not None:
        return cell.fault.deadline + MARGIN
    read = STREAM_READ_TIMEOUT if cell.kind == "stream" else READ_TIMEOUT
    attempts = MAX_RETRIES + 1
    backoff = sum(min(RETRY_BASE_DELAY * 2**n, 8.0) for n in range(MAX_RETRIES))
    return (
        attempts * (CONNECT_TIMEOUT + read)
        + backoff
        + expect.retry_after
        + (HEAVY_MARGIN if cell.fault.heavy else MARGIN)
    )


def run_cell(cell: Cell, capture: _ThreadCapture, files: dict[int, str]) -> CellResult:
    fault, kind, mode = cell.fault, cell.kind, cell.mode
    script = fault.script(kind)
    expect = fault.expect(kind)
    assert not isinstance(script, str) and not isinstance(expect, str)
    res = CellResult(cell, expect, budget=_budget(cell, expect))
    texts: list[str] = []
    events: list[Any] = []
    with contextlib.ExitStack() as stack:
        server: FaultServer | None = None
        if fault.target == "server":
            server = stack.enter_context(FaultServer(script))
            url = server.url
        elif fault.target == "blackhole":
            url = stack.enter_context(Blackhole()).url
        else:
            url = stack.enter_context(Refused()).url
        client = Client(
            base_url=url, api_key=CLIENT_KEY, timeout=httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT),
            stream_read_timeout=STREAM_READ_TIMEOUT, max_retries=MAX_RETRIES, retry_base_delay=RETRY_BASE_DELAY,
            async_backend="aiohttp" if mode == "aiohttp" else "httpx", **dict(fault.client_options),
        )  # fmt: skip
        # sync cells use the client-wide key, async cells a per-call key: both are planted secrets.
        option = RequestOption.builder().api_key(PER_CALL_KEY).build() if mode != "sync" else None
        if fault.deadline is not None:
            option = (option or RequestOption()).model_copy(update={"deadline": fault.deadline})
        request = _requests(kind, files[fault.upload_size])
        res.download_source = download_methods(client)[3] if kind == "download" else ""
        texts += [repr(client), str(client), repr(option), repr(client.config), repr(request)]
        capture.begin()
        outcome: BaseException | None = None
        result: Any = None

        if mode == "sync":
            started = time.monotonic()
            try:
                result = _call_sync(client, kind, request, option, events)
            except Exception as exc:
                outcome = exc
            res.elapsed = time.monotonic() - started
            res.leaked = _pool_leaks(client._transport.pools.current())
            client.close()
        else:

            async def main() -> tuple[Any, BaseException | None, float, int]:
                started = time.monotonic()
                got: Any = None
                err: BaseException | None = None
                try:
                    got = await _call_async(client, kind, request, option, events)
                except Exception as exc:
                    err = exc
                elapsed = time.monotonic() - started
                leaked = sum(map(_pool_leaks, client._transport.pools.async_clients()))
                await client.aclose()
                return got, err, elapsed, leaked

            result, outcome, res.elapsed, res.leaked = asyncio.run(main())
        records = capture.take()
        if server is not None:
            server.wait_closed()
            res.server_open_after_close = server.open_connections
            seen = list(server.seen)
            res.received = len(seen)
            res.server_errors = [repr(e) for e in server.errors]
            res.keys_sent = all(_auth(s) == f"Bearer {CLIENT_KEY if mode == 'sync' else PER_CALL_KEY}" for s in seen)
            if len(seen) >= 2:
                res.gap = seen[1].at - seen[0].at
            if kind in ("blocking", "stream", "upload"):
                res.duplicates = sum(1 for i in range(1, len(seen)) if _processed(script, i - 1))
            if kind == "upload" and expect.outcome is None:
                sizes = {len(_file_part(s)) for s in seen}
                if sizes != {fault.upload_size}:
                    res.failures.append(f"an attempt carried a partial file: sizes {sorted(sizes)}")

    res.log = [r.getMessage() for r in records if r.name == "dify_oapi" and " attempt=" in r.getMessage()]
    res.attempts = len(res.log)
    res.events = sum(1 for e in events if getattr(e, "event", "") == "message")
    texts += [_record_text(r) for r in records]
    if outcome is not None:
        res.outcome = type(outcome).__name__
        res.message = str(outcome)[:200]
        texts += [str(outcome), repr(outcome), "".join(traceback.format_exception(outcome))]
        texts += [str(getattr(outcome, "body", "")), str(getattr(outcome, "message", ""))]
        texts += [repr(getattr(outcome, "request", None)), str(getattr(outcome, "headers", ""))]
        texts += error_texts(outcome)
        res.failures += pickle_problems(outcome)
    else:
        res.outcome = "ok"
        res.value = _summary(kind, result)
        texts.append(repr(result)[:100_000] if kind != "stream" else repr(events[:3]))
    res.secrets = sorted({s for s in SECRETS for t in texts if s in t})
    _judge(res)
    return res


def error_texts(err: BaseException) -> list[str]:
    """Everything an error object lets out besides str/repr: args, the headers of the request it keeps, its
    ``__cause__``/``__context__`` chain (str, repr, kept request) and its pickle."""
    out = [repr(err.args)]
    request = getattr(err, "request", None)
    if isinstance(request, httpx.Request):
        out.append(repr(request.headers.multi_items()))
    seen: set[int] = set()
    link: BaseException | None = err
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        for linked in (link.__cause__, link.__context__):
            if linked is not None:
                out += [str(linked), repr(linked)]
                req = getattr(linked, "_request", None) or getattr(linked, "__dict__", {}).get("request")
                if isinstance(req, httpx.Request):
                    out.append(repr(req.headers.multi_items()))
        link = link.__cause__ or link.__context__
    try:
        out.append(pickle.dumps(err).decode("latin-1"))
    except Exception as exc:  # reported by pickle_problems
        out.append(repr(exc))
    return out


def pickle_problems(err: BaseException) -> list[str]:
    """An error that does not survive pickle.loads(pickle.dumps(err)) with its class and public fields."""
    try:
        clone = pickle.loads(pickle.dumps(err))
    except Exception as exc:
        return [f"{type(err).__name__} does not pickle: {type(exc).__name__}: {exc}"]
    names = ("status_code", "code", "message", "body", "request_id")
    if (
        type(clone) is not type(err)
        or str(clone) != str(err)
        or any(getattr(clone, n, None) != getattr(err, n, None) for n in names)
    ):
        return [f"{type(err).__name__} changed through pickle"]
    return []


def _processed(script: list[Act], index: int) -> bool:
    act = script[min(index, len(script) - 1)]
    return not _not_processed(act)


def _judge(res: CellResult) -> None:
    exp, cell = res.expect, res.cell
    f = res.failures
    want = "ok" if exp.outcome is None else exp.outcome.__name__
    if res.outcome != want:
        f.append(f"outcome {res.outcome} ({res.message}), expected {want}")
    if exp.outcome is None:
        value = exp.value or default_value(cell.kind)
        if res.value != value:
            f.append(f"answer {res.value!r}, expected {value!r}")
    if exp.message is not None and exp.message not in res.message:
        f.append(f"message {res.message!r} lacks {exp.message!r}")
    if res.received > exp.received if exp.at_most else res.received != exp.received:
        f.append(f"server received {res.received} requests, expected {'at most ' if exp.at_most else ''}{exp.received}")
    attempts = exp.attempts if exp.attempts is not None else exp.received
    if res.attempts != attempts:
        f.append(f"{res.attempts} attempts logged, expected {attempts}: {res.log}")
    if exp.events is not None and res.events != exp.events:
        f.append(f"{res.events} message events before the outcome, expected {exp.events}")
    if exp.min_gap and (res.gap is None or res.gap < exp.min_gap):
        f.append(f"retried after {res.gap}s, Retry-After asked for {exp.min_gap / 0.9:.2f}s")
    if res.hang:
        f.append(f"took {res.elapsed:.2f}s, budget {res.budget:.2f}s")
    if res.leaked:
        f.append(f"{res.leaked} connection(s) still checked out of the pool")
    if res.server_open_after_close:
        f.append(f"{res.server_open_after_close} connection(s) still open after close()")
    if res.duplicates:
        f.append(f"{res.duplicates} duplicated POST(s)")
    if res.secrets:
        f.append(f"planted key found: {len(res.secrets)}")
    if not res.keys_sent:
        f.append("the server did not get the expected key")
    if res.server_errors:
        f.append(f"fault server error {res.server_errors}")


# ---- running the matrix -------------------------------------------------------------------------------------------


@dataclass
class MatrixRun:
    results: list[CellResult]
    env_changed: bool
    logging_changed: bool
    elapsed: float

    @property
    def by_id(self) -> dict[str, CellResult]:
        return {r.cell.id: r for r in self.results}

    def figures(self) -> dict[str, int]:
        rs = self.results
        return {
            "cells run": len(rs),
            "cells passing": sum(r.passed for r in rs),
            "duplicated POSTs": sum(r.duplicates for r in rs),
            "hangs": sum(r.hang for r in rs),
            "leaked connections": sum(r.leaked + r.server_open_after_close for r in rs),
            "secrets found": sum(len(r.secrets) for r in rs),
        }


def _upload_files(directory: str, sizes: set[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for size in sizes:
        path = FsPath(directory) / f"upload-{size}.bin"
        data = FILE_BYTES if size == len(FILE_BYTES) else (FILE_BYTES * (size // len(FILE_BYTES) + 1))[:size]
        path.write_bytes(data)
        out[size] = str(path)
    return out


def run_matrix(selected: list[Cell] | None = None, workers: int = 8) -> MatrixRun:
    """Run the cells: light ones in parallel (each has its own server and Client), heavy ones one at a time."""
    todo = cells() if selected is None else selected
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, debug_logging() as capture:
        files = _upload_files(tmp, {c.fault.upload_size for c in todo})
        env_before = dict(os.environ)
        logging_before = logging_state()
        light = [c for c in todo if not c.fault.heavy]
        heavy = [c for c in todo if c.fault.heavy]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cell") as pool:
            results = list(pool.map(lambda c: run_cell(c, capture, files), light))
        for cell in heavy:
            results.append(run_cell(cell, capture, files))
        env_changed = dict(os.environ) != env_before
        logging_changed = _logging_changed(logging_before, logging_state())
    order = {c.id: i for i, c in enumerate(todo)}
    results.sort(key=lambda r: order[r.cell.id])
    return MatrixRun(results, env_changed, logging_changed, time.monotonic() - started)


__all__ = ["FAULTS", "KINDS", "MODES", "STALL_MAX", "Cell", "CellResult", "MatrixRun", "cells", "run_matrix"]
