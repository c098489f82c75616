"""Helpers for the segment, child chunk, tag, metadata, model and pipeline tests: run a method sync or async, check
what was sent (with the dataset key), build SSE answers."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.support import DATASET_KEY, Recorder

MODES = ["sync", "async"]
DS = "36608bde-4b2d-4703-b0a8-9584a6e9d0c5"
DOC = "1879ef21-4781-4955-90de-e2e671e920f7"
SEG = "64fb79d4-f477-485d-9263-f3493c412132"


async def run(mode: str, resource: Any, name: str, request: Any = None) -> Any:
    """Call ``resource.<name>`` (sync) or ``resource.a<name>`` (async) and return its answer."""
    if mode == "sync":
        return getattr(resource, name)(request)
    return await getattr(resource, "a" + name)(request)


async def collect(mode: str, resource: Any, name: str, request: Any) -> list[Any]:
    """Every item of a pager or event of a stream returned by ``resource.<name>`` / ``resource.a<name>``."""
    if mode == "sync":
        return list(getattr(resource, name)(request))
    return [item async for item in getattr(resource, "a" + name)(request)]


def check_sent(
    rec: Recorder,
    method: str,
    path: str,
    *,
    query: list[tuple[str, str]] | None = None,
    body: Any = None,
    index: int = -1,
) -> None:
    """Request ``index``: ``method path`` under ``/v1``, exactly ``query`` (in order), the dataset key, and the JSON
    ``body`` (None: no body at all)."""
    sent = rec.requests[index]
    assert sent.method == method
    assert sent.url.path == "/v1" + path
    assert list(sent.url.params.multi_items()) == (query or [])
    assert sent.headers["authorization"] == f"Bearer {DATASET_KEY}"
    if body is None:
        assert rec.bodies[index] == b""
    else:
        assert sent.headers["content-type"] == "application/json"
        assert json.loads(rec.bodies[index]) == body


def recorded_body(name: str) -> Any:
    """The JSON body of the request recorded in transcript ``name``."""
    from tests.support import transcript

    return transcript(name)["request"]["body"]


def sse_response(*payloads: dict[str, Any], ping: bool = True) -> httpx.Response:
    """An SSE answer: a ping frame, then one ``data:`` frame per payload (CRLF line ends on odd frames)."""
    frames = [b"event: ping\n\n"] if ping else []
    for i, payload in enumerate(payloads):
        end = b"\r\n\r\n" if i % 2 else b"\n\n"
        frames.append(b"data: " + json.dumps(payload).encode() + end)
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=b"".join(frames))
