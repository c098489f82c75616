"""Fault injection and the request log of the test server (pure Python; thread-safe through the caller's lock)."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["DEFAULT_CODES", "Fault", "FaultKind", "RecordedRequest"]

FaultKind = Literal["fail", "drop", "error_event", "stall"]

DEFAULT_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    408: "request_timeout",
    409: "conflict",
    413: "file_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


@dataclass
class Fault:
    """One armed fault: it applies to the next ``remaining`` matching requests (or streams)."""

    kind: FaultKind
    remaining: int
    path: str | None = None
    status: int = 500
    code: str = "internal_server_error"
    message: str = "Injected fault."
    retry_after: float | None = None
    after_events: int = 0

    def matches(self, path: str) -> bool:
        return self.path is None or path == self.path or fnmatch.fnmatchcase(path, self.path)


@dataclass
class RecordedRequest:
    """One request the server received (also those answered by an injected fault).

    ``path`` is relative to ``/v1`` (``"/chat-messages"``); ``query`` holds the last value of each parameter;
    ``json`` is the parsed JSON body (``None`` for none or non-JSON); ``form`` / ``files`` the multipart fields and
    file names; ``attempt`` counts identical consecutive requests (1 for the first, 2 for a retry of it...);
    ``status`` is the status answered (200 for a stream)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    form: dict[str, str]
    files: list[str]
    headers: dict[str, str]
    timestamp: float
    attempt: int = 1
    status: int | None = None
    body: bytes = field(default=b"", repr=False)

    def __repr__(self) -> str:
        """Like the dataclass repr, with the value of ``Authorization`` (any case) shown as ``Bearer ***``."""
        headers = {k: ("Bearer ***" if k.lower() in ("authorization", "proxy-authorization") else v)
                   for k, v in self.headers.items()}  # fmt: skip
        return (
            f"RecordedRequest(method={self.method!r}, path={self.path!r}, query={self.query!r}, json={self.json!r}, "
            f"form={self.form!r}, files={self.files!r}, headers={headers!r}, timestamp={self.timestamp!r}, "
            f"attempt={self.attempt!r}, status={self.status!r})"
        )

    def same_as(self, other: RecordedRequest) -> bool:
        return (self.method, self.path, self.query, self.body) == (other.method, other.path, other.query, other.body)
