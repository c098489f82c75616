"""Knowledge tags: create, list, rename and delete them, bind them to knowledge bases.

Dify 1.14.1 answers ``POST /datasets/tags``, ``PATCH /datasets/tags`` and (once a tag exists) ``GET /datasets/tags``
with 400 ``invalid_param`` ("binding_count: Input should be a valid string"): a server-side bug in serialising its
own answer. The tag IS created or renamed; the SDK raises the typed ``BadRequestError`` it received. Read the tags
of a dataset with ``list_of_dataset``, which is not affected.
"""

from __future__ import annotations

import typing
from typing import Annotated, Any, Self

from pydantic import model_validator

from .....core.builder import Builder, Setter
from .....core.model import LenientStr, Path, Request, Response

__all__ = [
    "BindTagsRequest",
    "BindTagsRequestBuilder",
    "CreateTagRequest",
    "CreateTagRequestBuilder",
    "DatasetTagList",
    "DeleteTagRequest",
    "DeleteTagRequestBuilder",
    "KnowledgeTag",
    "ListDatasetTagsRequest",
    "ListDatasetTagsRequestBuilder",
    "ListTagsRequest",
    "ListTagsRequestBuilder",
    "RenameTagRequest",
    "RenameTagRequestBuilder",
    "TagList",
    "UnbindTagsRequest",
    "UnbindTagsRequestBuilder",
]


class CreateTagRequest(Request):
    """``POST /datasets/tags``: a new knowledge tag (``name`` unique in the workspace, at most 50 characters)."""

    name: str

    @staticmethod
    def builder() -> CreateTagRequestBuilder:
        return CreateTagRequestBuilder()


class CreateTagRequestBuilder(Builder[CreateTagRequest]):
    name: Setter[Self, str]


class ListTagsRequest(Request):
    """``GET /datasets/tags`` takes no parameters."""

    @staticmethod
    def builder() -> ListTagsRequestBuilder:
        return ListTagsRequestBuilder()


class ListTagsRequestBuilder(Builder[ListTagsRequest]):
    pass


class RenameTagRequest(Request):
    """``PATCH /datasets/tags``: give the tag ``tag_id`` the new ``name``."""

    tag_id: str
    name: str

    @staticmethod
    def builder() -> RenameTagRequestBuilder:
        return RenameTagRequestBuilder()


class RenameTagRequestBuilder(Builder[RenameTagRequest]):
    tag_id: Setter[Self, str]
    name: Setter[Self, str]


class DeleteTagRequest(Request):
    """``DELETE /datasets/tags`` (the ``tag_id`` goes in the JSON body; answered with 204)."""

    tag_id: str

    @staticmethod
    def builder() -> DeleteTagRequestBuilder:
        return DeleteTagRequestBuilder()


class DeleteTagRequestBuilder(Builder[DeleteTagRequest]):
    tag_id: Setter[Self, str]


class BindTagsRequest(Request):
    """``POST /datasets/tags/binding``: bind ``tag_ids`` to the knowledge base ``target_id`` (unknown ids are
    ignored by the server; answered with 204)."""

    tag_ids: list[str]
    target_id: str

    @staticmethod
    def builder() -> BindTagsRequestBuilder:
        return BindTagsRequestBuilder()


class BindTagsRequestBuilder(Builder[BindTagsRequest]):
    tag_ids: Setter[Self, list[str]]
    target_id: Setter[Self, str]


class UnbindTagsRequest(Request):
    """``POST /datasets/tags/unbinding``: unbind ``tag_ids`` (or the legacy single ``tag_id``, which servers before
    ``tag_ids`` existed require) from the knowledge base ``target_id``. Answered with 204."""

    target_id: str
    tag_ids: list[str] | None = None
    tag_id: str | None = None

    @staticmethod
    def builder() -> UnbindTagsRequestBuilder:
        return UnbindTagsRequestBuilder()


class UnbindTagsRequestBuilder(Builder[UnbindTagsRequest]):
    target_id: Setter[Self, str]
    tag_ids: Setter[Self, list[str] | None]
    tag_id: Setter[Self, str | None]


class ListDatasetTagsRequest(Request):
    """``GET /datasets/{dataset_id}/tags``: the tags bound to one knowledge base."""

    dataset_id: Annotated[str, Path()]

    @staticmethod
    def builder() -> ListDatasetTagsRequestBuilder:
        return ListDatasetTagsRequestBuilder()


class ListDatasetTagsRequestBuilder(Builder[ListDatasetTagsRequest]):
    dataset_id: Setter[Self, str]


class KnowledgeTag(Response):
    """A tag. ``type`` is ``knowledge``; ``binding_count`` the number of knowledge bases bound to it, a string in the
    spec and a number from some servers (kept as a string here)."""

    id: str
    name: str = ""
    type: str | None = None
    binding_count: LenientStr | None = None


class TagList(Response):
    """Every knowledge tag of the workspace, in ``data`` (the server answers a bare JSON array)."""

    data: list[KnowledgeTag] = []

    @model_validator(mode="before")
    @classmethod
    def _wrap_array(cls, value: object) -> object:
        return {"data": typing.cast(Any, value)} if isinstance(value, list) else value


class DatasetTagList(Response):
    """The tags bound to a knowledge base (``id`` and ``name`` only) and their ``total``."""

    data: list[KnowledgeTag] = []
    total: int | None = None
