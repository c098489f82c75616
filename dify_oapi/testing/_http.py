"""What a handler of the test server receives and answers; pure Python (no starlette), shared by the app logic and
the ASGI glue."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from ._faults import Fault

__all__ = [
    "NOT_FOUND_HTML",
    "ApiError",
    "Call",
    "Reply",
    "StreamReply",
    "Upload",
    "json_reply",
    "parse_multipart",
]

# The page a real Dify (Flask/werkzeug) answers for an unknown route (err_unknown_route), byte for byte.
NOT_FOUND_HTML = (
    b"<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
    b"<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling "
    b"and try again.</p>\n"
)


class ApiError(Exception):
    """A Dify error answer ``{code, message, status}``."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def reply(self) -> Reply:
        return json_reply(
            {"code": self.code, "message": self.message, "status": self.status}, self.status, self.headers
        )


@dataclass
class Upload:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    content: bytes


@dataclass
class Reply:
    """A complete answer."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict[str, str])


@dataclass
class StreamReply:
    """A ``text/event-stream`` answer: ``event: ping`` first (when ``ping``), then one ``data:`` frame per event.

    ``stopped`` is checked before each event: when it answers an event, that event is sent last (a stopped task)."""

    events: list[dict[str, Any]]
    ping: bool = True
    task_id: str | None = None
    headers: dict[str, str] = field(default_factory=dict[str, str])
    faults: list[Fault] = field(default_factory=list[Fault])


def json_reply(body: Any, status: int = 200, headers: dict[str, str] | None = None, *, spaced: bool = False) -> Reply:
    """JSON the way Dify writes it: compact with a final newline for most routes, ``", "``/``": "`` without one (and
    a charset) for app runs."""
    if spaced:
        data = json.dumps(body, ensure_ascii=False).encode()
        return Reply(status, data, "application/json; charset=utf-8", dict(headers or {}))
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
    return Reply(status, data, "application/json", dict(headers or {}))


@dataclass
class Call:
    """One request as the app logic sees it."""

    method: str
    path: str  # without the /v1 prefix
    params: dict[str, str]
    query: dict[str, list[str]]
    body: dict[str, Any]
    form: dict[str, str] = field(default_factory=dict[str, str])
    files: dict[str, list[Upload]] = field(default_factory=dict[str, list[Upload]])
    app_kind: str | None = None

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def q_int(self, name: str, default: int, *, low: int = 1, high: int = 100) -> int:
        raw = self.q(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ApiError(400, "invalid_param", f"{name} must be an integer") from None
        if value < low or value > high:
            raise ApiError(400, "invalid_param", f"{name} must be between {low} and {high}")
        return value

    def q_bool(self, name: str, default: bool = False) -> bool:
        raw = self.q(name)
        if raw is None:
            return default
        return raw.lower() in ("1", "true", "yes", "on")


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, list[Upload]]]:
    """Fields and files of a ``multipart/form-data`` body (the stdlib email parser; no extra dependency)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    files: dict[str, list[Upload]] = {}
    if not message.is_multipart():
        return fields, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if filename is not None:
            files.setdefault(name, []).append(Upload(filename, part.get_content_type(), data))
        else:
            charset = part.get_content_charset() or "utf-8"
            fields[name] = data.decode(charset, errors="replace")
    return fields, files
