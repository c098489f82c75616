"""``client.knowledge_base.v1.metadata``: metadata fields of a knowledge base and their values on documents."""

from __future__ import annotations

from .....core.endpoint import Endpoint
from .....core.model import SimpleResult
from .....core.resource import Resource, acall, call
from ..model.metadata import (
    BuiltInMetadataFields,
    CreateMetadataRequest,
    DeleteMetadataRequest,
    ListBuiltInMetadataRequest,
    ListMetadataRequest,
    MetadataField,
    MetadataFieldList,
    RenameMetadataRequest,
    ToggleBuiltInMetadataRequest,
    UpdateDocumentsMetadataRequest,
)

__all__ = [
    "CREATE",
    "DELETE",
    "LIST",
    "LIST_BUILT_IN",
    "RENAME",
    "TOGGLE_BUILT_IN",
    "UPDATE_DOCUMENTS",
    "Metadata",
]

_FIELDS = "/datasets/{dataset_id}/metadata"

CREATE = Endpoint("POST", _FIELDS, CreateMetadataRequest, MetadataField, summary="Create a metadata field (201).")
LIST = Endpoint("GET", _FIELDS, ListMetadataRequest, MetadataFieldList, summary="The metadata fields.")
RENAME = Endpoint(
    "PATCH", _FIELDS + "/{metadata_id}", RenameMetadataRequest, MetadataField, summary="Rename a metadata field.",
)  # fmt: skip
DELETE = Endpoint(
    "DELETE", _FIELDS + "/{metadata_id}", DeleteMetadataRequest, SimpleResult,
    summary="Delete a metadata field (204).",
)  # fmt: skip
LIST_BUILT_IN = Endpoint(
    "GET", _FIELDS + "/built-in", ListBuiltInMetadataRequest, BuiltInMetadataFields,
    summary="The built-in metadata fields.",
)  # fmt: skip
TOGGLE_BUILT_IN = Endpoint(
    "POST", _FIELDS + "/built-in/{action}", ToggleBuiltInMetadataRequest, SimpleResult, retry_safe=True,
    summary="Enable or disable the built-in metadata fields.",
)  # fmt: skip
UPDATE_DOCUMENTS = Endpoint(
    "POST", "/datasets/{dataset_id}/documents/metadata", UpdateDocumentsMetadataRequest, SimpleResult,
    retry_safe=True, summary="Set metadata values on documents.",
)  # fmt: skip


class Metadata(Resource):
    """Metadata fields: ``create``, ``list``, ``rename``, ``delete``; ``list_built_in`` and ``toggle_built_in`` for
    the built-in fields; ``update_documents`` sets values on documents."""

    create = call(CREATE)
    acreate = acall(CREATE)
    list = call(LIST)
    alist = acall(LIST)
    rename = call(RENAME)
    arename = acall(RENAME)
    delete = call(DELETE)
    adelete = acall(DELETE)
    list_built_in = call(LIST_BUILT_IN)
    alist_built_in = acall(LIST_BUILT_IN)
    toggle_built_in = call(TOGGLE_BUILT_IN)
    atoggle_built_in = acall(TOGGLE_BUILT_IN)
    update_documents = call(UPDATE_DOCUMENTS)
    aupdate_documents = acall(UPDATE_DOCUMENTS)
