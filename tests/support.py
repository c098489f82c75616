"""Shared test helpers: the real-server transcripts (``tests/fixtures/transcripts``, part of the project), the OpenAPI
file (reference data kept outside, in ../shared), and clients wired to ``httpx.MockTransport`` handlers (the SDK's
real transport runs; only the network is replaced)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from dify_oapi import Client
from dify_oapi.testing import DifyTestServer

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "dify-api"
SPEC_PATH = Path(os.environ.get("DIFY_OPENAPI_SPEC", SHARED / "openapi_service.json"))
# The exchanges recorded against a real Dify 1.14.1 that the tests replay (copied from ../shared/dify-api/transcripts;
# see its INDEX.md): in the project, so the tests run in any clone. The OpenAPI file stays outside.
TRANSCRIPTS = ROOT / "tests" / "fixtures" / "transcripts"
SPEC_MISSING = (
    f"needs Dify's OpenAPI file (reference data, kept outside the project), not found at {SPEC_PATH}: "
    "put ../shared/dify-api/ beside the clone or set DIFY_OPENAPI_SPEC"
)

APP_KEY = "app-TEST-secret-key-0123456789"
DATASET_KEY = "dataset-TEST-secret-key-9876543210"
BASE_URL = "http://dify.test/v1"


def spec() -> dict[str, Any]:
    """The OpenAPI file, or a skip when ../shared is absent."""
    if not SPEC_PATH.exists():
        pytest.skip(SPEC_MISSING)
    return json.loads(SPEC_PATH.read_text())


def transcript(name: str) -> dict[str, Any]:
    """A recorded exchange ``<name>.json`` (with ``response.body`` bytes added); a missing one is an error."""
    path = TRANSCRIPTS / f"{name}.json"
    if not path.exists():
        raise FileNotFoundError(
            f"transcript {name} is not in {TRANSCRIPTS}: copy it from ../shared/dify-api/transcripts/"
        )
    data: dict[str, Any] = json.loads(path.read_text())
    response = data["response"]
    sse = response.get("sse_file")
    if sse and (TRANSCRIPTS / sse).exists():
        body = (TRANSCRIPTS / sse).read_bytes()
    elif "body_base64" in response:
        body = base64.b64decode(response["body_base64"])
    else:
        body = (response.get("body_text") or "").encode()
    response["body"] = body
    return data


def transcript_names(prefix: str = "") -> list[str]:
    return sorted(p.stem for p in TRANSCRIPTS.glob(f"{prefix}*.json"))


def transcript_response(name: str) -> httpx.Response:
    """The recorded answer as an httpx.Response (content-length and encoding headers dropped: httpx sets them)."""
    data = transcript(name)
    resp = data["response"]
    headers = {
        k: v
        for k, v in resp["headers"].items()
        if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")
    }
    return httpx.Response(resp["status"], headers=headers, content=resp["body"])


@dataclass
class Recorder:
    """An httpx.MockTransport handler that records each request and answers from a queue (or a function)."""

    answers: list[httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    default: Callable[[httpx.Request], httpx.Response] | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.bodies.append(request.read())
        if self.answers:
            answer = self.answers.pop(0)
        elif self.default is not None:
            answer = self.default
        else:
            answer = httpx.Response(200, json={})
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            # A fresh copy each time: the same template can answer several attempts and tests.
            return httpx.Response(answer.status_code, headers=answer.headers, content=answer.read())
        return answer(request)

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.bodies.append(await request.aread())
        self.requests.pop()
        self.bodies.pop()
        return self(request)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def json(self, index: int = -1) -> Any:
        return json.loads(self.bodies[index])


class _AsyncHandler(httpx.AsyncBaseTransport):
    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        response = self.recorder(request)
        return response


def make_client(recorder: Recorder, **options: Any) -> Client:
    """A Client whose sync and async httpx clients answer through ``recorder``; no retry delay by default."""
    options.setdefault("base_url", BASE_URL)
    options.setdefault("api_key", APP_KEY)
    options.setdefault("dataset_api_key", DATASET_KEY)
    options.setdefault("retry_base_delay", 0.0)
    return Client(
        http_client=httpx.Client(transport=httpx.MockTransport(recorder)),
        async_http_client=httpx.AsyncClient(transport=_AsyncHandler(recorder)),
        **options,
    )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: LoopbackServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _any(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append((self.command, self.path, body))
        status, headers, content = self.server.respond(self.command, self.path, body)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("content-length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any


class LoopbackServer(ThreadingHTTPServer):
    """A real HTTP/1.1 keep-alive server on 127.0.0.1 (random port) answering with ``respond``; use as a context
    manager; it stops itself on exit."""

    daemon_threads = True

    def __init__(self, respond: Callable[[str, str, bytes], tuple[int, dict[str, str], bytes]]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.respond = respond
        self.seen: list[tuple[str, str, bytes]] = []
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)


# ---- shared by the service tests ----------------------------------------------------------------------------------

MODES = ["sync", "async"]


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, DifyTestServer]]:
    """The module's built-in servers, one per async backend (started on first use by :func:`server`)."""
    started: dict[str, DifyTestServer] = {}
    try:
        yield started
    finally:
        for one in started.values():
            one.stop()


@pytest.fixture
def server(servers: dict[str, DifyTestServer], async_backend: str) -> DifyTestServer:
    """One built-in server per test module and async backend, indexing in 0.05 s (tests use names unique per mode
    and test, so the shared state never collides; a test run on both backends gets a server for each). A conftest
    takes it with ``from tests.support import server, servers``."""
    found = servers.get(async_backend)
    if found is None:
        found = servers[async_backend] = DifyTestServer(indexing_seconds=0.05)
        found.start()
    return found


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    """Each test runs twice: through the sync method and through its async twin."""
    return str(request.param)


LIVENESS = 60.0
"""Seconds a wait may take on a loaded machine before the test calls it hung."""


def run_bounded(mode: str, wait: Callable[..., Any], await_: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """Run the sync or async waiter in a thread; return what it returned or raised (the thread must end)."""
    outcome: list[Any] = []

    def target() -> None:
        try:
            outcome.append(wait(*args, **kw) if mode == "sync" else asyncio.run(await_(*args, **kw)))
        except BaseException as exc:  # reported to the test
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(LIVENESS)
    assert not thread.is_alive(), "the wait did not return"
    return outcome[0]


async def call(mode: str, resource: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """``resource.<name>(...)`` in sync mode, ``await resource.a<name>(...)`` in async mode."""
    if mode == "sync":
        return getattr(resource, name)(*args, **kwargs)
    return await getattr(resource, "a" + name)(*args, **kwargs)


async def collect(mode: str, resource: Any, name: str, *args: Any, into: list[Any] | None = None, **kwargs: Any) -> Any:
    """Every item of the stream or pager ``resource.<name>(...)`` / ``resource.a<name>(...)``, appended to ``into``
    as it arrives (so that what came before an error is kept)."""
    out: list[Any] = [] if into is None else into
    if mode == "sync":
        for item in getattr(resource, name)(*args, **kwargs):
            out.append(item)
    else:
        async for item in getattr(resource, "a" + name)(*args, **kwargs):
            out.append(item)
    return out


async def take_first(mode: str, resource: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """The first event of the stream ``resource.<name>(...)`` / ``resource.a<name>(...)``, the stream then closed
    (left early)."""
    if mode == "sync":
        with getattr(resource, name)(*args, **kwargs) as stream:
            return next(stream)
    async with getattr(resource, "a" + name)(*args, **kwargs) as astream:
        return await astream.__anext__()


def sse(*payloads: dict[str, Any], ping: bool = True, mixed_line_ends: bool = False) -> bytes:
    """An SSE body: a ping frame, then one ``data:`` frame per payload (CRLF ends on odd frames if asked)."""
    frames = [b"event: ping\n\n"] if ping else []
    for i, payload in enumerate(payloads):
        end = b"\r\n\r\n" if mixed_line_ends and i % 2 else b"\n\n"
        frames.append(b"data: " + json.dumps(payload).encode() + end)
    return b"".join(frames)


def sse_response(*payloads: dict[str, Any], ping: bool = True, mixed_line_ends: bool = False) -> httpx.Response:
    body = sse(*payloads, ping=ping, mixed_line_ends=mixed_line_ends)
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)


def check_sent(
    rec: Recorder,
    method: str,
    path: str,
    *,
    key: str = APP_KEY,
    query: dict[str, str] | list[tuple[str, str]] | None = None,
    body: Any = None,
    index: int = -1,
) -> None:
    """Request ``index`` went to ``method /v1<path>`` with ``key`` and exactly ``query`` (a dict, or a list of pairs
    compared in order), and carried the JSON ``body`` (None: no body at all; ``...``: not checked)."""
    sent = rec.requests[index]
    assert sent.method == method
    assert sent.url.path == "/v1" + path
    if isinstance(query, dict):
        assert dict(sent.url.params) == query
    else:
        assert list(sent.url.params.multi_items()) == (query or [])
    assert sent.headers["authorization"] == f"Bearer {key}"
    if body is None:
        assert rec.bodies[index] == b""
    elif body is not ...:
        assert sent.headers["content-type"] == "application/json"
        assert json.loads(rec.bodies[index]) == body


def multipart_parts(rec: Recorder, index: int = -1) -> dict[str, Message]:
    """The multipart parts of request ``index``, by name (each name once)."""
    content_type = rec.requests[index].headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    msg = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + rec.bodies[index]
    )
    assert msg.is_multipart()
    found: dict[str, Message] = {}
    for part in msg.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        assert name not in found
        found[str(name)] = part
    return found


def recorded(name: str) -> dict[str, Any]:
    """The request recorded in transcript ``name``."""
    request: dict[str, Any] = transcript(name)["request"]
    return request
