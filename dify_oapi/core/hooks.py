"""Hooks for tracing and metrics: ``Client(hooks=[fn, ...])`` calls each ``fn`` with one :class:`HookEvent` per
moment of every call.

=================  ==========================================================================================
``kind``           when
=================  ==========================================================================================
``request``        an attempt is sent (``attempt`` 1, 2...)
``response``       a 2xx answer arrived (``status``); for a stream, its events follow. A JSON answer is
                   reported once parsed (one that does not parse is the call's ``error``); a blocking chat,
                   completion or workflow answer also gives ``usage`` and ``latency`` (its ``metadata.usage``,
                   or the workflow run's ``data.total_tokens`` / ``data.elapsed_time``)
``retry``          an attempt failed and another is scheduled (``status`` or ``error_type``, ``retry_delay``)
``stream_event``   the caller took a stream event (``event``: its name; pings are not reported)
``stream_end``     a stream ended: ``completed`` (the caller took its final event, or reached its end) or left
                   early / closed / freed; ``events`` the count taken;
                   ``usage`` and ``latency`` from the run's final event (``message_end`` / ``workflow_finished``)
``error``          the call failed for good (``status`` for an HTTP error, ``error_type`` the SDK error class)
=================  ==========================================================================================

Every event carries ``call_id`` (the same for every moment of one call), ``method``, ``path`` (the template, e.g.
``/datasets/{dataset_id}``), ``server_address``/``server_port``, ``attempt`` and ``elapsed`` (seconds since the call
started). Never keys, headers or bodies. A hook that raises is logged (as a warning, without its message's secrets)
and never breaks the call. Hooks run inline: keep them fast. :mod:`dify_oapi.otel` turns them into OpenTelemetry
spans and metrics.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

import httpx

from ._log import logger

if TYPE_CHECKING:
    from .endpoint import Endpoint

__all__ = ["Hook", "HookEvent", "HookKind", "TokenUsage"]

HookKind = Literal["request", "response", "retry", "stream_event", "stream_end", "error"]


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Tokens of a run, from its final event (``total_tokens`` only, for a workflow run)."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class HookEvent:
    """One moment of one call (see the module docstring for each ``kind``)."""

    kind: HookKind
    call_id: int
    method: str
    path: str
    endpoint_kind: str
    server_address: str
    server_port: int | None
    attempt: int
    elapsed: float
    status: int | None = None
    error_type: str | None = None
    retry_delay: float | None = None
    event: str | None = None
    events: int | None = None
    completed: bool | None = None
    usage: TokenUsage | None = None
    latency: float | None = None


Hook = Callable[[HookEvent], None]
"""A hook: called with each :class:`HookEvent`; what it returns is ignored, what it raises is logged."""

_ids = itertools.count(1)
_FINAL_EVENTS = frozenset({"message_end", "workflow_finished"})
_TRACES: WeakKeyDictionary[httpx.Response, CallTrace] = WeakKeyDictionary()


def trace_of(response: httpx.Response) -> CallTrace | None:
    """The trace of the call that answered ``response`` (a stream goes on reporting to it), if hooks are set."""
    return _TRACES.get(response)


class CallTrace:
    """The hooks' view of one call: emits its events (the transport and streams create and feed it)."""

    __slots__ = (
        "_hooks", "_scrub", "address", "attempt", "call_id", "done", "endpoint", "events", "latency", "port",
        "started", "usage",
    )  # fmt: skip

    def __init__(
        self, hooks: Sequence[Hook], endpoint: Endpoint[Any, Any], base_url: str, scrub: Callable[[str], str]
    ) -> None:
        self._hooks = tuple(hooks)
        self._scrub = scrub
        self.endpoint = endpoint
        self.call_id = next(_ids)
        self.started = time.monotonic()
        parts = urlsplit(base_url)
        self.address = parts.hostname or ""
        self.port = parts.port
        self.attempt = 1
        self.events = 0
        self.done = False
        self.usage: TokenUsage | None = None
        self.latency: float | None = None

    def answered(self, response: httpx.Response) -> None:
        """A 2xx answer arrived. A stream or a download is reported now (its events follow); a JSON answer once it is
        parsed (:meth:`parsed`), so that its usage is read from the model."""
        _TRACES[response] = self
        if self.endpoint.kind != "json":
            self.emit("response", status=response.status_code)

    def parsed(self, status: int, answer: object) -> None:
        """A JSON answer, parsed: reported with a blocking run's usage and latency, if it has them."""
        self._take_usage(answer)
        self.emit("response", status=status, usage=self.usage, latency=self.latency)

    def failed(self, kind: HookKind, err: BaseException, delay: float | None = None) -> None:
        self.emit(kind, status=getattr(err, "status_code", None), error_type=type(err).__name__, retry_delay=delay)

    def emit(self, kind: HookKind, **fields: Any) -> None:
        if kind in ("stream_end", "error"):
            if self.done:
                return
            self.done = True
        event = HookEvent(
            kind, self.call_id, self.endpoint.method, self.endpoint.path, self.endpoint.kind, self.address, self.port,
            self.attempt, time.monotonic() - self.started, **fields,
        )  # fmt: skip
        for hook in self._hooks:
            try:
                hook(event)
            except Exception as exc:  # a hook never breaks the call
                if logger.isEnabledFor(logging.WARNING):
                    name = getattr(hook, "__qualname__", type(hook).__name__)
                    logger.warning(
                        "hook %s raised %s on %s: %s", name, type(exc).__name__, kind, self._scrub(str(exc))[:200]
                    )

    # ---- streams -------------------------------------------------------------------------------------------------

    def stream_event(self, event: object) -> None:
        name = getattr(event, "event", None)
        self.events += 1
        if isinstance(name, str) and name in _FINAL_EVENTS:
            self._take_usage(event)
        self.emit("stream_event", event=name if isinstance(name, str) else None)

    def _take_usage(self, event: object) -> None:
        """The usage of a final event or a blocking answer: ``metadata.usage`` (a chat's; kept over a chatflow's
        ``workflow_finished``), else a workflow run's ``data.total_tokens`` / ``data.elapsed_time``."""
        usage = getattr(getattr(event, "metadata", None), "usage", None)
        if usage is not None:
            self.usage = TokenUsage(
                _int(getattr(usage, "prompt_tokens", None)), _int(getattr(usage, "completion_tokens", None)),
                _int(getattr(usage, "total_tokens", None)),
            )  # fmt: skip
            self.latency = _number(getattr(usage, "latency", None))
            return
        data = getattr(event, "data", None)
        total = _int(getattr(data, "total_tokens", None))
        if self.usage is None and total is not None:
            self.usage = TokenUsage(total_tokens=total)
        elapsed = _number(getattr(data, "elapsed_time", None))
        if self.latency is None and elapsed is not None:
            self.latency = elapsed

    def stream_finished(self, exc: BaseException | None, completed: bool) -> None:
        """The stream stopped: ``exc`` the error it raised (None, or GeneratorExit when the caller left early);
        ``completed`` whether the caller took its final event or reached its end."""
        if self.done:
            return
        if exc is None or isinstance(exc, GeneratorExit):
            self.emit("stream_end", events=self.events, completed=completed, usage=self.usage, latency=self.latency)
        else:
            self.failed("error", exc)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
