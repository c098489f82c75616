"""dify-oapi: a typed, builder-pattern Python SDK for the Dify Service API.

>>> from dify_oapi import Client
>>> client = Client(base_url="http://localhost/v1", api_key="app-...")  # or Client() from the environment

Services: ``client.chat``, ``client.completion``, ``client.workflow``, ``client.knowledge_base``, ``client.dify``;
each has ``v1`` with its resources. Services are imported on first use, and so is everything named here
(``import dify_oapi`` imports no module it does not need yet).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

if TYPE_CHECKING:
    from .client import Client, ClientBuilder
    from .core.errors import (
        AgentNotPublishedError,
        APIConnectionError,
        APIError,
        APIResponseValidationError,
        APIStatusError,
        APITimeoutError,
        AppUnavailableError,
        ArchivedDocumentImmutableError,
        AudioTooLargeError,
        AuthenticationError,
        BadRequestError,
        ClientClosedError,
        CompletionRequestError,
        ConflictError,
        ConversationCompletedError,
        DatasetInUseError,
        DatasetNameDuplicateError,
        DatasetNotInitializedError,
        DifyError,
        DifyFileNotFoundError,
        DocumentIndexingError,
        EndUserNotFoundError,
        FileAccessDeniedError,
        FilenameNotExistsError,
        FileTooLargeError,
        ForbiddenError,
        HumanInputFormExpiredError,
        HumanInputFormSubmittedError,
        InternalServerError,
        InvalidActionError,
        InvalidFormDataError,
        InvalidMetadataError,
        InvalidParamError,
        InvalidRequestError,
        MethodNotAllowedError,
        MissingExtraError,
        ModelCurrentlyNotSupportError,
        NoFileUploadedError,
        NotChatAppError,
        NotFoundError,
        NotWorkflowAppError,
        PaginationError,
        PermissionDeniedError,
        PipelineRunError,
        PreconditionFailedError,
        ProviderNotInitializeError,
        ProviderNotSupportSpeechToTextError,
        ProviderQuotaExceededError,
        RateLimitError,
        RequestTooLargeError,
        ResponseTooLargeError,
        SpeechToTextDisabledError,
        StreamIncompleteError,
        StreamNotOpenError,
        TooManyFilesError,
        TooManyRequestsError,
        UnauthorizedError,
        UnprocessableEntityError,
        UnsupportedAudioTypeError,
        UnsupportedFileTypeError,
        UnsupportedMediaTypeError,
        UploadChangedError,
        WorkflowVersionExecutionNotAllowedError,
    )
    from .core.hooks import Hook, HookEvent, TokenUsage
    from .core.option import RequestOption

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
    "Client",
    "ClientBuilder",
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
    "Hook",
    "HookEvent",
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
    "RequestOption",
    "RequestTooLargeError",
    "ResponseTooLargeError",
    "SpeechToTextDisabledError",
    "StreamIncompleteError",
    "StreamNotOpenError",
    "TokenUsage",
    "TooManyFilesError",
    "TooManyRequestsError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "UnsupportedAudioTypeError",
    "UnsupportedFileTypeError",
    "UnsupportedMediaTypeError",
    "UploadChangedError",
    "WorkflowVersionExecutionNotAllowedError",
    "__version__",
]

_WHERE = {
    "Client": "client",
    "ClientBuilder": "client",
    "Hook": "core.hooks",
    "HookEvent": "core.hooks",
    "TokenUsage": "core.hooks",
    "RequestOption": "core.option",
}
"""Where each exported name lives; every other ``...Error`` of ``__all__`` is in ``core.errors``."""


def _load(package: str, namespace: dict[str, Any], module: str | None, name: str) -> Any:
    """``name`` of ``package`` imported from its ``module`` on first use and kept in the package's ``namespace``
    (the lazy exports of ``dify_oapi`` and ``dify_oapi.core``); AttributeError when it exports no such name."""
    if module is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", package), name)
    namespace[name] = value
    return value


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name) or ("core.errors" if name.endswith("Error") and name in __all__ else None)
    return _load(__name__, globals(), module, name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
