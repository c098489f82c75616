"""Helpers for the workflow tests: call a method sync or async, build SSE answers, check what was sent."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.support import APP_KEY, Recorder

MODES = ["sync", "async"]
USER = "sdk-fixture-user"
RUN_ID = "ab8ed87a-dc2c-4e5e-b000-e678dd40dd5f"
TASK_ID = "58c48412-7440-48e1-9646-fa340ac5fde0"


async def run(mode: str, resource: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """``resource.<name>(...)`` (sync) or ``await resource.a<name>(...)`` (async)."""
    if mode == "sync":
        return getattr(resource, name)(*args, **kwargs)
    return await getattr(resource, "a" + name)(*args, **kwargs)


async def collect(mode: str, resource: Any, name: str, *args: Any, into: list[Any] | None = None, **kw: Any) -> Any:
    """Every item of the stream or iterator ``resource.<name>(...)`` / ``resource.a<name>(...)``; items are appended
    to ``into`` as they arrive (so that what came before an error is kept)."""
    out: list[Any] = [] if into is None else into
    if mode == "sync":
        for item in getattr(resource, name)(*args, **kw):
            out.append(item)
    else:
        async for item in getattr(resource, "a" + name)(*args, **kw):
            out.append(item)
    return out


def sse(*payloads: dict[str, Any], ping: bool = True) -> bytes:
    frames = [b"event: ping\n\n"] if ping else []
    frames += [b"data: " + json.dumps(p).encode() + b"\n\n" for p in payloads]
    return b"".join(frames)


def sse_response(*payloads: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=sse(*payloads))


def check_sent(
    rec: Recorder, method: str, path: str, *, query: dict[str, str] | None = None, body: Any = None, index: int = -1
) -> None:
    """Request ``index`` went to ``method /v1<path>`` with the app key, exactly ``query`` and (if given) ``body``."""
    sent = rec.requests[index]
    assert sent.method == method
    assert sent.url.path == "/v1" + path
    assert dict(sent.url.params) == (query or {})
    assert sent.headers["authorization"] == f"Bearer {APP_KEY}"
    if body is not None:
        assert json.loads(rec.bodies[index]) == body
