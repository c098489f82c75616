"""Exceptions raised by dify_oapi.

Hierarchy::

    DifyError
      InvalidRequestError                 bad input, raised by ``build()`` or before any I/O
      ClientClosedError                   a call on a closed Client
    StreamNotOpenError                  an HTTP fact asked of an async stream not opened yet (also a RuntimeError)
      UploadChangedError                  a file changed size while it was being uploaded (never re-sent)
      APIError
        APIStatusError                    the server answered with an error (HTTP status or an in-stream ``error``)
          BadRequestError (400) ... InternalServerError (>= 500)
            one subclass per Dify ``code`` (``DatasetNameDuplicateError`` is a ``ConflictError``)
        APIConnectionError                the request did not complete (refused, reset, dropped mid-stream)
          APITimeoutError
        APIResponseValidationError        the server's answer did not have the expected shape
        StreamIncompleteError             a stream ended before its terminal event
        PaginationError                   a pager saw the server repeat a page (it would loop forever)
        ResponseTooLargeError             a JSON answer larger than ``max_response_bytes`` (not read into memory)
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AgentNotPublishedError",
    "AppUnavailableError",
    "ArchivedDocumentImmutableError",
    "AudioTooLargeError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "CompletionRequestError",
    "ConflictError",
    "ConversationCompletedError",
    "DatasetInUseError",
    "DatasetNameDuplicateError",
    "DatasetNotInitializedError",
    "DifyError",
    "DifyFileNotFoundError",
    "DocumentIndexingError",
    "EndUserNotFoundError",
    "FileAccessDeniedError",
    "FileTooLargeError",
    "FilenameNotExistsError",
    "ForbiddenError",
    "HumanInputFormExpiredError",
    "HumanInputFormSubmittedError",
    "InternalServerError",
    "InvalidActionError",
    "InvalidFormDataError",
    "InvalidMetadataError",
    "InvalidParamError",
    "InvalidRequestError",
    "MethodNotAllowedError",
    "MissingExtraError",
    "ModelCurrentlyNotSupportError",
    "NoFileUploadedError",
    "NotChatAppError",
    "NotFoundError",
    "NotWorkflowAppError",
    "PaginationError",
    "PermissionDeniedError",
    "PipelineRunError",
    "PreconditionFailedError",
    "ProviderNotInitializeError",
    "ProviderNotSupportSpeechToTextError",
    "ProviderQuotaExceededError",
    "RateLimitError",
    "RequestTooLargeError",
    "ResponseTooLargeError",
    "SpeechToTextDisabledError",
    "StreamIncompleteError",
    "StreamNotOpenError",
    "TooManyFilesError",
    "TooManyRequestsError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "UnsupportedAudioTypeError",
    "UnsupportedFileTypeError",
    "UnsupportedMediaTypeError",
    "UploadChangedError",
    "WorkflowVersionExecutionNotAllowedError",
    "error_class_for_code",
    "redact_request",
    "scrub_model",
    "scrub_strings",
]


class DifyError(Exception):
    """Base of every exception raised by dify_oapi.

    Every one pickles (``ProcessPoolExecutor``, Celery) with its attributes; none carries an API key: the request it
    keeps has its ``Authorization`` redacted, and an error raised ``from None`` hides the low-level error it replaced
    (``__context__`` is None: httpx errors hold the request that was sent, key included).
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_error, (type(self), self.args, dict(self.__dict__)))

    @property
    def __context__(self) -> BaseException | None:  # pyright: ignore[reportIncompatibleVariableOverride]
        if self.__suppress_context__:
            return None
        context: BaseException | None = _CONTEXT.__get__(self)
        return context

    @__context__.setter
    def __context__(self, value: BaseException | None) -> None:  # pyright: ignore[reportIncompatibleVariableOverride]
        _CONTEXT.__set__(self, value)


_CONTEXT: Any = BaseException.__dict__["__context__"]


def _rebuild_error(cls: type[DifyError], args: tuple[Any, ...], state: dict[str, Any]) -> DifyError:
    err = cls.__new__(cls)
    Exception.__init__(err, *args)
    err.__dict__.update(state)
    return err


def redact_request(request: httpx.Request | None) -> httpx.Request | None:
    """A copy of ``request`` that an error may keep: method, URL, headers (``Authorization`` shown as ``Bearer ***``,
    the key removed from any other header) and the body when it was small and already in memory."""
    if request is None:
        return None
    auth = request.headers.get("authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else auth.strip()
    headers: list[tuple[str, str]] = []
    for name, value in request.headers.multi_items():
        if name.lower() == "authorization":
            value = "Bearer ***" if value.lower().startswith("bearer ") else "***"
        elif token and token in value:
            value = value.replace(token, "***")
        headers.append((name, value))
    content = b""
    stream = request.stream
    if isinstance(stream, httpx.ByteStream):
        body = b"".join(stream)  # ByteStream iterates its bytes without consuming them
        content = body if len(body) <= 65536 and (not token or token.encode() not in body) else b""
    return httpx.Request(request.method, request.url, headers=headers, content=content)


def scrub_strings(value: Any, scrub: Callable[[str], str]) -> Any:
    """``value`` (parsed JSON) with ``scrub`` applied to every string in it, keys included; the shape is kept."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub(str(k)): scrub_strings(v, scrub) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    if isinstance(value, list):
        return [scrub_strings(v, scrub) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value


def scrub_model(value: Any, scrub: Callable[[str], str]) -> Any:
    """``value`` (a parsed answer: a model, or lists and dicts of models and JSON values) with ``scrub`` applied to
    every string it holds, fields and extra fields of models included, in place for models (their type and their
    enum values are kept); containers are rebuilt. For answers whose body quoted a key (a server may echo the
    ``Authorization`` it got in an ``error`` field)."""
    if type(value) is str:
        return scrub(value)
    if isinstance(value, BaseModel):
        fields = vars(value)
        for name in list(fields):
            fields[name] = scrub_model(fields[name], scrub)
        extra = value.__pydantic_extra__
        if extra:
            object.__setattr__(
                value, "__pydantic_extra__", {scrub(name): scrub_model(item, scrub) for name, item in extra.items()}
            )
        return value
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for k, v in value.items():  # pyright: ignore[reportUnknownVariableType]
            out[scrub(k) if type(k) is str else k] = scrub_model(v, scrub)  # pyright: ignore[reportUnknownArgumentType]
        return out
    if isinstance(value, list):
        return [scrub_model(v, scrub) for v in value]  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, tuple):
        return tuple(scrub_model(v, scrub) for v in value)  # pyright: ignore[reportUnknownVariableType]
    return value


class InvalidRequestError(DifyError, ValueError):
    """A request that cannot be sent: raised by ``build()`` or before any I/O, never after."""


class ClientClosedError(DifyError, RuntimeError):
    """The Client (or the httpx client it was given) is closed."""


class MissingExtraError(DifyError, ImportError):
    """An option needs an optional dependency that is not installed (``async_backend="aiohttp"`` needs the
    ``aiohttp`` extra); the text says what to install. Also an ``ImportError``."""


class StreamNotOpenError(DifyError, RuntimeError):
    """An HTTP fact (``response``, ``status_code``, ``headers``, ``request_id``) asked of a stream whose request has
    not been answered yet: ``await`` the stream (or ``async with`` it, or read its first event) first."""


class UploadChangedError(DifyError):
    """A file grew or shrank between the moment its size was taken (``Content-Length``) and the moment its last byte
    was sent: the upload was stopped (the server got an incomplete request) and is never re-sent. ``filename`` is the
    part's file name, ``expected`` the size announced."""

    def __init__(self, message: str, *, filename: str | None = None, expected: int | None = None) -> None:
        super().__init__(message)
        self.filename = filename
        self.expected = expected


class APIError(DifyError):
    """Something went wrong talking to the server."""

    message: str
    request: httpx.Request | None

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = redact_request(request)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class APIConnectionError(APIError):
    """The request did not complete: connection refused or reset, or a stream dropped mid-way."""

    def __init__(self, message: str = "Connection error.", *, request: httpx.Request | None = None) -> None:
        super().__init__(message, request=request)


class APITimeoutError(APIConnectionError):
    """A connect, read, write or pool timeout."""

    def __init__(self, message: str = "Request timed out.", *, request: httpx.Request | None = None) -> None:
        super().__init__(message, request=request)


class APIResponseValidationError(APIError):
    """The server answered successfully but its body was not what the endpoint promises."""

    def __init__(
        self, message: str, *, body: str | None = None, status_code: int | None = None,
        request: httpx.Request | None = None,
    ) -> None:  # fmt: skip
        super().__init__(message, request=request)
        self.body = body
        self.status_code = status_code


class StreamIncompleteError(APIConnectionError):
    """A stream closed before its terminal event: the answer is incomplete."""


class ResponseTooLargeError(APIError):
    """A JSON answer larger than the Client's ``max_response_bytes``: the reading stopped at the limit (the rest was
    never read into memory) and the connection was closed. Not retried. ``limit`` is the cap in bytes,
    ``status_code`` the answer's status."""

    def __init__(
        self, message: str, *, limit: int | None = None, status_code: int | None = None,
        request: httpx.Request | None = None,
    ) -> None:  # fmt: skip
        super().__init__(message, request=request)
        self.limit = limit
        self.status_code = status_code


class PaginationError(APIError):
    """A pager stopped because the server sent a page it had sent before (the same cursor, or the same items):
    following it would loop forever. ``endpoint`` is the list's method and path, ``pages`` the pages fetched."""

    def __init__(self, message: str, *, endpoint: str = "", pages: int = 0) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.pages = pages


class APIStatusError(APIError):
    """The server answered with an error.

    ``status_code`` is the HTTP status (for an in-stream ``error`` event, the event's ``status``), ``code`` Dify's
    snake_case error code, ``message`` its message, ``body`` the parsed JSON body (or the raw text), ``request_id``
    the request id header when the server sends one, ``retry_after`` the server's Retry-After in seconds.
    """

    status: ClassVar[int | None] = None
    dify_code: ClassVar[str | None] = None

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        body: object = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        headers: Mapping[str, str] | None = None,
        request: httpx.Request | None = None,
    ) -> None:
        super().__init__(message, request=request)
        self.status_code = status_code
        self.code = code
        self.body = body
        self.request_id = request_id
        self.retry_after = retry_after
        self.headers: httpx.Headers = _redacted_headers(headers)

    def __str__(self) -> str:
        parts = [f"{self.status_code}"]
        if self.code:
            parts.append(self.code)
        text = " ".join(parts) + f": {self.message}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text

    def __repr__(self) -> str:
        fields = [f"status_code={self.status_code}", f"code={self.code!r}", f"message={self.message!r}"]
        if self.request_id:
            fields.append(f"request_id={self.request_id!r}")
        return f"{type(self).__name__}({', '.join(fields)})"


def _redacted_headers(headers: Mapping[str, str] | None) -> httpx.Headers:
    """The answer's headers, case-insensitive; a server never echoes Authorization, but drop it if one does."""
    if headers is None:
        return httpx.Headers()
    items = headers.multi_items() if isinstance(headers, httpx.Headers) else list(headers.items())
    return httpx.Headers([(k, v) for k, v in items if k.lower() not in ("authorization", "proxy-authorization")])


class BadRequestError(APIStatusError):
    status = 400


class AuthenticationError(APIStatusError):
    status = 401


class PermissionDeniedError(APIStatusError):
    status = 403


class NotFoundError(APIStatusError):
    status = 404


class MethodNotAllowedError(APIStatusError):
    status = 405


class ConflictError(APIStatusError):
    status = 409


class PreconditionFailedError(APIStatusError):
    status = 412


class RequestTooLargeError(APIStatusError):
    status = 413


class UnsupportedMediaTypeError(APIStatusError):
    status = 415


class UnprocessableEntityError(APIStatusError):
    status = 422


class RateLimitError(APIStatusError):
    status = 429


class InternalServerError(APIStatusError):
    status = 500


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    cls.status: cls
    for cls in (
        BadRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        MethodNotAllowedError,
        ConflictError,
        PreconditionFailedError,
        RequestTooLargeError,
        UnsupportedMediaTypeError,
        UnprocessableEntityError,
        RateLimitError,
        InternalServerError,
    )
    if cls.status is not None
}

# One class per Dify error code: every code the OpenAPI file lists (38), plus the few the real server sends that it
# does not. Each is a subclass of the class of the status the server sends it with, so `except ConflictError` still
# catches `DatasetNameDuplicateError`.


class AgentNotPublishedError(BadRequestError):
    dify_code = "agent_not_published"


class AppUnavailableError(BadRequestError):
    dify_code = "app_unavailable"


class CompletionRequestError(BadRequestError):
    dify_code = "completion_request_error"


class ConversationCompletedError(BadRequestError):
    dify_code = "conversation_completed"


class DatasetNotInitializedError(BadRequestError):
    dify_code = "dataset_not_initialized"


class DocumentIndexingError(BadRequestError):
    dify_code = "document_indexing"


class FilenameNotExistsError(BadRequestError):
    dify_code = "filename_not_exists_error"


class InvalidActionError(BadRequestError):
    dify_code = "invalid_action"


class InvalidFormDataError(BadRequestError):
    dify_code = "invalid_form_data"


class InvalidMetadataError(BadRequestError):
    dify_code = "invalid_metadata"


class InvalidParamError(BadRequestError):
    dify_code = "invalid_param"


class ModelCurrentlyNotSupportError(BadRequestError):
    dify_code = "model_currently_not_support"


class NoFileUploadedError(BadRequestError):
    dify_code = "no_file_uploaded"


class NotChatAppError(BadRequestError):
    dify_code = "not_chat_app"


class NotWorkflowAppError(BadRequestError):
    dify_code = "not_workflow_app"


class ProviderNotInitializeError(BadRequestError):
    dify_code = "provider_not_initialize"


class ProviderNotSupportSpeechToTextError(BadRequestError):
    dify_code = "provider_not_support_speech_to_text"


class ProviderQuotaExceededError(BadRequestError):
    dify_code = "provider_quota_exceeded"


class SpeechToTextDisabledError(BadRequestError):
    dify_code = "speech_to_text_disabled"


class TooManyFilesError(BadRequestError):
    dify_code = "too_many_files"


class UnauthorizedError(AuthenticationError):
    dify_code = "unauthorized"


class ArchivedDocumentImmutableError(PermissionDeniedError):
    dify_code = "archived_document_immutable"


class FileAccessDeniedError(PermissionDeniedError):
    dify_code = "file_access_denied"


class ForbiddenError(PermissionDeniedError):
    dify_code = "forbidden"


class WorkflowVersionExecutionNotAllowedError(PermissionDeniedError):
    dify_code = "workflow_version_execution_not_allowed"


class EndUserNotFoundError(NotFoundError):
    dify_code = "end_user_not_found"


class DifyFileNotFoundError(NotFoundError):
    dify_code = "file_not_found"


class DatasetInUseError(ConflictError):
    dify_code = "dataset_in_use"


class DatasetNameDuplicateError(ConflictError):
    dify_code = "dataset_name_duplicate"


class HumanInputFormExpiredError(PreconditionFailedError):
    dify_code = "human_input_form_expired"


class HumanInputFormSubmittedError(PreconditionFailedError):
    dify_code = "human_input_form_submitted"


class AudioTooLargeError(RequestTooLargeError):
    dify_code = "audio_too_large"


class FileTooLargeError(RequestTooLargeError):
    dify_code = "file_too_large"


class UnsupportedAudioTypeError(UnsupportedMediaTypeError):
    dify_code = "unsupported_audio_type"


class UnsupportedFileTypeError(UnsupportedMediaTypeError):
    dify_code = "unsupported_file_type"


class TooManyRequestsError(RateLimitError):
    dify_code = "too_many_requests"


class PipelineRunError(InternalServerError):
    dify_code = "pipeline_run_error"


CODE_CLASSES: Mapping[str, type[APIStatusError]] = {
    "bad_request": BadRequestError,
    "not_found": NotFoundError,
    "rate_limit_error": RateLimitError,
    "internal_server_error": InternalServerError,
} | {
    cls.dify_code: cls
    for cls in (
        AgentNotPublishedError,
        AppUnavailableError,
        CompletionRequestError,
        ConversationCompletedError,
        DatasetNotInitializedError,
        DocumentIndexingError,
        FilenameNotExistsError,
        InvalidActionError,
        InvalidFormDataError,
        InvalidMetadataError,
        InvalidParamError,
        ModelCurrentlyNotSupportError,
        NoFileUploadedError,
        NotChatAppError,
        NotWorkflowAppError,
        ProviderNotInitializeError,
        ProviderNotSupportSpeechToTextError,
        ProviderQuotaExceededError,
        SpeechToTextDisabledError,
        TooManyFilesError,
        UnauthorizedError,
        ArchivedDocumentImmutableError,
        FileAccessDeniedError,
        ForbiddenError,
        WorkflowVersionExecutionNotAllowedError,
        EndUserNotFoundError,
        DifyFileNotFoundError,
        DatasetInUseError,
        DatasetNameDuplicateError,
        HumanInputFormExpiredError,
        HumanInputFormSubmittedError,
        AudioTooLargeError,
        FileTooLargeError,
        UnsupportedAudioTypeError,
        UnsupportedFileTypeError,
        TooManyRequestsError,
        PipelineRunError,
    )
    if cls.dify_code
}


def error_class_for_code(code: str | None, status_code: int) -> type[APIStatusError]:
    """The most specific exception class for a Dify ``code`` and an HTTP status."""
    if code and code in CODE_CLASSES:
        cls = CODE_CLASSES[code]
        if cls.status == status_code or status_code == 0 or cls.status is None:
            return cls
        # Same code, different status (Dify reuses a few codes): keep the status class, still findable by ``code``.
    if status_code in _STATUS_CLASSES:
        return _STATUS_CLASSES[status_code]
    if status_code >= 500:
        return InternalServerError
    return APIStatusError


def _first_header(headers: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        value = headers.get(name)
        if value:
            return value
    return None


def status_error_from_body(
    status_code: int,
    text: str,
    *,
    headers: Mapping[str, str] | None = None,
    request: httpx.Request | None = None,
    retry_after: float | None = None,
    scrub: Callable[[str], str] | None = None,
) -> APIStatusError:
    """Build the typed error for an error answer; the body may be Dify JSON, HTML, plain text or empty.

    ``scrub`` removes secrets; it is applied after parsing, to every string of the parsed body (so a key that happens
    to be a substring of the JSON syntax never corrupts the body nor loses the typed class), else to the text."""
    clean: Callable[[str], str] = scrub or _same
    headers = headers or {}
    body: object = clean(text)
    code: str | None = None
    message = ""
    try:
        parsed: Any = json.loads(text) if text.strip() else None
    except ValueError:
        parsed = None
    cls_code: str | None = None
    if isinstance(parsed, dict):
        fields = typing.cast(dict[str, Any], scrub_strings(parsed, clean))
        body = fields
        raw_code = typing.cast(dict[str, Any], parsed).get("code")
        cls_code = str(raw_code) if raw_code is not None else None
        # A known Dify code is never a secret: keep it exact. Any other code is scrubbed like the rest.
        code = cls_code if cls_code in CODE_CLASSES or cls_code is None else clean(cls_code)
        raw_message = fields.get("message") or fields.get("error") or fields.get("detail")
        message = str(raw_message) if raw_message is not None else ""
    if not message:
        stripped = " ".join(_strip_html(text).split())
        message = clean(stripped)[:300] if stripped else httpx.codes.get_reason_phrase(status_code) or "Error"
    cls = error_class_for_code(cls_code, status_code)
    return cls(
        message,
        status_code=status_code,
        code=code,
        body=body,
        request_id=_first_header(headers, "x-request-id", "x-trace-id", "request-id"),
        retry_after=retry_after,
        headers=headers,
        request=request,
    )


def _same(text: str) -> str:
    return text


def _strip_html(text: str) -> str:
    if "<" not in text:
        return text
    import re

    title = re.search(r"<title>(.*?)</title>", text, re.I | re.S)
    heading = re.search(r"<h1>(.*?)</h1>", text, re.I | re.S)
    paragraph = re.search(r"<p>(.*?)</p>", text, re.I | re.S)
    pieces = [m.group(1) for m in (title, paragraph) if m] or [m.group(1) for m in (heading,) if m]
    return " ".join(re.sub(r"<[^>]+>", "", p) for p in pieces) or re.sub(r"<[^>]+>", " ", text)
