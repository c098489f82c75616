"""The built-in server at the edges (issue 11): non-Latin-1 download names, no proxy for its clients, logging left as
found, recorded requests that hide the key."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.api.dify.v1.model.file import PreviewFileRequest, UploadFileRequest
from dify_oapi.api.dify.v1.model.shared import InputFile
from dify_oapi.testing import DifyTestServer

USER = "hardening-user"
NAME = "résumé 报告 (2).txt"


@pytest.fixture
def server() -> Iterator[DifyTestServer]:
    with DifyTestServer(indexing_seconds=0) as started:
        yield started


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_non_latin1_file_name_downloads_with_rfc5987(server: DifyTestServer, mode: str) -> None:
    with server.client() as client:
        files = client.dify.v1.file
        uploaded = files.upload(UploadFileRequest.builder().file((NAME, b"body", "text/plain")).user(USER).build())
        client.chat.v1.message.create(
            ChatMessageRequest.builder().query("q").user(USER).files([InputFile.from_upload(uploaded)]).build()
        )
        request = PreviewFileRequest.builder().file_id(uploaded.id).as_attachment(True).user(USER).build()
        if mode == "sync":
            with files.preview(request) as download:
                name, body, header = download.filename, download.read(), download.headers["content-disposition"]
        else:

            async def fetch() -> tuple[str | None, bytes, str]:
                async with await files.apreview(request) as adownload:
                    return adownload.filename, await adownload.read(), adownload.headers["content-disposition"]

            name, body, header = asyncio.run(fetch())
            asyncio.run(client.aclose())
    assert body == b"body" and name == NAME
    assert header.isascii() and "filename*=UTF-8''r%C3%A9sum%C3%A9" in header


def _dead_proxy() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_server_client_never_goes_through_http_proxy(
    server: DifyTestServer, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, _dead_proxy())
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    with server.client() as client:
        if mode == "sync":
            info = client.dify.v1.app.info()
        else:

            async def call() -> object:
                got = await client.dify.v1.app.ainfo()
                await client.aclose()
                return got

            info = asyncio.run(call())
    assert getattr(info, "name", None)


def test_stop_removes_every_logging_filter_it_added() -> None:
    """In a fresh interpreter (this one may hold filters of servers started by other tests)."""
    code = (
        "import logging\n"
        "from dify_oapi.testing import DifyTestServer\n"
        "names = ['', 'uvicorn', 'uvicorn.error', 'uvicorn.access', 'dify_oapi', 'httpx']\n"
        "before = {n: list(logging.getLogger(n).filters) for n in names}\n"
        "first = DifyTestServer().start(); second = DifyTestServer().start()\n"
        "assert logging.getLogger('uvicorn.error').filters, 'the server filters its own noise while it runs'\n"
        "first.stop(); second.stop()\n"
        "after = {n: list(logging.getLogger(n).filters) for n in names}\n"
        "assert after == before, (before, after)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120, capture_output=True)


def test_repr_of_a_recorded_request_hides_the_authorization_value(server: DifyTestServer) -> None:
    with server.client() as client:
        client.dify.v1.app.info()
    recorded = server.requests[-1]
    assert recorded.headers["authorization"] == f"Bearer {server.app_key('chat')}"
    text = repr(recorded)
    assert server.app_key("chat") not in text and "Bearer ***" in text and "'/info'" in text
    assert server.app_key("chat") not in repr(server.requests)
