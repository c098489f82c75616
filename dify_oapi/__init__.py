"""dify-oapi: a typed, builder-pattern Python SDK for the Dify Service API.

>>> from dify_oapi import Client
>>> client = Client(base_url="http://localhost/v1", api_key="app-...")  # or Client() from the environment

Services: ``client.chat``, ``client.completion``, ``client.workflow``, ``client.knowledge_base``, ``client.dify``;
each has ``v1`` with its resources. Services are imported on first use.
"""

from __future__ import annotations

__version__ = "0.2.0"

from .client import Client, ClientBuilder
from .core.errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConflictError,
    DifyError,
    InternalServerError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitError,
    RequestTooLargeError,
    StreamIncompleteError,
    UnsupportedMediaTypeError,
)
from .core.hooks import Hook, HookEvent, TokenUsage
from .core.option import RequestOption

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ClientBuilder",
    "ClientClosedError",
    "ConflictError",
    "DifyError",
    "Hook",
    "HookEvent",
    "InternalServerError",
    "InvalidRequestError",
    "NotFoundError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "RateLimitError",
    "RequestOption",
    "RequestTooLargeError",
    "StreamIncompleteError",
    "TokenUsage",
    "UnsupportedMediaTypeError",
    "__version__",
]
