"""OpenTelemetry spans and metrics from the SDK's hooks (extra ``dify-oapi[otel]``, needs ``opentelemetry-api``).

::

    from dify_oapi import Client
    from dify_oapi.otel import OpenTelemetryHook

    client = Client(hooks=[OpenTelemetryHook()])   # the global tracer and meter providers, or pass your own

One CLIENT span per call, named ``"{method} {url.template}"`` (``POST /chat-messages``), following the HTTP-client
semantic conventions: ``http.request.method``, ``url.template``, ``server.address``, ``server.port``,
``http.response.status_code``, ``error.type`` (and the span status ERROR) on failure, ``http.request.resend_count``
after retries (each retry is also a span event). A blocking call's span ends with its answer; a stream's span when
the stream ends. A run's span carries ``gen_ai.usage.input_tokens`` / ``gen_ai.usage.output_tokens`` (and
``dify.usage.total_tokens``, ``dify.run.latency``) from its blocking answer (chat/completion ``metadata.usage``, a
workflow run's ``data.total_tokens`` / ``data.elapsed_time``) or its stream's final event (then also
``dify.stream.events``, ``dify.stream.completed``).

Metrics: the histogram ``http.client.request.duration`` (seconds) per call, and ``gen_ai.client.token.usage``
(tokens, ``gen_ai.token.type`` ``input`` / ``output``) per run that reported usage.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from . import __version__
from .core.errors import DifyError
from .core.hooks import HookEvent

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import Span, TracerProvider

__all__ = ["OpenTelemetryHook", "OpenTelemetryMissingError"]

_MAX_OPEN_SPANS = 10_000


class OpenTelemetryMissingError(DifyError, ImportError):
    """``opentelemetry-api`` is not installed."""


def _otel() -> tuple[Any, Any]:
    try:
        from opentelemetry import metrics, trace
    except ImportError:
        raise OpenTelemetryMissingError(
            "dify_oapi.otel needs opentelemetry-api: pip install 'dify-oapi[otel]'"
        ) from None
    return trace, metrics


class OpenTelemetryHook:
    """A hook (``Client(hooks=[OpenTelemetryHook()])``) that records spans and metrics (see the module docstring).
    ``tracer_provider`` / ``meter_provider`` default to the global ones. Safe to share between Clients and threads."""

    def __init__(self, tracer_provider: TracerProvider | None = None, meter_provider: MeterProvider | None = None):
        trace, metrics = _otel()
        self._trace = trace
        self._tracer = trace.get_tracer("dify_oapi", __version__, tracer_provider=tracer_provider)
        meter = metrics.get_meter("dify_oapi", __version__, meter_provider=meter_provider)
        self._duration = meter.create_histogram(
            "http.client.request.duration", unit="s", description="Duration of HTTP client requests."
        )
        self._tokens = meter.create_histogram(
            "gen_ai.client.token.usage", unit="{token}", description="Number of input and output tokens used."
        )
        self._spans: dict[int, Span] = {}
        self._lock = threading.Lock()

    def __call__(self, event: HookEvent) -> None:
        kind = event.kind
        if kind == "request":
            self._request(event)
            return
        with self._lock:
            span = self._spans.get(event.call_id)
        if span is None:
            return
        if kind == "retry":
            span.add_event(
                "retry",
                {k: v for k, v in _failure(event).items() if v is not None}
                | {"dify.retry.delay": event.retry_delay or 0.0},
            )
        elif kind == "response":
            span.set_attribute("http.response.status_code", event.status or 0)
            if event.endpoint_kind != "stream":
                span.set_attributes(self._usage(event))  # a blocking run's usage, from its answer
                self._end(event, span)
        elif kind == "stream_end":
            attributes: dict[str, Any] = {
                "dify.stream.events": event.events or 0,
                "dify.stream.completed": bool(event.completed),
            }
            span.set_attributes(attributes | self._usage(event))
            self._end(event, span)
        elif kind == "error":
            failure = {k: v for k, v in _failure(event).items() if v is not None}
            span.set_attributes(failure)
            span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, event.error_type or "error"))
            self._end(event, span, failure)

    def _request(self, event: HookEvent) -> None:
        if event.attempt > 1:
            with self._lock:
                span = self._spans.get(event.call_id)
            if span is not None:
                span.set_attribute("http.request.resend_count", event.attempt - 1)
            return
        span = self._tracer.start_span(
            f"{event.method} {event.path}", kind=self._trace.SpanKind.CLIENT, attributes=_base(event)
        )
        with self._lock:
            if len(self._spans) >= _MAX_OPEN_SPANS:  # streams never read nor closed: do not grow without bound
                self._spans.pop(next(iter(self._spans))).end()
            self._spans[event.call_id] = span

    def _end(self, event: HookEvent, span: Span, failure: dict[str, Any] | None = None) -> None:
        with self._lock:
            self._spans.pop(event.call_id, None)
        span.end()
        attributes = _base(event)
        if event.status is not None:
            attributes["http.response.status_code"] = event.status
        if failure:
            attributes["error.type"] = failure["error.type"]
        self._duration.record(event.elapsed, attributes)

    def _usage(self, event: HookEvent) -> dict[str, Any]:
        """The run's usage and latency as span attributes (recording the token metric); {} when it has none."""
        attributes: dict[str, Any] = {}
        usage = event.usage
        if usage is not None:
            attributes |= {
                k: v for k, v in (
                    ("gen_ai.usage.input_tokens", usage.input_tokens),
                    ("gen_ai.usage.output_tokens", usage.output_tokens),
                    ("dify.usage.total_tokens", usage.total_tokens),
                ) if v is not None
            }  # fmt: skip
            self._record_tokens(event)
        if event.latency is not None:
            attributes["dify.run.latency"] = event.latency
        return attributes

    def _record_tokens(self, event: HookEvent) -> None:
        usage = event.usage
        assert usage is not None
        base = {"gen_ai.system": "dify", "server.address": event.server_address, "url.template": event.path}
        if usage.input_tokens is not None:
            self._tokens.record(usage.input_tokens, base | {"gen_ai.token.type": "input"})
        if usage.output_tokens is not None:
            self._tokens.record(usage.output_tokens, base | {"gen_ai.token.type": "output"})


def _base(event: HookEvent) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "http.request.method": event.method,
        "url.template": event.path,
        "server.address": event.server_address,
    }
    if event.server_port is not None:
        attributes["server.port"] = event.server_port
    return attributes


def _failure(event: HookEvent) -> dict[str, Any]:
    """``error.type``: the status code for an HTTP error (as the conventions ask), else the SDK error class."""
    error_type = str(event.status) if event.status is not None else event.error_type or "_OTHER"
    return {"error.type": error_type, "http.response.status_code": event.status, "dify.error.class": event.error_type}
