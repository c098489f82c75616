"""Exceptions raised by dify_oapi.

Hierarchy::

    DifyError
      InvalidRequestError                 bad input, raised by ``build()`` or before any I/O
      ClientClosedError                   a call on a closed Client
      APIError
        APIStatusError                    the server answered with an error (HTTP status or an in-stream ``error``)
          BadRequestError (400) ... InternalServerError (>= 500)
            one subclass per Dify ``code`` (``DatasetNameDuplicateError`` is a ``ConflictError``)
        APIConnectionError                the request did not complete (refused, reset, dropped mid-stream)
          APITimeoutError
        APIResponseValidationError        the server's answer did not have the expected shape
        StreamIncompleteError             a stream ended before its terminal event
"""

from __future__ import annotations

import json
import typing
from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

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
    "ModelCurrentlyNotSupportError",
    "NoFileUploadedError",
    "NotChatAppError",
    "NotFoundError",
    "NotWorkflowAppError",
    "PermissionDeniedError",
    "PipelineRunError",
    "PreconditionFailedError",
    "ProviderNotInitializeError",
    "ProviderNotSupportSpeechToTextError",
    "ProviderQuotaExceededError",
    "RateLimitError",
    "RequestTooLargeError",
    "SpeechToTextDisabledError",
    "StreamIncompleteError",
    "TooManyFilesError",
    "TooManyRequestsError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "UnsupportedAudioTypeError",
    "UnsupportedFileTypeError",
    "UnsupportedMediaTypeError",
    "WorkflowVersionExecutionNotAllowedError",
    "error_class_for_code",
]


class DifyError(Exception):
    """Base of every exception raised by dify_oapi."""


class InvalidRequestError(DifyError, ValueError):
    """A request that cannot be sent: raised by ``build()`` or before any I/O, never after."""


class ClientClosedError(DifyError, RuntimeError):
    """The Client (or the httpx client it was given) is closed."""


class APIError(DifyError):
    """Something went wrong talking to the server."""

    message: str
    request: httpx.Request | None

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request


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
        self.headers: Mapping[str, str] = dict(headers or {})

    def __str__(self) -> str:
        parts = [f"{self.status_code}"]
        if self.code:
            parts.append(self.code)
        text = " ".join(parts) + f": {self.message}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_status_error, (type(self), self.message, self.__dict__))


def _rebuild_status_error(cls: type[APIStatusError], message: str, state: dict[str, Any]) -> APIStatusError:
    err = cls(message, status_code=int(state.get("status_code", 0)))
    err.__dict__.update(state)
    return err


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
) -> APIStatusError:
    """Build the typed error for an error answer; the body may be Dify JSON, HTML, plain text or empty."""
    headers = headers or {}
    body: object = text
    code: str | None = None
    message = ""
    try:
        parsed: Any = json.loads(text) if text.strip() else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        fields = typing.cast(dict[str, Any], parsed)
        body = fields
        raw_code = fields.get("code")
        code = str(raw_code) if raw_code is not None else None
        raw_message = fields.get("message") or fields.get("error") or fields.get("detail")
        message = str(raw_message) if raw_message is not None else ""
    if not message:
        stripped = " ".join(_strip_html(text).split())
        message = stripped[:300] if stripped else httpx.codes.get_reason_phrase(status_code) or "Error"
    cls = error_class_for_code(code, status_code)
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


def _strip_html(text: str) -> str:
    if "<" not in text:
        return text
    import re

    title = re.search(r"<title>(.*?)</title>", text, re.I | re.S)
    heading = re.search(r"<h1>(.*?)</h1>", text, re.I | re.S)
    paragraph = re.search(r"<p>(.*?)</p>", text, re.I | re.S)
    pieces = [m.group(1) for m in (title, paragraph) if m] or [m.group(1) for m in (heading,) if m]
    return " ".join(re.sub(r"<[^>]+>", "", p) for p in pieces) or re.sub(r"<[^>]+>", " ", text)
