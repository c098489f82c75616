"""``client.knowledge_base.v1.tag``: knowledge tags and their bindings to knowledge bases.

Dify 1.14.1 answers ``create``, ``rename`` and (once a tag exists) ``list`` with 400 ``invalid_param`` because of a
server bug (``binding_count`` int vs string): the tag IS created or renamed. See :mod:`..model.tag`.
"""

from __future__ import annotations

from .....core.endpoint import Endpoint
from .....core.model import SimpleResult
from .....core.resource import Resource, acall, call, optional_request
from ..model.tag import (
    BindTagsRequest,
    CreateTagRequest,
    DatasetTagList,
    DeleteTagRequest,
    KnowledgeTag,
    ListDatasetTagsRequest,
    ListTagsRequest,
    RenameTagRequest,
    TagList,
    UnbindTagsRequest,
)

__all__ = ["BIND", "CREATE", "DELETE", "LIST", "LIST_OF_DATASET", "RENAME", "UNBIND", "Tag"]

CREATE = Endpoint("POST", "/datasets/tags", CreateTagRequest, KnowledgeTag, summary="Create a knowledge tag.")
LIST = Endpoint("GET", "/datasets/tags", ListTagsRequest, TagList, summary="Every knowledge tag of the workspace.")
RENAME = Endpoint("PATCH", "/datasets/tags", RenameTagRequest, KnowledgeTag, summary="Rename a knowledge tag.")
DELETE = Endpoint("DELETE", "/datasets/tags", DeleteTagRequest, SimpleResult, summary="Delete a knowledge tag (204).")
BIND = Endpoint(
    "POST", "/datasets/tags/binding", BindTagsRequest, SimpleResult, retry_safe=True,
    summary="Bind tags to a knowledge base (204).",
)  # fmt: skip
UNBIND = Endpoint(
    "POST", "/datasets/tags/unbinding", UnbindTagsRequest, SimpleResult, retry_safe=True,
    summary="Unbind tags from a knowledge base (204).",
)  # fmt: skip
LIST_OF_DATASET = Endpoint(
    "GET", "/datasets/{dataset_id}/tags", ListDatasetTagsRequest, DatasetTagList,
    summary="The tags bound to a knowledge base.",
)  # fmt: skip


class Tag(Resource):
    """Knowledge tags: ``create``, ``list``, ``rename``, ``delete``; ``bind`` / ``unbind`` them to a knowledge base;
    ``list_of_dataset`` the tags of one knowledge base."""

    create = call(CREATE)
    acreate = acall(CREATE)
    list = optional_request(call(LIST))
    alist = optional_request(acall(LIST))
    rename = call(RENAME)
    arename = acall(RENAME)
    delete = call(DELETE)
    adelete = acall(DELETE)
    bind = call(BIND)
    abind = acall(BIND)
    unbind = call(UNBIND)
    aunbind = acall(UNBIND)
    list_of_dataset = call(LIST_OF_DATASET)
    alist_of_dataset = acall(LIST_OF_DATASET)
