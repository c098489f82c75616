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
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar, cast

from .errors import APIConnectionError, APIStatusError, DifyError, InvalidRequestError
from .option import RequestOption
from .streaming import DEADLINE_SLACK

if TYPE_CHECKING:
    from ._transport import Transport

__all__ = ["Backoff", "Deadline", "Expired", "Waiter", "apoll", "apoll_many", "poll", "poll_many"]

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


class Backoff:
    """The waits between polls: ``interval`` seconds, ``factor`` times longer each time, at most ``max_interval``,
    never past ``deadline``. The arguments are checked here (InvalidRequestError); ``interval_name`` is what the
    caller calls ``interval``."""

    __slots__ = ("_delay", "_factor", "_max", "deadline")

    def __init__(
        self, deadline: Deadline, *, interval: float, factor: float, max_interval: float,
        interval_name: str = "interval",
    ) -> None:  # fmt: skip
        if deadline.timeout < 0 or interval < 0 or max_interval < 0:
            raise InvalidRequestError(f"timeout, {interval_name} and max_interval must not be negative")
        if factor < 1:
            raise InvalidRequestError("factor must be at least 1")
        self.deadline = deadline
        self._factor = factor
        self._max = max_interval
        self._delay = min(interval, max_interval)

    def next(self) -> float | None:
        """The seconds to wait before the next poll; None once the deadline passed."""
        remaining = self.deadline.left()
        if remaining <= 0:
            return None
        delay = min(self._delay, remaining)
        self._delay = min(self._delay * self._factor, self._max)
        return delay


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
        self._option = option if option is not None else RequestOption()
        # A poll's own deadline (the call's, else the Client's) still bounds it, within the wait's time left.
        self._call_deadline = self._option.deadline if self._option.deadline is not None else transport.config.deadline

    def next_option(self) -> RequestOption:
        """The option of the next poll. Raises the timeout error when no time is left (after the first poll)."""
        left = self.deadline.left()
        if left <= 0 and self._polls:
            raise self.expired(self.last, None)
        self._polls += 1
        bound = max(left, MIN_HTTP_TIMEOUT)
        if self._call_deadline is not None:
            bound = min(bound, self._call_deadline)
        # As a deadline, the transport cuts every timeout of the poll (and of its retries) to the time left.
        return self._option.model_copy(update={"deadline": bound})

    def answered(self, status: T) -> float | None:
        """A poll answered ``status``: None when done, else the seconds to sleep (``step`` raises on failure or when
        the time is up)."""
        self.last = status
        delay = self.step(status)
        return None if delay is None else min(delay, self.deadline.left())

    def send(self, fetch: Callable[[RequestOption], T]) -> T:
        """One poll, sync: ``fetch`` with this wait's option; a failure raised as :meth:`failed` says."""
        try:
            return fetch(self.next_option())
        except (APIConnectionError, APIStatusError) as err:
            raise self.failed(err) from None

    def failed(self, err: DifyError) -> DifyError:
        """What to raise for a poll that failed with ``err`` (after the transport's retries): the timeout error
        when the time ran out, else ``err`` itself."""
        if isinstance(err, APIConnectionError) and self.deadline.left() <= DEADLINE_SLACK:
            return self.expired(self.last, err)
        return err


def poll(fetch: Callable[[RequestOption], T], waiter: Waiter[T], sleep: Callable[[float], None] = time.sleep) -> T:
    """Poll with ``fetch(option)`` until ``waiter`` says done; return the last status."""
    while True:
        status = waiter.send(fetch)
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


def poll_many(
    polls: Sequence[tuple[Callable[[RequestOption], T], Waiter[T]]], sleep: Callable[[float], None] = time.sleep
) -> list[T]:
    """Several waits in this thread, round-robin: every poll that is due is sent in turn, then the loop sleeps until
    the next one is due (never past the waiters' deadlines). Returns each wait's last status, in order; the first
    error (a failed poll, a waiter's timeout) is raised."""
    due = [0.0] * len(polls)
    results: list[T | None] = [None] * len(polls)
    waiting = list(range(len(polls)))
    now = time.monotonic()
    while waiting:
        for i in list(waiting):
            if due[i] > now:
                continue
            fetch, waiter = polls[i]
            status = waiter.send(fetch)
            delay = waiter.answered(status)
            now = time.monotonic()
            if delay is None:
                results[i] = status
                waiting.remove(i)
            else:
                due[i] = now + delay
        if waiting:
            pause = min(due[i] for i in waiting) - now
            if pause > 0:
                sleep(pause)
            # An injected sleep may not sleep: the polls it waited for are due all the same.
            now = max(time.monotonic(), now + max(pause, 0.0))
    return [cast(T, status) for status in results]  # every wait has returned its status


async def apoll_many(
    polls: Sequence[tuple[Callable[[RequestOption], Awaitable[T]], Waiter[T]]],
    deadline: Deadline,
    on_timeout: Callable[[], DifyError],
    sleep: Callable[[float], Awaitable[None]] | None = None,
) -> list[T]:
    """Async twin of :func:`poll_many`: one task per wait. The first error cancels the other tasks and is raised; a
    task still running shortly after ``deadline`` is cancelled too, and ``on_timeout()`` raised."""
    tasks = [asyncio.ensure_future(apoll(fetch, waiter, sleep)) for fetch, waiter in polls]
    try:
        done, running = await asyncio.wait(tasks, timeout=deadline.left() + _GRACE, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            err = task.exception()
            if err is not None:
                raise err
        if running:
            raise on_timeout()
        return [task.result() for task in tasks]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


_GRACE = 1.0
"""How long past the deadline a wait of :func:`apoll_many` may still run before it is cancelled (each poll is bounded
by the deadline already; this only catches what is not, such as a slow ``on_progress``)."""
