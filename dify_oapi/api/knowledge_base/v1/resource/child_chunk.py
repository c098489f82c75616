"""``client.knowledge_base.v1.child_chunk``: child chunks of a parent-child segment."""

from __future__ import annotations

from .....core.endpoint import Endpoint
from .....core.model import SimpleResult
from .....core.resource import Resource, acall, apaginate, call, paginate
from ..model.child_chunk import (
    ChildChunkDetail,
    ChildChunkList,
    CreateChildChunkRequest,
    DeleteChildChunkRequest,
    ListChildChunksRequest,
    UpdateChildChunkRequest,
)

__all__ = ["CREATE", "DELETE", "LIST", "UPDATE", "ChildChunk"]

_CHUNKS = "/datasets/{dataset_id}/documents/{document_id}/segments/{segment_id}/child_chunks"

CREATE = Endpoint(
    "POST", _CHUNKS, CreateChildChunkRequest, ChildChunkDetail, summary="Add a child chunk to a segment.",
)  # fmt: skip
LIST = Endpoint(
    "GET", _CHUNKS, ListChildChunksRequest, ChildChunkList, summary="A page of the child chunks of a segment.",
)  # fmt: skip
UPDATE = Endpoint(
    "PATCH", _CHUNKS + "/{child_chunk_id}", UpdateChildChunkRequest, ChildChunkDetail,
    summary="Replace the content of a child chunk.",
)  # fmt: skip
DELETE = Endpoint(
    "DELETE", _CHUNKS + "/{child_chunk_id}", DeleteChildChunkRequest, SimpleResult,
    summary="Delete a child chunk (204).",
)  # fmt: skip


class ChildChunk(Resource):
    """Child chunks of a segment: ``create``, ``list`` a page or ``iter`` over all, ``update``, ``delete``."""

    create = call(CREATE)
    acreate = acall(CREATE)
    list = call(LIST)
    alist = acall(LIST)
    iter = paginate(LIST)
    aiter = apaginate(LIST)
    update = call(UPDATE)
    aupdate = acall(UPDATE)
    delete = call(DELETE)
    adelete = acall(DELETE)
