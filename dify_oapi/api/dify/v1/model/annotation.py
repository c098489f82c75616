"""Annotations: curated question/answer pairs the app replies with, and the annotation-reply switch (an
asynchronous job that embeds every annotation)."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field

from .....core.builder import Builder, Setter
from .....core.model import Path, Query, Request, Response, Timestamp

__all__ = [
    "AnnotationItem",
    "AnnotationList",
    "AnnotationReplyAction",
    "AnnotationReplyJob",
    "ConfigureAnnotationReplyRequest",
    "ConfigureAnnotationReplyRequestBuilder",
    "CreateAnnotationRequest",
    "CreateAnnotationRequestBuilder",
    "DeleteAnnotationRequest",
    "DeleteAnnotationRequestBuilder",
    "GetAnnotationReplyStatusRequest",
    "GetAnnotationReplyStatusRequestBuilder",
    "ListAnnotationsRequest",
    "ListAnnotationsRequestBuilder",
    "UpdateAnnotationRequest",
    "UpdateAnnotationRequestBuilder",
]

AnnotationReplyAction = Literal["enable", "disable"]


class ListAnnotationsRequest(Request):
    """``GET /apps/annotations``: ``page`` (from 1), ``limit`` (the server caps it at 100), ``keyword`` (matches
    question or answer)."""

    page: Annotated[int | None, Query(), Field(ge=1)] = None
    limit: Annotated[int | None, Query(), Field(ge=1)] = None
    keyword: Annotated[str | None, Query()] = None

    @staticmethod
    def builder() -> ListAnnotationsRequestBuilder:
        return ListAnnotationsRequestBuilder()


class ListAnnotationsRequestBuilder(Builder[ListAnnotationsRequest]):
    page: Setter[Self, int | None]
    limit: Setter[Self, int | None]
    keyword: Setter[Self, str | None]


class CreateAnnotationRequest(Request):
    """``POST /apps/annotations`` (answered with 201)."""

    question: str
    answer: str

    @staticmethod
    def builder() -> CreateAnnotationRequestBuilder:
        return CreateAnnotationRequestBuilder()


class CreateAnnotationRequestBuilder(Builder[CreateAnnotationRequest]):
    question: Setter[Self, str]
    answer: Setter[Self, str]


class UpdateAnnotationRequest(Request):
    """``PUT /apps/annotations/{annotation_id}``: both texts are replaced."""

    annotation_id: Annotated[str, Path()]
    question: str
    answer: str

    @staticmethod
    def builder() -> UpdateAnnotationRequestBuilder:
        return UpdateAnnotationRequestBuilder()


class UpdateAnnotationRequestBuilder(Builder[UpdateAnnotationRequest]):
    annotation_id: Setter[Self, str]
    question: Setter[Self, str]
    answer: Setter[Self, str]


class DeleteAnnotationRequest(Request):
    """``DELETE /apps/annotations/{annotation_id}`` (answered with 204)."""

    annotation_id: Annotated[str, Path()]

    @staticmethod
    def builder() -> DeleteAnnotationRequestBuilder:
        return DeleteAnnotationRequestBuilder()


class DeleteAnnotationRequestBuilder(Builder[DeleteAnnotationRequest]):
    annotation_id: Setter[Self, str]


class ConfigureAnnotationReplyRequest(Request):
    """``POST /apps/annotation-reply/{action}``: turn annotation reply on (``"enable"``) or off (``"disable"``).
    The server requires the embedding model and the score threshold for both actions. Starts a job: follow it with
    ``get_reply_status`` or ``wait_for_reply``."""

    action: Annotated[AnnotationReplyAction, Path()]
    embedding_provider_name: str
    embedding_model_name: str
    score_threshold: float

    @staticmethod
    def builder() -> ConfigureAnnotationReplyRequestBuilder:
        return ConfigureAnnotationReplyRequestBuilder()


class ConfigureAnnotationReplyRequestBuilder(Builder[ConfigureAnnotationReplyRequest]):
    action: Setter[Self, AnnotationReplyAction]
    embedding_provider_name: Setter[Self, str]
    embedding_model_name: Setter[Self, str]
    score_threshold: Setter[Self, float]


class GetAnnotationReplyStatusRequest(Request):
    """``GET /apps/annotation-reply/{action}/status/{job_id}``; ``action`` must match the one that started it."""

    action: Annotated[AnnotationReplyAction, Path()]
    job_id: Annotated[str, Path()]

    @staticmethod
    def builder() -> GetAnnotationReplyStatusRequestBuilder:
        return GetAnnotationReplyStatusRequestBuilder()


class GetAnnotationReplyStatusRequestBuilder(Builder[GetAnnotationReplyStatusRequest]):
    action: Setter[Self, AnnotationReplyAction]
    job_id: Setter[Self, str]


class AnnotationItem(Response):
    """An annotation: the ``question`` matched against user input and the ``answer`` replied."""

    id: str
    question: str | None = None
    answer: str | None = None
    hit_count: int | None = None
    created_at: Timestamp | None = None


class AnnotationList(Response):
    """One page of annotations."""

    data: list[AnnotationItem] = []
    has_more: bool | None = None
    limit: int | None = None
    total: int | None = None
    page: int | None = None


class AnnotationReplyJob(Response):
    """An annotation-reply job. ``job_status``: ``waiting``, ``processing``, ``completed`` or ``error`` (then
    ``error_msg`` says why)."""

    job_id: str
    job_status: str | None = None
    error_msg: str | None = None

    @property
    def is_completed(self) -> bool:
        return self.job_status == "completed"

    @property
    def is_failed(self) -> bool:
        return self.job_status == "error"
