"""Helpers for the chat and completion tests: run a method sync or async, build SSE answers."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.support import APP_KEY, Recorder

MODES = ["sync", "async"]


async def run(mode: str, resource: Any, name: str, request: Any) -> Any:
    """Call ``resource.<name>`` (sync) or ``resource.a<name>`` (async) and return its answer."""
    if mode == "sync":
        return getattr(resource, name)(request)
    return await getattr(resource, "a" + name)(request)


async def events(mode: str, resource: Any, request: Any) -> list[Any]:
    """Every event of ``resource.stream`` / ``resource.astream``."""
    if mode == "sync":
        with resource.stream(request) as stream:
            return list(stream)
    return [event async for event in resource.astream(request)]


def sse(*payloads: dict[str, Any], ping: bool = True) -> bytes:
    """An SSE body: a ping frame, then one ``data:`` frame per payload."""
    frames = [b"event: ping\n\n"] if ping else []
    frames += [b"data: " + json.dumps(p).encode() + b"\n\n" for p in payloads]
    return b"".join(frames)


def sse_response(*payloads: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=sse(*payloads))


def check_sent(
    rec: Recorder,
    method: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    body: Any = None,
    index: int = -1,
) -> None:
    """The request ``index`` went to ``method path`` with the app key, exactly ``query`` and (if given) ``body``."""
    sent = rec.requests[index]
    assert sent.method == method
    assert sent.url.path == "/v1" + path
    assert dict(sent.url.params) == (query or {})
    assert sent.headers["authorization"] == f"Bearer {APP_KEY}"
    if body is not None:
        assert json.loads(rec.bodies[index]) == body


async def drain(mode: str, resource: Any, request: Any, into: list[Any]) -> None:
    """Append each event of the stream to ``into`` as it arrives (so that what came before an error is kept)."""
    if mode == "sync":
        for event in resource.stream(request):
            into.append(event)
    else:
        async for event in resource.astream(request):
            into.append(event)
