"""``client.knowledge_base.v1.segment``: segments (chunks) of a document."""

from __future__ import annotations

from .....core.endpoint import Endpoint
from .....core.model import SimpleResult
from .....core.resource import Resource, acall, apaginate, call, paginate
from ..model.segment import (
    CreateSegmentsRequest,
    CreateSegmentsResponse,
    DeleteSegmentRequest,
    GetSegmentRequest,
    ListSegmentsRequest,
    SegmentDetail,
    SegmentList,
    UpdateSegmentRequest,
)

__all__ = ["CREATE", "DELETE", "GET", "LIST", "UPDATE", "Segment"]

_SEGMENTS = "/datasets/{dataset_id}/documents/{document_id}/segments"

CREATE = Endpoint(
    "POST", _SEGMENTS, CreateSegmentsRequest, CreateSegmentsResponse, summary="Add segments to a document.",
)  # fmt: skip
LIST = Endpoint("GET", _SEGMENTS, ListSegmentsRequest, SegmentList, summary="A page of the segments of a document.")
GET = Endpoint("GET", _SEGMENTS + "/{segment_id}", GetSegmentRequest, SegmentDetail, summary="One segment.")
UPDATE = Endpoint("POST", _SEGMENTS + "/{segment_id}", UpdateSegmentRequest, SegmentDetail, summary="Edit a segment.")
DELETE = Endpoint(
    "DELETE", _SEGMENTS + "/{segment_id}", DeleteSegmentRequest, SimpleResult, summary="Delete a segment (204).",
)  # fmt: skip


class Segment(Resource):
    """Segments of a document: ``create`` several at once, ``list`` a page or ``iter`` over all of them, ``get``,
    ``update``, ``delete``."""

    create = call(CREATE)
    acreate = acall(CREATE)
    list = call(LIST)
    alist = acall(LIST)
    iter = paginate(LIST)
    aiter = apaginate(LIST)
    get = call(GET)
    aget = acall(GET)
    update = call(UPDATE)
    aupdate = acall(UPDATE)
    delete = call(DELETE)
    adelete = acall(DELETE)
