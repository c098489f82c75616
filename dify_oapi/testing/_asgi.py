"""The ASGI side of the test server (starlette request/response objects, served by uvicorn). Imported only when a
server starts: the ``testing`` extra is optional."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import traceback
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ._common import content_disposition
from ._faults import Fault, RecordedRequest
from ._http import NOT_FOUND_HTML, ApiError, Call, Reply, StreamReply, json_reply, parse_multipart

if TYPE_CHECKING:
    from .server import DifyTestServer

__all__ = ["DifyASGIApp"]

logger = logging.getLogger("dify_oapi.testing")

Handler = Callable[[Call], Reply | StreamReply]

_BASE_HEADERS = {"X-Version": "1.14.1", "X-Env": "TESTING"}
_AUTH_HEADERS = {"WWW-Authenticate": 'Bearer realm="api"'}

# Routes whose body is multipart (or absent): no JSON content type required.
_NOT_JSON = re.compile(
    r"^/(files/upload|audio-to-text|datasets/pipeline/file-upload|datasets/[^/]+/document/create[-_]by[-_]file"
    r"|datasets/[^/]+/documents/[^/]+/update[-_]by[-_]file|datasets/[^/]+/documents/[^/]+"
    r"|datasets/[^/]+/metadata/built-in/[^/]+)$"
)


class _DropFilter(logging.Filter):
    """Hide uvicorn's complaint about the responses the server cut on purpose (``drop_stream``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "returned without completing response" not in record.getMessage()


class _Route:
    def __init__(self, method: str, template: str, handler: Handler, auth: str) -> None:
        self.method = method
        self.template = template
        self.handler = handler
        self.auth = auth
        parts = template.strip("/").split("/")
        self.literals = sum(1 for p in parts if not p.startswith("{"))
        pattern = "".join("/" + (f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p)) for p in parts)
        self.regex = re.compile(pattern + "$")


class DifyASGIApp:
    """Routes, authentication, body parsing, faults, the request log and SSE framing."""

    def __init__(self, server: DifyTestServer) -> None:
        self.server = server
        self.routes: list[_Route] = []
        for method, template, handler in server._apps.routes():
            self.routes.append(_Route(method, template, handler, "app"))
        for method, template, handler in server._knowledge.routes():
            self.routes.append(_Route(method, template, handler, "dataset"))
        self.log_filter = _DropFilter()  # this server's own: stop() removes it (another server keeps its own)
        logging.getLogger("uvicorn.error").addFilter(self.log_filter)

    def remove_log_filter(self) -> None:
        logging.getLogger("uvicorn.error").removeFilter(self.log_filter)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                    self.server._started.set()
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = await request.body()
        try:
            outcome = await self._dispatch(request, body)
        except Exception:  # a bug in a handler: a Dify-shaped 500, and the traceback in the log
            logger.error("test server handler failed:\n%s", traceback.format_exc())
            outcome = ApiError(500, "internal_server_error", "The server encountered an internal error.").reply()
        if isinstance(outcome, StreamReply):
            await self._stream(outcome, scope, receive, send)
            return
        headers = {**_BASE_HEADERS, **outcome.headers}
        response = Response(outcome.body, outcome.status, headers, media_type=outcome.content_type)
        if outcome.status == 204:
            response.headers["content-type"] = "application/json"
        await response(scope, receive, send)

    # ---- dispatch ----------------------------------------------------------------------------------------------

    async def _dispatch(self, request: Request, body: bytes) -> Reply | StreamReply:
        server = self.server
        path: str = request.url.path
        served = self._served_file(path, request)
        if served is not None:
            return served
        if not path.startswith("/v1/") or path == "/v1/":
            return Reply(404, NOT_FOUND_HTML, "text/html; charset=utf-8")
        sub = path[3:]
        content_type = request.headers.get("content-type", "")
        query = parse_qs(request.url.query, keep_blank_values=True)
        parsed_json: Any = None
        form: dict[str, str] = {}
        files: dict[str, Any] = {}
        if content_type.startswith("multipart/form-data"):
            form, files = parse_multipart(content_type, body)
        elif body and "json" in content_type:
            try:
                parsed_json = json.loads(body)
            except ValueError:
                parsed_json = None
        record = RecordedRequest(
            request.method, sub, {k: v[-1] for k, v in query.items()}, parsed_json, form,
            [u.filename for uploads in files.values() for u in uploads],
            {k.lower(): v for k, v in request.headers.items()}, time.time(), body=body,
        )  # fmt: skip
        with server._lock:
            previous = server._log[-1] if server._log else None
            if previous is not None and previous.same_as(record):
                record.attempt = previous.attempt + 1
            server._log.append(record)
            latency = server._latency_for(sub)
            fault = server._take_fault(("fail",), sub)
        if latency > 0:  # cut short when the server stops (a stalled answer never holds up stop())
            until = time.monotonic() + latency
            while (left := until - time.monotonic()) > 0:
                if server._stopping.is_set():
                    break
                await asyncio.sleep(min(left, 0.05))
        if fault is not None:
            headers: dict[str, str] = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = f"{fault.retry_after:g}"
            reply = ApiError(fault.status, fault.code, fault.message, headers).reply()
            record.status = reply.status
            return reply
        outcome = self._answer(request, sub, body, content_type, query, parsed_json, form, files)
        record.status = outcome.status if isinstance(outcome, Reply) else 200
        if isinstance(outcome, StreamReply):
            with server._lock:
                taken = (server._take_fault((kind,), sub) for kind in ("drop", "error_event", "stall"))
                outcome.faults = [f for f in taken if f is not None]
        return outcome

    def _answer(
        self,
        request: Request,
        sub: str,
        body: bytes,
        content_type: str,
        query: dict[str, list[str]],
        parsed_json: Any,
        form: dict[str, str],
        files: dict[str, Any],
    ) -> Reply | StreamReply:
        candidates: list[tuple[_Route, dict[str, str]]] = []
        for route in self.routes:
            match = route.regex.match(sub)
            if match is not None:
                candidates.append((route, match.groupdict()))
        if not candidates:
            return Reply(404, NOT_FOUND_HTML, "text/html; charset=utf-8")
        allowed = [c for c in candidates if c[0].method == request.method]
        if not allowed:
            return json_reply(
                {"code": "method_not_allowed", "message": "The method is not allowed for the requested URL.",
                 "status": 405},
                405,
                {"Allow": ", ".join(sorted({c[0].method for c in candidates}))},
            )  # fmt: skip
        route, params = max(allowed, key=lambda c: c[0].literals)
        try:
            app_kind = self._authenticate(request, route.auth)
            if body and "json" not in content_type and not _NOT_JSON.match(sub):
                raise ApiError(
                    415, "unsupported_media_type",
                    "Did not attempt to load JSON data because the request Content-Type was not 'application/json'.",
                )  # fmt: skip
            if body and "json" in content_type:
                if parsed_json is None and body.strip() != b"null":
                    raise ApiError(
                        400, "bad_request",
                        "The browser (or proxy) sent a request that this server could not understand.",
                    )  # fmt: skip
                if not isinstance(parsed_json, dict):
                    raise ApiError(400, "invalid_param", "The request body must be a JSON object.")
            payload: dict[str, Any] = cast(dict[str, Any], parsed_json) if isinstance(parsed_json, dict) else {}
            call = Call(request.method, sub, dict(params), query, payload, form, files, app_kind)
            with self.server._lock:
                return route.handler(call)
        except ApiError as error:
            return error.reply()

    def _authenticate(self, request: Request, kind: str) -> str | None:
        header = request.headers.get("authorization")
        if not header:
            raise ApiError(
                401, "unauthorized", "Authorization header must be provided and start with 'Bearer'", _AUTH_HEADERS
            )
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            raise ApiError(401, "unauthorized", "Authorization scheme must be 'Bearer'", _AUTH_HEADERS)
        token = token.strip()
        if kind == "dataset":
            if token != self.server.dataset_key:
                raise ApiError(401, "unauthorized", "Access token is invalid", _AUTH_HEADERS)
            return None
        for app_kind, key in self.server.app_keys.items():
            if token == key:
                return app_kind
        raise ApiError(401, "unauthorized", "Access token is invalid", _AUTH_HEADERS)

    def _served_file(self, path: str, request: Request) -> Reply | None:
        """``/files/{id}/file-preview`` (the signed links in answers, outside ``/v1``): the stored bytes."""
        match = re.fullmatch(r"/files/([^/]+)/file-preview", path)
        if match is None:
            return None
        with self.server._lock:
            stored = self.server._shared.files.get(match.group(1))
        if stored is None:
            return Reply(404, NOT_FOUND_HTML, "text/html; charset=utf-8")
        headers: dict[str, str] = {}
        if request.query_params.get("as_attachment") == "true":
            headers["Content-Disposition"] = content_disposition(stored.name)
        return Reply(200, stored.content, stored.mime_type, headers)

    # ---- streams -----------------------------------------------------------------------------------------------

    async def _stream(self, reply: StreamReply, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {**_BASE_HEADERS, **reply.headers, "Content-Type": "text/event-stream; charset=utf-8"}
        await send({
            "type": "http.response.start", "status": 200,
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        })  # fmt: skip
        completed = True
        async for chunk in self._frames(reply, reply.faults, receive):
            if chunk is None:
                completed = False
                break
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        if completed:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        # else: return without completing: uvicorn closes the connection mid-body (the client sees a broken stream)
        del scope

    async def _frames(self, reply: StreamReply, faults: list[Fault], receive: Receive) -> AsyncIterator[bytes | None]:
        """The frames of a stream; ``None`` means: cut the connection now."""
        server = self.server
        drop = next((f for f in faults if f.kind == "drop"), None)
        error = next((f for f in faults if f.kind == "error_event"), None)
        stall = next((f for f in faults if f.kind == "stall"), None)
        if reply.ping or stall is not None:
            yield b"event: ping\n\n"
        if stall is not None:
            deadline = time.monotonic() + server.settings.stall_seconds
            while not server._stopping.is_set() and time.monotonic() < deadline:
                try:
                    message = await asyncio.wait_for(receive(), timeout=0.05)
                except TimeoutError:
                    continue
                if message["type"] == "http.disconnect":
                    return
            return
        events = reply.events
        for index, event in enumerate(events):
            if server._stopping.is_set():
                return
            if drop is not None and index >= drop.after_events:
                yield None
                return
            if error is not None and index >= error.after_events:
                yield _frame(_error_event(event, error))
                return
            if server._apps.is_stopped(reply.task_id):
                final = next((e for e in events[index:] if e["event"] in ("message_end", "workflow_finished")), None)
                if final is not None:
                    if final["event"] == "workflow_finished":
                        final["data"]["status"] = "stopped"
                    yield _frame(final)
                return
            yield _frame(event)
            delay = server.settings.chunk_delay
            if delay > 0 and index + 1 < len(events):
                await asyncio.sleep(delay)
        if drop is not None:
            yield None


def _frame(event: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"


def _error_event(template: dict[str, Any], fault: Fault) -> dict[str, Any]:
    """An in-stream ``error`` event carrying the ids of the stream it interrupts."""
    event: dict[str, Any] = {"event": "error"}
    for key in ("task_id", "message_id", "conversation_id", "workflow_run_id"):
        if key in template:
            event[key] = template[key]
    event.update(status=fault.status, code=fault.code, message=fault.message)
    return event
