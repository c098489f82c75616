"""A file that grows or shrinks between the moment its size is announced and the end of its upload raises
UploadChangedError: the request stops incomplete, it is not sent again, nothing raw (httpx/h11) escapes."""

from __future__ import annotations

import os
import pickle
import socket
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from dify_oapi import Client, DifyError, UploadChangedError
from dify_oapi.api.dify.v1.model.file import UploadFileRequest
from dify_oapi.core.hooks import HookEvent
from tests.support import APP_KEY, BASE_URL, MODES, call

SIZE = 300 * 1024  # several of httpx's 64 KiB chunks
UPLOADED = {"id": "f", "name": "a.txt", "size": SIZE, "extension": "txt", "mime_type": "text/plain"}


def shrink(path: Path) -> None:
    os.truncate(path, 1000)


def grow(path: Path) -> None:
    with open(path, "ab") as f:
        f.write(b"y" * 1000)


def client_with(handler: Callable[[httpx.Request], Any], mode: str, **options: Any) -> Client:
    transport = httpx.MockTransport(handler)
    key = "http_client" if mode == "sync" else "async_http_client"
    client_cls: Any = httpx.Client if mode == "sync" else httpx.AsyncClient
    return Client(base_url=BASE_URL, api_key=APP_KEY, retry_base_delay=0.0, **{key: client_cls(transport=transport)},
                  **options)  # fmt: skip


def recording_handler(mode: str, seen: list[bytes], attempts: list[httpx.Request]) -> Any:
    """MockTransport reads the whole request body before calling its handler: what it read is recorded."""

    def sync_handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        seen.append(request.read())
        return httpx.Response(201, json=UPLOADED)

    async def async_handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        seen.append(await request.aread())
        return httpx.Response(201, json=UPLOADED)

    return sync_handler if mode == "sync" else async_handler


def _opened(path: Path) -> IO[bytes]:
    return open(path, "rb")  # closed by the caller's with


def _sparse(path: Path, size: int) -> None:
    with open(path, "wb") as f:
        f.truncate(size)  # sparse: nothing to write


@pytest.fixture
def upload_file(tmp_path: Path) -> Path:
    path = tmp_path / "a.txt"
    path.write_bytes(b"x" * SIZE)
    return path


def assert_clean(err: UploadChangedError, change: Callable[[Path], None], expected: int) -> None:
    assert isinstance(err, DifyError)
    assert err.expected == expected
    assert ("shrank" if change is shrink else "grew") in str(err)
    texts = [str(err), repr(err), "".join(traceback.format_exception(err)), repr(pickle.dumps(err))]
    assert not any(APP_KEY in t for t in texts)
    assert err.__cause__ is None and err.__context__ is None


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("change", [shrink, grow])
@pytest.mark.parametrize("given", ["path", "file object"])
async def test_a_file_changed_after_its_size_was_announced_raises_and_is_never_sent_again(
    mode: str, change: Callable[[Path], None], given: str, upload_file: Path
) -> None:
    """The request is built (Content-Length taken from the file), then the file changes (here from the ``request``
    hook, which runs between building and sending), then MockTransport reads the body."""
    seen: list[bytes] = []
    attempts: list[httpx.Request] = []
    events: list[HookEvent] = []

    def hook(event: HookEvent) -> None:
        events.append(event)
        if event.kind == "request":
            change(upload_file)

    client = client_with(recording_handler(mode, seen, attempts), mode, max_retries=3, hooks=[hook])
    with _opened(upload_file) as fobj:
        content: Any = upload_file if given == "path" else fobj
        request = UploadFileRequest.builder().file(content).user("u").build()
        with pytest.raises(UploadChangedError) as info:
            await call(mode, client.dify.v1.file, "upload", request)
    assert_clean(info.value, change, SIZE)
    assert info.value.filename == "a.txt"
    assert attempts == [] and seen == []  # the body never completed: nothing reached the handler, nothing re-sent
    assert [e.kind for e in events] == ["request", "error"] and events[-1].error_type == "UploadChangedError"


@pytest.mark.parametrize("mode", MODES)
async def test_an_unchanged_file_uploads_whole(mode: str, upload_file: Path) -> None:
    seen: list[bytes] = []
    client = client_with(recording_handler(mode, seen, []), mode)
    with _opened(upload_file) as fobj:
        for content in (upload_file, fobj, ("named.txt", fobj, "text/plain")):
            request = UploadFileRequest.builder().file(content).user("u").build()
            await call(mode, client.dify.v1.file, "upload", request)
    assert len(seen) == 3
    assert all(body.count(b"x" * SIZE) == 1 and b"xy" not in body for body in seen)


def _server(path: Path, change: Callable[[Path], None]) -> tuple[socket.socket, threading.Thread, dict[str, int]]:
    """A raw HTTP/1.1 server: when a request's headers have arrived it changes the file, then reads on (never
    answering); the client is still sending (far more than loopback socket buffers hold)."""
    listener = socket.create_server(("127.0.0.1", 0))
    received = {"requests": 0}

    def serve() -> None:
        listener.settimeout(30)
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(30)
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                head += chunk
            received["requests"] += 1
            change(path)
            try:
                while conn.recv(1 << 20):
                    pass
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener, thread, received


BIG = 32 * 1024 * 1024


@pytest.mark.parametrize(("mode", "backend"), [("sync", "httpx"), ("async", "httpx"), ("async", "aiohttp")])
@pytest.mark.parametrize("change", [shrink, grow])
async def test_over_a_real_socket_a_file_changed_mid_upload_raises_upload_changed_not_an_h11_error(
    mode: str, backend: str, change: Callable[[Path], None], tmp_path: Path
) -> None:
    """A real HTTP/1.1 connection (h11 checks the body against Content-Length): the file changes while its body is
    being sent."""
    path = tmp_path / "big.bin"
    _sparse(path, BIG)
    listener, thread, received = _server(path, change)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    client = Client(
        base_url=url, api_key=APP_KEY, trust_env=False, max_retries=3, timeout=30, async_backend=backend,
    )  # fmt: skip
    request = UploadFileRequest.builder().file(path).user("u").build()
    try:
        with pytest.raises(UploadChangedError) as info:
            await call(mode, client.dify.v1.file, "upload", request)
    finally:
        if mode == "sync":
            client.close()
        else:
            await client.aclose()
        listener.close()
        thread.join(timeout=30)
    assert_clean(info.value, change, BIG)
    assert received["requests"] == 1  # never sent again
