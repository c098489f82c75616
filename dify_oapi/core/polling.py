"""The loop of a long-running-operation waiter, sync and async: fetch the status, ask ``step`` how long to wait
(None: done, return the status; it raises on failure or timeout), sleep, again. Waiting for indexing and for an
annotation reply job are this loop with their own ``step``.

Every wait is bounded by its :class:`Deadline` (monotonic clock): each poll is sent with an HTTP timeout no longer
than the time left (every phase: connect, write, read, pool) and with that time as its ``RequestOption.deadline``
(its retries and their back-off fit in it too), the sleep between polls never goes past it, and running out of time
raises the waiter's own timeout error (``expired``) with the last status read."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Generic, TypeVar

import httpx

from .config import to_timeout
from .errors import APIConnectionError, APIStatusError, DifyError
from .option import RequestOption
from .streaming import DEADLINE_SLACK

if TYPE_CHECKING:
    from ._transport import Transport

__all__ = ["Deadline", "Expired", "Waiter", "apoll", "bounded_timeout", "poll"]

T = TypeVar("T")

MIN_HTTP_TIMEOUT = 0.001
"""The HTTP timeout of a first poll sent with no time left (``timeout=0``: look once)."""

Expired = Callable[[T | None, DifyError | None], DifyError]
"""Makes the waiter's timeout error from the last status read (None: none yet) and the error of the last poll (None:
the time ran out between polls)."""


class Deadline:
    """A point on the monotonic clock, ``timeout`` seconds from now."""

    __slots__ = ("_clock", "at", "timeout")

    def __init__(self, timeout: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.timeout = timeout
        self._clock = clock
        self.at = clock() + timeout

    def left(self) -> float:
        """Seconds left (0 once passed)."""
        return max(self.at - self._clock(), 0.0)


def bounded_timeout(base: httpx.Timeout, left: float) -> httpx.Timeout:
    """``base`` with no phase longer than ``left`` seconds (a phase without a limit gets ``left``)."""
    cap = max(left, MIN_HTTP_TIMEOUT)

    def bound(value: float | None) -> float:
        return cap if value is None else min(value, cap)

    return httpx.Timeout(
        connect=bound(base.connect), read=bound(base.read), write=bound(base.write), pool=bound(base.pool)
    )


class Waiter(Generic[T]):
    """One wait's state, without I/O: the option of the next poll (bounded by the deadline), what an answer means
    (the seconds to sleep before the next poll, None when done), what a failed poll raises."""

    def __init__(
        self,
        step: Callable[[T], float | None],
        expired: Expired[T],
        *,
        deadline: Deadline,
        transport: Transport,
        option: RequestOption | None,
    ) -> None:
        self.step = step
        self.expired = expired
        self.deadline = deadline
        self.last: T | None = None
        self._polls = 0
        given = to_timeout(option.timeout) if option is not None else None
        self._base = given or transport.config.timeout
        self._option = option if option is not None else RequestOption()

    def next_option(self) -> RequestOption:
        """The option of the next poll. Raises the timeout error when no time is left (after the first poll)."""
        left = self.deadline.left()
        if left <= 0 and self._polls:
            raise self.expired(self.last, None)
        self._polls += 1
        bound = max(left, MIN_HTTP_TIMEOUT)
        if self._option.deadline is not None:
            bound = min(bound, self._option.deadline)
        return self._option.model_copy(update={"timeout": bounded_timeout(self._base, left), "deadline": bound})

    def answered(self, status: T) -> float | None:
        """A poll answered ``status``: None when done, else the seconds to sleep (``step`` raises on failure or when
        the time is up)."""
        self.last = status
        delay = self.step(status)
        return None if delay is None else min(delay, self.deadline.left())

    def failed(self, err: DifyError) -> DifyError:
        """What to raise for a poll that failed with ``err`` (after the transport's retries): the timeout error
        when the time ran out, else ``err`` itself."""
        if isinstance(err, APIConnectionError) and self.deadline.left() <= DEADLINE_SLACK:
            return self.expired(self.last, err)
        return err


def poll(fetch: Callable[[RequestOption], T], waiter: Waiter[T], sleep: Callable[[float], None] = time.sleep) -> T:
    """Poll with ``fetch(option)`` until ``waiter`` says done; return the last status."""
    while True:
        option = waiter.next_option()
        try:
            status = fetch(option)
        except (APIConnectionError, APIStatusError) as err:
            raise waiter.failed(err) from None
        delay = waiter.answered(status)
        if delay is None:
            return status
        sleep(delay)


async def apoll(
    fetch: Callable[[RequestOption], Awaitable[T]],
    waiter: Waiter[T],
    sleep: Callable[[float], Awaitable[None]] | None = None,
) -> T:
    """Async twin of :func:`poll` (``sleep`` defaults to ``asyncio.sleep``)."""
    pause = sleep if sleep is not None else asyncio.sleep
    while True:
        option = waiter.next_option()
        try:
            status = await fetch(option)
        except (APIConnectionError, APIStatusError) as err:
            raise waiter.failed(err) from None
        delay = waiter.answered(status)
        if delay is None:
            return status
        await pause(delay)
