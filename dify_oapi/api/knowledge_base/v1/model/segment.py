"""Segments (chunks) of a document: add, list, read, edit and delete them."""

from __future__ import annotations

from typing import Annotated, Self

from .....core.builder import Builder, Setter
from .....core.model import Path, Query, Request, Response, Timestamp
from .child_chunk import ChildChunk

__all__ = [
    "CreateSegmentsRequest",
    "CreateSegmentsRequestBuilder",
    "CreateSegmentsResponse",
    "DeleteSegmentRequest",
    "DeleteSegmentRequestBuilder",
    "GetSegmentRequest",
    "GetSegmentRequestBuilder",
    "ListSegmentsRequest",
    "ListSegmentsRequestBuilder",
    "Segment",
    "SegmentAttachment",
    "SegmentDetail",
    "SegmentInput",
    "SegmentInputBuilder",
    "SegmentList",
    "SegmentUpdate",
    "SegmentUpdateBuilder",
    "UpdateSegmentRequest",
    "UpdateSegmentRequestBuilder",
]


class SegmentInput(Request):
    """One segment to add: ``content`` (the question in Q&A documents), ``answer`` (Q&A documents only), ``keywords``
    (economy indexing), ``attachment_ids`` (uploaded images)."""

    content: str
    answer: str | None = None
    keywords: list[str] | None = None
    attachment_ids: list[str] | None = None

    @staticmethod
    def builder() -> SegmentInputBuilder:
        return SegmentInputBuilder()


class SegmentInputBuilder(Builder[SegmentInput]):
    content: Setter[Self, str]
    answer: Setter[Self, str | None]
    keywords: Setter[Self, list[str] | None]
    attachment_ids: Setter[Self, list[str] | None]


class CreateSegmentsRequest(Request):
    """``POST /datasets/{dataset_id}/documents/{document_id}/segments``: add one or more segments."""

    dataset_id: Annotated[str, Path()]
    document_id: Annotated[str, Path()]
    segments: list[SegmentInput]

    @staticmethod
    def builder() -> CreateSegmentsRequestBuilder:
        return CreateSegmentsRequestBuilder()


class CreateSegmentsRequestBuilder(Builder[CreateSegmentsRequest]):
    dataset_id: Setter[Self, str]
    document_id: Setter[Self, str]
    segments: Setter[Self, list[SegmentInput]]


class ListSegmentsRequest(Request):
    """``GET .../segments``: a page of segments. ``status`` one or several indexing statuses (``completed``...),
    sent as repeated query parameters; ``keyword`` filters by content."""

    dataset_id: Annotated[str, Path()]
    document_id: Annotated[str, Path()]
    keyword: Annotated[str | None, Query()] = None
    status: Annotated[str | list[str] | None, Query()] = None
    page: Annotated[int | None, Query()] = None
    limit: Annotated[int | None, Query()] = None

    @staticmethod
    def builder() -> ListSegmentsRequestBuilder:
        return ListSegmentsRequestBuilder()


class ListSegmentsRequestBuilder(Builder[ListSegmentsRequest]):
    dataset_id: Setter[Self, str]
    document_id: Setter[Self, str]
    keyword: Setter[Self, str | None]
    status: Setter[Self, str | list[str] | None]
    page: Setter[Self, int | None]
    limit: Setter[Self, int | None]


class GetSegmentRequest(Request):
    """``GET .../segments/{segment_id}``."""

    dataset_id: Annotated[str, Path()]
    document_id: Annotated[str, Path()]
    segment_id: Annotated[str, Path()]

    @staticmethod
    def builder() -> GetSegmentRequestBuilder:
        return GetSegmentRequestBuilder()


class GetSegmentRequestBuilder(Builder[GetSegmentRequest]):
    dataset_id: Setter[Self, str]
    document_id: Setter[Self, str]
    segment_id: Setter[Self, str]


class SegmentUpdate(Request):
    """What to change in a segment (unset fields are not sent). ``regenerate_child_chunks`` re-splits the child
    chunks of a parent-child document from the new content."""

    content: str | None = None
    answer: str | None = None
    keywords: list[str] | None = None
    enabled: bool | None = None
    regenerate_child_chunks: bool | None = None
    attachment_ids: list[str] | None = None

    @staticmethod
    def builder() -> SegmentUpdateBuilder:
        return SegmentUpdateBuilder()


class SegmentUpdateBuilder(Builder[SegmentUpdate]):
    content: Setter[Self, str | None]
    answer: Setter[Self, str | None]
    keywords: Setter[Self, list[str] | None]
    enabled: Setter[Self, bool | None]
    regenerate_child_chunks: Setter[Self, bool | None]
    attachment_ids: Setter[Self, list[str] | None]


class UpdateSegmentRequest(Request):
    """``POST .../segments/{segment_id}``: edit a segment."""

    dataset_id: Annotated[str, Path()]
    document_id: Annotated[str, Path()]
    segment_id: Annotated[str, Path()]
    segment: SegmentUpdate

    @staticmethod
    def builder() -> UpdateSegmentRequestBuilder:
        return UpdateSegmentRequestBuilder()


class UpdateSegmentRequestBuilder(Builder[UpdateSegmentRequest]):
    dataset_id: Setter[Self, str]
    document_id: Setter[Self, str]
    segment_id: Setter[Self, str]
    segment: Setter[Self, SegmentUpdate]


class DeleteSegmentRequest(Request):
    """``DELETE .../segments/{segment_id}`` (answered with 204)."""

    dataset_id: Annotated[str, Path()]
    document_id: Annotated[str, Path()]
    segment_id: Annotated[str, Path()]

    @staticmethod
    def builder() -> DeleteSegmentRequestBuilder:
        return DeleteSegmentRequestBuilder()


class DeleteSegmentRequestBuilder(Builder[DeleteSegmentRequest]):
    dataset_id: Setter[Self, str]
    document_id: Setter[Self, str]
    segment_id: Setter[Self, str]


class SegmentAttachment(Response):
    """A file (image) attached to a segment."""

    id: str | None = None
    name: str | None = None
    size: int | None = None
    extension: str | None = None
    mime_type: str | None = None
    source_url: str | None = None


class Segment(Response):
    """A segment. ``status``: ``waiting``, ``indexing``, ``completed``, ``error``... (server-owned)."""

    id: str
    position: int | None = None
    document_id: str | None = None
    content: str = ""
    sign_content: str | None = None
    answer: str | None = None
    word_count: int | None = None
    tokens: int | None = None
    keywords: list[str] | None = None
    index_node_id: str | None = None
    index_node_hash: str | None = None
    hit_count: int | None = None
    enabled: bool | None = None
    disabled_at: Timestamp | None = None
    disabled_by: str | None = None
    status: str | None = None
    created_by: str | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None
    updated_by: str | None = None
    indexing_at: Timestamp | None = None
    completed_at: Timestamp | None = None
    error: str | None = None
    stopped_at: Timestamp | None = None
    child_chunks: list[ChildChunk] = []
    attachments: list[SegmentAttachment] = []


class CreateSegmentsResponse(Response):
    """The segments added, in ``data``; ``doc_form`` the document's chunking form (``text_model``...)."""

    data: list[Segment] = []
    doc_form: str | None = None


class SegmentDetail(Response):
    """One segment, in ``data`` (the answer of get and update)."""

    data: Segment
    doc_form: str | None = None


class SegmentList(Response):
    """A page of segments."""

    data: list[Segment] = []
    doc_form: str | None = None
    total: int | None = None
    has_more: bool | None = None
    limit: int | None = None
    page: int | None = None
