"""Metadata of a knowledge base: its custom fields, the built-in fields, and the values set on documents."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from .....core.builder import Builder, Setter
from .....core.model import Path, Request, Response

__all__ = [
    "BuiltInMetadataField",
    "BuiltInMetadataFields",
    "CreateMetadataRequest",
    "CreateMetadataRequestBuilder",
    "DeleteMetadataRequest",
    "DeleteMetadataRequestBuilder",
    "DocumentMetadataOperation",
    "DocumentMetadataOperationBuilder",
    "DocumentMetadataValue",
    "DocumentMetadataValueBuilder",
    "ListBuiltInMetadataRequest",
    "ListBuiltInMetadataRequestBuilder",
    "ListMetadataRequest",
    "ListMetadataRequestBuilder",
    "MetadataField",
    "MetadataFieldList",
    "MetadataType",
    "RenameMetadataRequest",
    "RenameMetadataRequestBuilder",
    "ToggleBuiltInMetadataRequest",
    "ToggleBuiltInMetadataRequestBuilder",
    "UpdateDocumentsMetadataRequest",
    "UpdateDocumentsMetadataRequestBuilder",
]

MetadataType = Literal["string", "number", "time"]
"""``string``, ``number`` or ``time`` (what the server takes; answers may report others: ``MetadataField.type`` is a ``str``)."""


class CreateMetadataRequest(Request):
    """``POST /datasets/{dataset_id}/metadata``: a new metadata field (answered with 201)."""

    dataset_id: Annotated[str, Path()]
    type: MetadataType
    name: str

    @staticmethod
    def builder() -> CreateMetadataRequestBuilder:
        return CreateMetadataRequestBuilder()


class CreateMetadataRequestBuilder(Builder[CreateMetadataRequest]):
    dataset_id: Setter[Self, str]
    type: Setter[Self, MetadataType]
    name: Setter[Self, str]


class ListMetadataRequest(Request):
    """``GET /datasets/{dataset_id}/metadata``: the custom fields and whether built-in fields are enabled."""

    dataset_id: Annotated[str, Path()]

    @staticmethod
    def builder() -> ListMetadataRequestBuilder:
        return ListMetadataRequestBuilder()


class ListMetadataRequestBuilder(Builder[ListMetadataRequest]):
    dataset_id: Setter[Self, str]


class RenameMetadataRequest(Request):
    """``PATCH /datasets/{dataset_id}/metadata/{metadata_id}``: give a field a new ``name``."""

    dataset_id: Annotated[str, Path()]
    metadata_id: Annotated[str, Path()]
    name: str

    @staticmethod
    def builder() -> RenameMetadataRequestBuilder:
        return RenameMetadataRequestBuilder()


class RenameMetadataRequestBuilder(Builder[RenameMetadataRequest]):
    dataset_id: Setter[Self, str]
    metadata_id: Setter[Self, str]
    name: Setter[Self, str]


class DeleteMetadataRequest(Request):
    """``DELETE /datasets/{dataset_id}/metadata/{metadata_id}`` (answered with 204)."""

    dataset_id: Annotated[str, Path()]
    metadata_id: Annotated[str, Path()]

    @staticmethod
    def builder() -> DeleteMetadataRequestBuilder:
        return DeleteMetadataRequestBuilder()


class DeleteMetadataRequestBuilder(Builder[DeleteMetadataRequest]):
    dataset_id: Setter[Self, str]
    metadata_id: Setter[Self, str]


class ListBuiltInMetadataRequest(Request):
    """``GET /datasets/{dataset_id}/metadata/built-in``: the fields the system fills in."""

    dataset_id: Annotated[str, Path()]

    @staticmethod
    def builder() -> ListBuiltInMetadataRequestBuilder:
        return ListBuiltInMetadataRequestBuilder()


class ListBuiltInMetadataRequestBuilder(Builder[ListBuiltInMetadataRequest]):
    dataset_id: Setter[Self, str]


class ToggleBuiltInMetadataRequest(Request):
    """``POST /datasets/{dataset_id}/metadata/built-in/{action}``: ``enable`` or ``disable`` the built-in fields."""

    dataset_id: Annotated[str, Path()]
    action: Annotated[Literal["enable", "disable"], Path()]

    @staticmethod
    def builder() -> ToggleBuiltInMetadataRequestBuilder:
        return ToggleBuiltInMetadataRequestBuilder()


class ToggleBuiltInMetadataRequestBuilder(Builder[ToggleBuiltInMetadataRequest]):
    dataset_id: Setter[Self, str]
    action: Setter[Self, Literal["enable", "disable"]]


class DocumentMetadataValue(Request):
    """The value of one field on a document: ``id`` and ``name`` of the field, ``value`` a string, a number or None
    (set explicitly to None to send ``null``)."""

    id: str
    name: str
    value: str | int | float | None = None

    @staticmethod
    def builder() -> DocumentMetadataValueBuilder:
        return DocumentMetadataValueBuilder()


class DocumentMetadataValueBuilder(Builder[DocumentMetadataValue]):
    id: Setter[Self, str]
    name: Setter[Self, str]
    value: Setter[Self, str | int | float | None]


class DocumentMetadataOperation(Request):
    """The metadata of one document. ``partial_update`` keeps the values of fields not listed."""

    document_id: str
    metadata_list: list[DocumentMetadataValue]
    partial_update: bool | None = None

    @staticmethod
    def builder() -> DocumentMetadataOperationBuilder:
        return DocumentMetadataOperationBuilder()


class DocumentMetadataOperationBuilder(Builder[DocumentMetadataOperation]):
    document_id: Setter[Self, str]
    metadata_list: Setter[Self, list[DocumentMetadataValue]]
    partial_update: Setter[Self, bool | None]


class UpdateDocumentsMetadataRequest(Request):
    """``POST /datasets/{dataset_id}/documents/metadata``: set metadata values on documents, one entry per document."""

    dataset_id: Annotated[str, Path()]
    operation_data: list[DocumentMetadataOperation]

    @staticmethod
    def builder() -> UpdateDocumentsMetadataRequestBuilder:
        return UpdateDocumentsMetadataRequestBuilder()


class UpdateDocumentsMetadataRequestBuilder(Builder[UpdateDocumentsMetadataRequest]):
    dataset_id: Setter[Self, str]
    operation_data: Setter[Self, list[DocumentMetadataOperation]]


class MetadataField(Response):
    """A custom metadata field; ``count`` (in lists) the number of documents using it."""

    id: str
    name: str = ""
    type: str | None = None
    count: int | None = None


class MetadataFieldList(Response):
    """The custom fields of a knowledge base, in ``doc_metadata``."""

    doc_metadata: list[MetadataField] = []
    built_in_field_enabled: bool | None = None


class BuiltInMetadataField(Response):
    """A built-in field: ``document_name``, ``uploader``, ``upload_date``, ``last_update_date``, ``source``."""

    name: str
    type: str | None = None


class BuiltInMetadataFields(Response):
    """The built-in fields, in ``fields``."""

    fields: list[BuiltInMetadataField] = []
