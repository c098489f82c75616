"""The loop of a long-running-operation waiter, sync and async: fetch the status, ask ``step`` how long to wait
(None: done, return the status; it raises on failure or timeout), sleep, again. Waiting for indexing and for an
annotation reply job are this loop with their own ``step``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

__all__ = ["apoll", "poll"]

T = TypeVar("T")


def poll(fetch: Callable[[], T], step: Callable[[T], float | None], sleep: Callable[[float], None] = time.sleep) -> T:
    while True:
        status = fetch()
        delay = step(status)
        if delay is None:
            return status
        sleep(delay)


async def apoll(
    fetch: Callable[[], Awaitable[T]],
    step: Callable[[T], float | None],
    sleep: Callable[[float], Awaitable[None]] | None = None,
) -> T:
    pause = sleep if sleep is not None else asyncio.sleep
    while True:
        status = await fetch()
        delay = step(status)
        if delay is None:
            return status
        await pause(delay)
