"""The SDK's core: transport, endpoints, builders, models, streams, errors. Service code builds on these.

The names below are imported on first use (``import dify_oapi`` stays light); type checkers see them as usual."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_WHERE = {
    "Builder": "builder",
    "Setter": "builder",
    "Endpoint": "endpoint",
    "ErrorEvent": "events",
    "StreamEvent": "events",
    "event_union": "events",
    "ALWAYS": "model",
    "Body": "model",
    "File": "model",
    "Form": "model",
    "FormJson": "model",
    "JsonObject": "model",
    "Path": "model",
    "Query": "model",
    "Request": "model",
    "Response": "model",
    "SimpleResult": "model",
    "Timestamp": "model",
    "User": "model",
    "RequestOption": "option",
    "AsyncPager": "pagination",
    "Pager": "pagination",
    "Method": "resource",
    "Resource": "resource",
    "iter_endpoints": "resource",
    "RetryPolicy": "retry",
    "AsyncBinaryResponse": "streaming",
    "AsyncStream": "streaming",
    "BinaryResponse": "streaming",
    "Stream": "streaming",
}


def __getattr__(name: str) -> Any:
    from .. import _load  # the parent package is loaded first: no module more

    return _load(__name__, globals(), _WHERE.get(name), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
