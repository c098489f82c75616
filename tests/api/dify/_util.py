"""Helpers for the ``dify`` service tests: run a method sync or async, check what was sent, read multipart parts."""

from __future__ import annotations

import json
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from tests.support import APP_KEY, Recorder, transcript

MODES = ["sync", "async"]


async def run(mode: str, resource: Any, name: str, request: Any = None, option: Any = None) -> Any:
    """``resource.name(request)`` in sync mode, ``await resource.aname(request)`` in async mode."""
    if mode == "sync":
        return getattr(resource, name)(request, option)
    return await getattr(resource, "a" + name)(request, option)


def check_sent(
    rec: Recorder,
    method: str,
    path: str,
    *,
    query: list[tuple[str, str]] | None = None,
    body: Any = None,
    index: int = -1,
) -> None:
    """Request ``index``: ``method path``, exactly ``query``, the app key, and the JSON ``body`` (None: no body;
    ``...``: not checked, e.g. multipart)."""
    sent = rec.requests[index]
    assert sent.method == method
    assert sent.url.path == "/v1" + path
    assert list(sent.url.params.multi_items()) == (query or [])
    assert sent.headers["authorization"] == f"Bearer {APP_KEY}"
    if body is None:
        assert rec.bodies[index] == b""
    elif body is not ...:
        assert sent.headers["content-type"] == "application/json"
        assert json.loads(rec.bodies[index]) == body


def parts(rec: Recorder, index: int = -1) -> dict[str, Message]:
    """The multipart parts of request ``index``, by name (each name once)."""
    content_type = rec.requests[index].headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    msg = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + rec.bodies[index]
    )
    assert msg.is_multipart()
    found: dict[str, Message] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        assert name not in found
        found[str(name)] = part
    return found


def check_file_part(rec: Recorder, *, filename: str, content_type: str, content: bytes, index: int = -1) -> None:
    """The ``file`` part: its name, file name, content type and exact bytes."""
    part = parts(rec, index)["file"]
    assert part.get_filename() == filename
    assert part.get_content_type() == content_type
    assert part.get_payload(decode=True) == content
    raw = rec.bodies[index]
    assert f'Content-Disposition: form-data; name="file"; filename="{filename}"'.encode() in raw


def check_form_field(rec: Recorder, name: str, value: str, index: int = -1) -> None:
    """A plain multipart field: no file name, no content type, exactly ``value``."""
    part = parts(rec, index)[name]
    assert part.get_filename() is None and "content-type" not in part
    assert part.get_payload(decode=True) == value.encode()


def recorded(name: str) -> dict[str, Any]:
    """The request of transcript ``name``."""
    request: dict[str, Any] = transcript(name)["request"]
    return request
