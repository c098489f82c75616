"""Helpers for the chat and completion tests (the shared ones live in tests.support)."""

from __future__ import annotations

from typing import Any

from tests.support import MODES, check_sent, collect, sse, sse_response
from tests.support import call as run

__all__ = ["MODES", "check_sent", "drain", "events", "run", "sse", "sse_response"]


async def events(mode: str, resource: Any, request: Any) -> list[Any]:
    """Every event of ``resource.stream`` / ``resource.astream``."""
    result: list[Any] = await collect(mode, resource, "stream", request)
    return result


async def drain(mode: str, resource: Any, request: Any, into: list[Any]) -> None:
    """Append each event of the stream to ``into`` as it arrives (so that what came before an error is kept)."""
    await collect(mode, resource, "stream", request, into=into)
