"""Documents of a dataset: create them from text or a file, update, list, read, delete, follow their indexing,
download their source files, enable, disable and archive them."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self, TypeVar

from .....core.builder import Builder, Setter
from .....core.files import FileInput
from .....core.model import File, FormJson, Path, Query, Request, Response, Timestamp
from .dataset import IndexingTechnique
from .retrieval import RetrievalModel

__all__ = [
    "CreateDocumentByFileRequest",
    "CreateDocumentByFileRequestBuilder",
    "CreateDocumentByTextRequest",
    "CreateDocumentByTextRequestBuilder",
    "DeleteDocumentRequest",
    "DeleteDocumentRequestBuilder",
    "DocForm",
    "Document",
    "DocumentAction",
    "DocumentDownload",
    "DocumentFileData",
    "DocumentFileDataBuilder",
    "DocumentIndexingStatus",
    "DocumentList",
    "DocumentMetadataValue",
    "DocumentResult",
    "DocumentSettings",
    "DownloadDocumentRequest",
    "DownloadDocumentRequestBuilder",
    "DownloadDocumentsZipRequest",
    "DownloadDocumentsZipRequestBuilder",
    "GetDocumentRequest",
    "GetDocumentRequestBuilder",
    "GetIndexingStatusRequest",
    "GetIndexingStatusRequestBuilder",
    "IndexingStatusList",
    "ListDocumentsRequest",
    "ListDocumentsRequestBuilder",
    "PreProcessingRule",
    "PreProcessingRuleBuilder",
    "ProcessRule",
    "ProcessRuleBuilder",
    "ProcessRules",
    "ProcessRulesBuilder",
    "Segmentation",
    "SegmentationBuilder",
    "UpdateDocumentByFileRequest",
    "UpdateDocumentByFileRequestBuilder",
    "UpdateDocumentByTextRequest",
    "UpdateDocumentByTextRequestBuilder",
    "UpdateDocumentStatusRequest",
    "UpdateDocumentStatusRequestBuilder",
]

DocForm = Literal["text_model", "hierarchical_model", "qa_model"]
"""How a document is chunked: plain chunks, parent-child chunks, or question/answer pairs."""

DocumentAction = Literal["enable", "disable", "archive", "un_archive"]
"""A batch status change."""


# ---- process rule -----------------------------------------------------------------------------------------------


class PreProcessingRule(Request):
    """A cleaning step: ``id`` ``remove_extra_spaces``, ``remove_urls_emails`` or ``remove_stopwords``."""

    id: Literal["remove_extra_spaces", "remove_urls_emails", "remove_stopwords"]
    enabled: bool

    @staticmethod
    def builder() -> PreProcessingRuleBuilder:
        return PreProcessingRuleBuilder()


class PreProcessingRuleBuilder(Builder[PreProcessingRule]):
    id: Setter[Self, Literal["remove_extra_spaces", "remove_urls_emails", "remove_stopwords"]]
    enabled: Setter[Self, bool]


class Segmentation(Request):
    """Chunking: ``separator`` (default ``\\n``), ``max_tokens`` per chunk, ``chunk_overlap`` tokens."""

    separator: str | None = None
    max_tokens: int | None = None
    chunk_overlap: int | None = None

    @staticmethod
    def builder() -> SegmentationBuilder:
        return SegmentationBuilder()


class SegmentationBuilder(Builder[Segmentation]):
    separator: Setter[Self, str | None]
    max_tokens: Setter[Self, int | None]
    chunk_overlap: Setter[Self, int | None]


class ProcessRules(Request):
    """Custom rules. For ``hierarchical`` mode, ``parent_mode`` (``paragraph`` or ``full-doc``) and
    ``subchunk_segmentation`` (the child chunks) are read by the server too."""

    pre_processing_rules: list[PreProcessingRule] | None = None
    segmentation: Segmentation | None = None
    parent_mode: Literal["paragraph", "full-doc"] | None = None
    subchunk_segmentation: Segmentation | None = None

    @staticmethod
    def builder() -> ProcessRulesBuilder:
        return ProcessRulesBuilder()


class ProcessRulesBuilder(Builder[ProcessRules]):
    pre_processing_rules: Setter[Self, list[PreProcessingRule] | None]
    segmentation: Setter[Self, Segmentation | None]
    parent_mode: Setter[Self, Literal["paragraph", "full-doc"] | None]
    subchunk_segmentation: Setter[Self, Segmentation | None]


class ProcessRule(Request):
    """How a document is cleaned and chunked: ``mode`` ``automatic`` (no ``rules``), ``custom`` or
    ``hierarchical``."""

    mode: Literal["automatic", "custom", "hierarchical"]
    rules: ProcessRules | None = None

    @staticmethod
    def builder() -> ProcessRuleBuilder:
        return ProcessRuleBuilder()


class ProcessRuleBuilder(Builder[ProcessRule]):
    mode: Setter[Self, Literal["automatic", "custom", "hierarchical"]]
    rules: Setter[Self, ProcessRules | None]


# ---- create / update by text ----------------------------------------------------------------------------------


class DocumentSettings(Request):
    """How a document is indexed, shared by create-by-text and the ``data`` part of the file endpoints:
    ``indexing_technique`` (creation only), ``doc_form``, ``doc_language``, ``process_rule``, ``retrieval_model``,
    the embedding model, and ``original_document_id`` (re-create a document from an old one)."""

    indexing_technique: IndexingTechnique | None = None
    doc_form: DocForm | None = None
    doc_language: str | None = None
    process_rule: ProcessRule | None = None
    retrieval_model: RetrievalModel | None = None
    embedding_model: str | None = None
    embedding_model_provider: str | None = None
    original_document_id: str | None = None


SettingsT = TypeVar("SettingsT", bound=DocumentSettings)


class _DocumentSettingsBuilder(Builder[SettingsT]):
    indexing_technique: Setter[Self, IndexingTechnique | None]
    doc_form: Setter[Self, DocForm | None]
    doc_language: Setter[Self, str | None]
    process_rule: Setter[Self, ProcessRule | None]
    retrieval_model: Setter[Self, RetrievalModel | None]
    embedding_model: Setter[Self, str | None]
    embedding_model_provider: Setter[Self, str | None]
    original_document_id: Setter[Self, str | None]


class CreateDocumentByTextRequest(DocumentSettings):
    """``POST /datasets/{dataset_id}/document/create-by-text``. The first document of a dataset needs
    ``indexing_technique`` and ``process_rule``; indexing runs in the background (follow the answer's ``batch``)."""

    dataset_id: Annotated[str, Path()]
    name: str
    text: str

    @staticmethod
    def builder() -> CreateDocumentByTextRequestBuilder:
        return CreateDocumentByTextRequestBuilder()


class CreateDocumentByTextRequestBuilder(
    _DocumentSettingsBuilder[CreateDocumentByTextRequest], Builder[CreateDocumentByTextRequest]
):
    dataset_id: Setter[Self, str]
    name: Setter[Self, str]
    text: Setter[Self, str]


class UpdateDocumentByTextRequest(Request):
    """``POST /datasets/{dataset_id}/documents/{document_id}/update-by-text``: new ``text`` (with its ``name``)
    and/or settings; the document is re-indexed (the answer's ``batch`` is the document's original one)."""

    dataset_id: Annotated[str, Path()]
    document_id: Annotated[str, Path()]
    name: str | None = None
    text: str | None = None
    process_rule: ProcessRule | None = None
    doc_form: DocForm | None = None
    doc_language: str | None = None
    retrieval_model: RetrievalModel | None = None

    @staticmethod
    def builder() -> UpdateDocumentByTextRequestBuilder:
        return UpdateDocumentByTextRequestBuilder()


class UpdateDocumentByTextRequestBuilder(Builder[UpdateDocumentByTextRequest]):
    dataset_id: Setter[Self, str]
    document_id: Setter[Self, str]
    name: Setter[Self, str | None]
    text: Setter[Self, str | None]
    process_rule: Setter[Self, ProcessRule | None]
    doc_form: Setter[Self, DocForm | None]
    doc_language: Setter[Self, str | None]
    retrieval_model: Setter[Self, RetrievalModel | None]


# ---- create / update by file (multipart) ----------------------------------------------------------------------


class DocumentFileData(DocumentSettings):
    """The ``data`` part (JSON) of the file endpoints: the same settings as create-by-text, without ``text``.
    ``name`` renames the document on update; ``indexing_technique`` is for creation only."""

    name: str | None = None

    @staticmethod
    def builder() -> DocumentFileDataBuilder:
        return DocumentFileDataBuilder()


class DocumentFileDataBuilder(_DocumentSettingsBuilder[DocumentFileData], Builder[DocumentFileData]):
    name: Setter[Self, str | None]


class CreateDocumentByFileRequest(Request):
    """``POST /datasets/{dataset_id}/document/create-by-file`` (multipart). ``file``: a path (streamed from disk),
    bytes, a binary file object or ``(filename, content[, content_type])``; ``data``: the settings."""

    dataset_id: Annotated[str, Path()]
    file: Annotated[FileInput, File()]
    data: Annotated[DocumentFileData | None, FormJson()] = None

    @staticmethod
    def builder() -> CreateDocumentByFileRequestBuilder:
        return CreateDocumentByFileRequestBuilder()


class CreateDocumentByFileRequestBuilder(Builder[CreateDocumentByFileRequest]):
    dataset_id: Setter[Self, str]
    file: Setter[Self, FileInput]
    data: Setter[Self, DocumentFileData | None]


class UpdateDocumentByFileRequest(Request):
    """``PATCH /datasets/{dataset_id}/documents/{document_id}`` (``update``) or its deprecated twin ``POST
    .../update-by-file`` (``update_by_file``), multipart: a new ``file`` and optional settings in ``data``. The
    document keeps its id and is re-indexed; the answer's ``batch`` is the document's original one."""

    dataset_id: Annotated[str, Path()]
    document_id: Annotated[str, Path()]
    file: Annotated[FileInput, File()]
    data: Annotated[DocumentFileData | None, FormJson()] = None

    @staticmethod
    def builder() -> UpdateDocumentByFileRequestBuilder:
        return UpdateDocumentByFileRequestBuilder()


class UpdateDocumentByFileRequestBuilder(Builder[UpdateDocumentByFileRequest]):
    dataset_id: Setter[Self, str]
    document_id: Setter[Self, str]
    file: Setter[Self, FileInput]
    data: Setter[Self, DocumentFileData | None]


# ---- list / get / delete ----------------------------------------------------------------------------------------


class ListDocumentsRequest(Request):
    """``GET /datasets/{dataset_id}/documents``: one page (``iter`` walks every page). ``keyword`` filters by
    name, ``status`` by display status (``queuing``, ``indexing``, ``paused``, ``error``, ``available``,
    ``disabled``, ``archived``)."""

    dataset_id: Annotated[str, Path()]
    keyword: Annotated[str | None, Query()] = None
    status: Annotated[
        Literal["queuing", "indexing", "paused", "error", "available", "disabled", "archived"] | None, Query()
    ] = None
    page: Annotated[int | None, Query()] = None
    limit: Annotated[int | None, Query()] = None

    @staticmethod
    def builder() -> ListDocumentsRequestBuilder:
        return ListDocumentsRequestBuilder()


class ListDocumentsRequestBuilder(Builder[ListDocumentsRequest]):
    dataset_id: Setter[Self, str]
    keyword: Setter[Self, str | None]
    status: Setter[Self, Literal["queuing", "indexing", "paused", "error", "available", "disabled", "archived"] | None]
    page: Setter[Self, int | None]
    limit: Setter[Self, int | None]


class GetDocumentRequest(Request):
    """``GET /datasets/{dataset_id}/documents/{document_id}``. ``metadata``: ``all`` (the server's default),
    ``only`` (id and metadata only) or ``without``."""

    dataset_id: Annotated[str, Path()]
    document_id: Annotated[str, Path()]
    metadata: Annotated[Literal["all", "only", "without"] | None, Query()] = None

    @staticmethod
    def builder() -> GetDocumentRequestBuilder:
        return GetDocumentRequestBuilder()


class GetDocumentRequestBuilder(Builder[GetDocumentRequest]):
    dataset_id: Setter[Self, str]
    document_id: Setter[Self, str]
    metadata: Setter[Self, Literal["all", "only", "without"] | None]


class DeleteDocumentRequest(Request):
    """``DELETE /datasets/{dataset_id}/documents/{document_id}`` (answered 204). An archived document raises
    ``ArchivedDocumentImmutableError``; one being indexed ``DocumentIndexingError``."""

    dataset_id: Annotated[str, Path()]
    document_id: Annotated[str, Path()]

    @staticmethod
    def builder() -> DeleteDocumentRequestBuilder:
        return DeleteDocumentRequestBuilder()


class DeleteDocumentRequestBuilder(Builder[DeleteDocumentRequest]):
    dataset_id: Setter[Self, str]
    document_id: Setter[Self, str]


# ---- indexing status, download, status --------------------------------------------------------------------------


class GetIndexingStatusRequest(Request):
    """``GET /datasets/{dataset_id}/documents/{batch}/indexing-status``: the progress of every document of the
    ``batch`` a create or update answered with."""

    dataset_id: Annotated[str, Path()]
    batch: Annotated[str, Path()]

    @staticmethod
    def builder() -> GetIndexingStatusRequestBuilder:
        return GetIndexingStatusRequestBuilder()


class GetIndexingStatusRequestBuilder(Builder[GetIndexingStatusRequest]):
    dataset_id: Setter[Self, str]
    batch: Setter[Self, str]


class DownloadDocumentRequest(Request):
    """``GET /datasets/{dataset_id}/documents/{document_id}/download``: a signed link to the source file."""

    dataset_id: Annotated[str, Path()]
    document_id: Annotated[str, Path()]

    @staticmethod
    def builder() -> DownloadDocumentRequestBuilder:
        return DownloadDocumentRequestBuilder()


class DownloadDocumentRequestBuilder(Builder[DownloadDocumentRequest]):
    dataset_id: Setter[Self, str]
    document_id: Setter[Self, str]


class DownloadDocumentsZipRequest(Request):
    """``POST /datasets/{dataset_id}/documents/download-zip``: a zip of the source files of 1-100 documents."""

    dataset_id: Annotated[str, Path()]
    document_ids: list[str]

    @staticmethod
    def builder() -> DownloadDocumentsZipRequestBuilder:
        return DownloadDocumentsZipRequestBuilder()


class DownloadDocumentsZipRequestBuilder(Builder[DownloadDocumentsZipRequest]):
    dataset_id: Setter[Self, str]
    document_ids: Setter[Self, list[str]]


class UpdateDocumentStatusRequest(Request):
    """``PATCH /datasets/{dataset_id}/documents/status/{action}``: ``enable``, ``disable``, ``archive`` or
    ``un_archive`` the documents ``document_ids``."""

    dataset_id: Annotated[str, Path()]
    action: Annotated[DocumentAction, Path()]
    document_ids: list[str]

    @staticmethod
    def builder() -> UpdateDocumentStatusRequestBuilder:
        return UpdateDocumentStatusRequestBuilder()


class UpdateDocumentStatusRequestBuilder(Builder[UpdateDocumentStatusRequest]):
    dataset_id: Setter[Self, str]
    action: Setter[Self, DocumentAction]
    document_ids: Setter[Self, list[str]]


# ---- responses ----------------------------------------------------------------------------------------------


class DocumentMetadataValue(Response):
    """A metadata value of a document (built-in fields have ``id="built-in"``)."""

    id: str | None = None
    name: str | None = None
    type: str | None = None
    value: Any = None


class Document(Response):
    """A document. The list and create answers carry ``data_source_detail_dict``; the detail answer adds the
    process rules, ``segment_count``, ``doc_language``... ``indexing_status``: ``waiting``, ``parsing``,
    ``cleaning``, ``splitting``, ``indexing``, ``completed``, ``error`` or ``paused``."""

    id: str
    position: int | None = None
    data_source_type: str | None = None
    data_source_info: dict[str, Any] | None = None
    data_source_detail_dict: dict[str, Any] | None = None
    dataset_process_rule_id: str | None = None
    dataset_process_rule: dict[str, Any] | None = None
    document_process_rule: dict[str, Any] | None = None
    name: str | None = None
    created_from: str | None = None
    created_by: str | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None
    completed_at: Timestamp | None = None
    tokens: int | None = None
    indexing_status: str | None = None
    indexing_latency: float | None = None
    error: str | None = None
    enabled: bool | None = None
    disabled_at: Timestamp | None = None
    disabled_by: str | None = None
    archived: bool | None = None
    display_status: str | None = None
    word_count: int | None = None
    hit_count: int | None = None
    doc_form: str | None = None
    doc_language: str | None = None
    doc_type: str | None = None
    doc_metadata: list[DocumentMetadataValue] | None = None
    segment_count: int | None = None
    average_segment_length: float | None = None
    summary_index_status: str | None = None
    need_summary: bool | None = None


class DocumentResult(Response):
    """The answer of a create or update: the document, and the ``batch`` whose indexing to follow. An update
    answers with the document's original batch (Dify 1.14.1), whose status then shows the re-indexing."""

    document: Document
    batch: str


class DocumentList(Response):
    """One page of documents."""

    data: list[Document] = []
    has_more: bool | None = None
    limit: int | None = None
    total: int | None = None
    page: int | None = None


class IndexingState:
    """``is_completed`` / ``is_failed`` read from ``indexing_status`` (a status answer, a ``DocumentProgress``)."""

    __slots__ = ()
    indexing_status: str | None

    @property
    def is_completed(self) -> bool:
        return self.indexing_status == "completed"

    @property
    def is_failed(self) -> bool:
        """``error`` or ``paused``: the document will not finish by itself."""
        return self.indexing_status in ("error", "paused")


class DocumentIndexingStatus(IndexingState, Response):
    """Indexing progress of one document: ``indexing_status`` and ``completed_segments`` of ``total_segments``."""

    id: str
    indexing_status: str | None = None
    processing_started_at: Timestamp | None = None
    parsing_completed_at: Timestamp | None = None
    cleaning_completed_at: Timestamp | None = None
    splitting_completed_at: Timestamp | None = None
    completed_at: Timestamp | None = None
    paused_at: Timestamp | None = None
    error: str | None = None
    stopped_at: Timestamp | None = None
    completed_segments: int | None = None
    total_segments: int | None = None


class IndexingStatusList(Response):
    """Indexing progress of every document of a batch."""

    data: list[DocumentIndexingStatus] = []

    @property
    def is_completed(self) -> bool:
        """Every document of the batch is ``completed``."""
        return bool(self.data) and all(d.is_completed for d in self.data)


class DocumentDownload(Response):
    """A signed, expiring link to a document's source file."""

    url: str
