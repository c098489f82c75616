"""dify_oapi.otel: hooks turned into OpenTelemetry spans and metrics (SDK in-memory exporter and metric reader),
through the real transport against the built-in server."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import httpx
import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from dify_oapi import APIConnectionError, NotFoundError
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.api.chat.v1.model.conversation import ListConversationsRequest
from dify_oapi.api.workflow.v1.model.workflow_run import RunWorkflowRequest
from dify_oapi.otel import OpenTelemetryHook
from dify_oapi.testing import DifyTestServer
from tests.support import APP_KEY, Recorder, call, collect, make_client, sse_response, take_first


class Otel:
    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.reader = InMemoryMetricReader()
        self.hook = OpenTelemetryHook(tracer_provider, MeterProvider(metric_readers=[self.reader]))

    def finished(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())

    def points(self, name: str) -> list[Any]:
        data = self.reader.get_metrics_data()
        assert data is not None
        return [
            point
            for resource in data.resource_metrics
            for scope in resource.scope_metrics
            for metric in scope.metrics
            if metric.name == name
            for point in metric.data.data_points
        ]


def ask(query: str = "hi") -> ChatMessageRequest:
    return ChatMessageRequest.builder().query(query).user("u-otel").build()


async def test_spans_and_duration_metric_follow_the_http_client_conventions(server: DifyTestServer, mode: str) -> None:
    otel = Otel()
    with server.client(hooks=[otel.hook], max_retries=1, retry_base_delay=0) as client:
        await call(mode, client.chat.v1.message, "create", ask())
        server.fail_next(1, 503, retry_after=0, path="/conversations")
        await call(mode, client.chat.v1.conversation, "list", ListConversationsRequest.builder().user("u").build())
        with pytest.raises(NotFoundError):
            await call(mode, client.chat.v1.message, "create", ask().model_copy(update={"conversation_id": _NONE}))
        await client.aclose()
    blocking, listed, failed = otel.finished()
    assert blocking.name == "POST /chat-messages" and blocking.kind is SpanKind.CLIENT
    assert dict(blocking.attributes or {}) == {
        "http.request.method": "POST", "url.template": "/chat-messages", "server.address": "127.0.0.1",
        "server.port": server.port, "http.response.status_code": 200,
        # the blocking answer's metadata.usage (the built-in server spends no tokens)
        "gen_ai.usage.input_tokens": 0, "gen_ai.usage.output_tokens": 0, "dify.usage.total_tokens": 0,
        "dify.run.latency": 0.0,
    }  # fmt: skip
    assert blocking.status.status_code is StatusCode.UNSET
    assert listed.name == "GET /conversations" and (listed.attributes or {})["http.request.resend_count"] == 1
    assert [e.name for e in listed.events] == ["retry"]
    assert (listed.events[0].attributes or {})["error.type"] == "503"
    assert failed.status.status_code is StatusCode.ERROR
    assert (failed.attributes or {})["error.type"] == "404"
    assert (failed.attributes or {})["http.response.status_code"] == 404
    for span in (blocking, listed, failed):
        assert APP_KEY not in str(span.to_json())

    durations = otel.points("http.client.request.duration")
    by_template = {(p.attributes["url.template"], p.attributes.get("error.type")): p for p in durations}
    assert set(by_template) == {("/chat-messages", None), ("/conversations", None), ("/chat-messages", "404")}
    assert all(p.count == 1 and p.sum >= 0 for p in durations if p.attributes["url.template"] == "/conversations")


async def test_a_stream_span_ends_with_its_stream_and_carries_token_usage(mode: str) -> None:
    usage = {"prompt_tokens": 12, "completion_tokens": 30, "total_tokens": 42, "latency": 1.5}
    rec = Recorder(
        default=lambda request: sse_response(
            {"event": "message", "answer": "hi", "conversation_id": "c"},
            {"event": "message_end", "id": "m", "conversation_id": "c", "metadata": {"usage": usage}},
        )
    )
    otel = Otel()
    client = make_client(rec, hooks=[otel.hook])
    await collect(mode, client.chat.v1.message, "stream", ask())
    (span,) = otel.finished()
    attributes = dict(span.attributes or {})
    assert attributes["gen_ai.usage.input_tokens"] == 12 and attributes["gen_ai.usage.output_tokens"] == 30
    assert attributes["dify.usage.total_tokens"] == 42 and attributes["dify.run.latency"] == 1.5
    assert attributes["dify.stream.completed"] is True and attributes["dify.stream.events"] == 2
    tokens = {p.attributes["gen_ai.token.type"]: p.sum for p in otel.points("gen_ai.client.token.usage")}
    assert tokens == {"input": 12, "output": 30}
    client.close()
    await client.aclose()


async def test_a_blocking_span_carries_the_answers_usage(mode: str) -> None:
    usage = {"prompt_tokens": 5, "completion_tokens": 8, "total_tokens": 13, "latency": 0.75}
    run = {"task_id": "t", "workflow_run_id": "r", "data": {"id": "r", "status": "succeeded", "total_tokens": 9,
                                                            "elapsed_time": 0.5}}  # fmt: skip
    rec = Recorder(
        answers=[
            httpx.Response(200, json={"event": "message", "id": "m", "conversation_id": "c", "answer": "hi",
                                      "metadata": {"usage": usage}}),
            httpx.Response(200, json=run),
            httpx.Response(200, json={"data": [], "has_more": False, "limit": 20}),
        ]
    )  # fmt: skip
    otel = Otel()
    client = make_client(rec, hooks=[otel.hook])
    await call(mode, client.chat.v1.message, "create", ask())
    await call(mode, client.workflow.v1.workflow, "run", RunWorkflowRequest.builder().user("u").build())
    await call(mode, client.chat.v1.conversation, "list", ListConversationsRequest.builder().user("u").build())
    chat, flow, listed = (dict(span.attributes or {}) for span in otel.finished())
    assert (chat["gen_ai.usage.input_tokens"], chat["gen_ai.usage.output_tokens"]) == (5, 8)
    assert (chat["dify.usage.total_tokens"], chat["dify.run.latency"]) == (13, 0.75)
    assert flow["dify.usage.total_tokens"] == 9 and flow["dify.run.latency"] == 0.5
    assert "gen_ai.usage.input_tokens" not in flow
    assert not any(k.startswith(("gen_ai.", "dify.")) for k in listed)
    tokens = {p.attributes["gen_ai.token.type"]: p.sum for p in otel.points("gen_ai.client.token.usage")}
    assert tokens == {"input": 5, "output": 8}
    client.close()
    await client.aclose()


async def test_a_span_counts_the_events_the_caller_took(mode: str) -> None:
    """All events in one read (one body over httpx.MockTransport), the caller leaves after the first: the span has
    one event and is not completed."""
    rec = Recorder(
        default=lambda request: sse_response(
            {"event": "message", "answer": "hi", "conversation_id": "c"},
            {"event": "message_end", "id": "m", "conversation_id": "c", "metadata": {"usage": {"total_tokens": 2}}},
        )
    )
    otel = Otel()
    client = make_client(rec, hooks=[otel.hook])
    await take_first(mode, client.chat.v1.message, "stream", ask())
    (span,) = otel.finished()
    attributes = dict(span.attributes or {})
    assert attributes["dify.stream.completed"] is False and attributes["dify.stream.events"] == 1
    assert "dify.usage.total_tokens" not in attributes
    client.close()
    await client.aclose()


async def test_a_stream_left_early_and_a_broken_stream_end_their_spans(server: DifyTestServer, mode: str) -> None:
    otel = Otel()
    with server.client(hooks=[otel.hook]) as client:
        await take_first(mode, client.chat.v1.message, "stream", ask())
        server.drop_stream(after_events=1, path="/chat-messages")
        with pytest.raises(APIConnectionError):
            await collect(mode, client.chat.v1.message, "stream", ask())
        await client.aclose()
    left, broken = otel.finished()
    assert (left.attributes or {})["dify.stream.completed"] is False
    assert broken.status.status_code is StatusCode.ERROR
    assert (broken.attributes or {})["error.type"] == "APIConnectionError"


_NONE = "00000000-0000-0000-0000-000000000000"


def test_a_clear_error_without_opentelemetry() -> None:
    code = (
        "import sys; sys.modules['opentelemetry'] = None\n"
        "from dify_oapi import DifyError\n"
        "from dify_oapi.otel import OpenTelemetryHook, OpenTelemetryMissingError\n"
        "try:\n    OpenTelemetryHook()\n"
        "except OpenTelemetryMissingError as exc:\n    assert isinstance(exc, DifyError); print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert "pip install 'dify-oapi[otel]'" in out.stdout
