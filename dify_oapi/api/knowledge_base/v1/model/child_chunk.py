"""Child chunks: the smaller pieces of a parent-child segment that are embedded and searched."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import model_validator

from .....core.builder import Builder, Setter
from .....core.model import Path, Query, Request, Response, Timestamp

__all__ = [
    "ChildChunk",
    "ChildChunkDetail",
    "ChildChunkList",
    "CreateChildChunkRequest",
    "CreateChildChunkRequestBuilder",
    "DeleteChildChunkRequest",
    "DeleteChildChunkRequestBuilder",
    "ListChildChunksRequest",
    "ListChildChunksRequestBuilder",
    "UpdateChildChunkRequest",
    "UpdateChildChunkRequestBuilder",
]


class CreateChildChunkRequest(Request):
    """``POST .../segments/{segment_id}/child_chunks``: add a child chunk with ``content`` to a segment."""

    dataset_id: Annotated[str, Path()]
    document_id: Annotated[str, Path()]
    segment_id: Annotated[str, Path()]
    content: str

    @staticmethod
    def builder() -> CreateChildChunkRequestBuilder:
        return CreateChildChunkRequestBuilder()


class CreateChildChunkRequestBuilder(Builder[CreateChildChunkRequest]):
    dataset_id: Setter[Self, str]
    document_id: Setter[Self, str]
    segment_id: Setter[Self, str]
    content: Setter[Self, str]


class ListChildChunksRequest(Request):
    """``GET .../segments/{segment_id}/child_chunks``: a page of child chunks, optionally filtered by ``keyword``."""

    dataset_id: Annotated[str, Path()]
    document_id: Annotated[str, Path()]
    segment_id: Annotated[str, Path()]
    keyword: Annotated[str | None, Query()] = None
    page: Annotated[int | None, Query()] = None
    limit: Annotated[int | None, Query()] = None

    @staticmethod
    def builder() -> ListChildChunksRequestBuilder:
        return ListChildChunksRequestBuilder()


class ListChildChunksRequestBuilder(Builder[ListChildChunksRequest]):
    dataset_id: Setter[Self, str]
    document_id: Setter[Self, str]
    segment_id: Setter[Self, str]
    keyword: Setter[Self, str | None]
    page: Setter[Self, int | None]
    limit: Setter[Self, int | None]


class UpdateChildChunkRequest(Request):
    """``PATCH .../child_chunks/{child_chunk_id}``: replace the ``content`` of a child chunk."""

    dataset_id: Annotated[str, Path()]
    document_id: Annotated[str, Path()]
    segment_id: Annotated[str, Path()]
    child_chunk_id: Annotated[str, Path()]
    content: str

    @staticmethod
    def builder() -> UpdateChildChunkRequestBuilder:
        return UpdateChildChunkRequestBuilder()


class UpdateChildChunkRequestBuilder(Builder[UpdateChildChunkRequest]):
    dataset_id: Setter[Self, str]
    document_id: Setter[Self, str]
    segment_id: Setter[Self, str]
    child_chunk_id: Setter[Self, str]
    content: Setter[Self, str]


class DeleteChildChunkRequest(Request):
    """``DELETE .../child_chunks/{child_chunk_id}`` (answered with 204)."""

    dataset_id: Annotated[str, Path()]
    document_id: Annotated[str, Path()]
    segment_id: Annotated[str, Path()]
    child_chunk_id: Annotated[str, Path()]

    @staticmethod
    def builder() -> DeleteChildChunkRequestBuilder:
        return DeleteChildChunkRequestBuilder()


class DeleteChildChunkRequestBuilder(Builder[DeleteChildChunkRequest]):
    dataset_id: Setter[Self, str]
    document_id: Setter[Self, str]
    segment_id: Setter[Self, str]
    child_chunk_id: Setter[Self, str]


class ChildChunk(Response):
    """A child chunk. ``type``: ``automatic`` (split by the server) or ``customized`` (added or edited by hand)."""

    id: str
    segment_id: str | None = None
    content: str = ""
    position: int | None = None
    word_count: int | None = None
    type: str | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None


class ChildChunkDetail(Response):
    """One child chunk, in ``data`` (the answer of create and update)."""

    data: ChildChunk


class ChildChunkList(Response):
    """A page of child chunks. The server sends ``total_pages`` rather than ``has_more``; ``has_more`` is derived from
    ``page`` and ``total_pages`` when absent, so that pagers stop on the last page."""

    data: list[ChildChunk] = []
    total: int | None = None
    total_pages: int | None = None
    page: int | None = None
    limit: int | None = None
    has_more: bool | None = None

    @model_validator(mode="after")
    def _derive_has_more(self) -> Self:
        if self.has_more is None and self.page is not None and self.total_pages is not None:
            self.has_more = self.page < self.total_pages
        return self
