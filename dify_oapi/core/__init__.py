"""The SDK's core: transport, endpoints, builders, models, streams, errors. Service code builds on these."""

from __future__ import annotations

from .builder import Builder, Setter
from .endpoint import Endpoint
from .events import ErrorEvent, StreamEvent, event_union
from .model import (
    ALWAYS,
    Body,
    File,
    Form,
    FormJson,
    JsonObject,
    Path,
    Query,
    Request,
    Response,
    SimpleResult,
    Timestamp,
    User,
)
from .option import RequestOption
from .pagination import AsyncPager, Pager
from .resource import Method, Resource, iter_endpoints
from .retry import RetryPolicy
from .streaming import AsyncBinaryResponse, AsyncStream, BinaryResponse, Stream

__all__ = [
    "ALWAYS",
    "AsyncBinaryResponse",
    "AsyncPager",
    "AsyncStream",
    "BinaryResponse",
    "Body",
    "Builder",
    "Endpoint",
    "ErrorEvent",
    "File",
    "Form",
    "FormJson",
    "JsonObject",
    "Method",
    "Pager",
    "Path",
    "Query",
    "Request",
    "RequestOption",
    "Resource",
    "Response",
    "RetryPolicy",
    "Setter",
    "SimpleResult",
    "Stream",
    "StreamEvent",
    "Timestamp",
    "User",
    "event_union",
    "iter_endpoints",
]
