"""Datasets (knowledge bases): create, list, read, update, delete, and retrieve chunks from them."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from .....core.builder import Builder, Setter
from .....core.model import LenientStr, Path, Query, Request, Response, Timestamp
from .retrieval import (
    ExternalRetrievalModel,
    ExternalRetrievalModelInfo,
    RetrievalModel,
    RetrievalModelInfo,
)
from .segment import Segment, SegmentAttachment

__all__ = [
    "CreateDatasetRequest",
    "CreateDatasetRequestBuilder",
    "Dataset",
    "DatasetList",
    "DatasetMetadataField",
    "DatasetTag",
    "DeleteDatasetRequest",
    "DeleteDatasetRequestBuilder",
    "ExternalKnowledgeInfo",
    "GetDatasetRequest",
    "GetDatasetRequestBuilder",
    "IconInfo",
    "IndexingTechnique",
    "ListDatasetsRequest",
    "ListDatasetsRequestBuilder",
    "PartialMember",
    "PartialMemberBuilder",
    "Permission",
    "RetrievalQuery",
    "RetrievalRecord",
    "RetrieveRequest",
    "RetrieveRequestBuilder",
    "RetrieveResult",
    "RetrievedChildChunk",
    "RetrievedDocument",
    "RetrievedSegment",
    "SummaryIndexSetting",
    "SummaryIndexSettingBuilder",
    "SummaryIndexSettingInfo",
    "UpdateDatasetRequest",
    "UpdateDatasetRequestBuilder",
]

IndexingTechnique = Literal["high_quality", "economy"]
"""``high_quality`` (embeddings) or ``economy`` (keyword index)."""

Permission = Literal["only_me", "all_team_members", "partial_members"]
"""Who may use the dataset."""


# ---- request parts ----------------------------------------------------------------------------------------------


class SummaryIndexSetting(Request):
    """Summary indexing: ``enable`` it, with the model (``model_name``, ``model_provider_name``) and prompt."""

    enable: bool | None = None
    model_name: str | None = None
    model_provider_name: str | None = None
    summary_prompt: str | None = None

    @staticmethod
    def builder() -> SummaryIndexSettingBuilder:
        return SummaryIndexSettingBuilder()


class SummaryIndexSettingBuilder(Builder[SummaryIndexSetting]):
    enable: Setter[Self, bool | None]
    model_name: Setter[Self, str | None]
    model_provider_name: Setter[Self, str | None]
    summary_prompt: Setter[Self, str | None]


class PartialMember(Request):
    """A team member given access when ``permission`` is ``partial_members``."""

    user_id: str

    @staticmethod
    def builder() -> PartialMemberBuilder:
        return PartialMemberBuilder()


class PartialMemberBuilder(Builder[PartialMember]):
    user_id: Setter[Self, str]


# ---- POST /datasets -------------------------------------------------------------------------------------------


class CreateDatasetRequest(Request):
    """``POST /datasets``: an empty dataset. ``name`` (1-40 characters, unique in the workspace: a duplicate raises
    ``DatasetNameDuplicateError``); ``indexing_technique`` ``economy`` needs no embedding model."""

    name: str
    description: str | None = None
    indexing_technique: IndexingTechnique | None = None
    permission: Permission | None = None
    provider: Literal["vendor", "external"] | None = None
    embedding_model: str | None = None
    embedding_model_provider: str | None = None
    retrieval_model: RetrievalModel | None = None
    external_knowledge_api_id: str | None = None
    external_knowledge_id: str | None = None
    summary_index_setting: SummaryIndexSetting | None = None

    @staticmethod
    def builder() -> CreateDatasetRequestBuilder:
        return CreateDatasetRequestBuilder()


class CreateDatasetRequestBuilder(Builder[CreateDatasetRequest]):
    name: Setter[Self, str]
    description: Setter[Self, str | None]
    indexing_technique: Setter[Self, IndexingTechnique | None]
    permission: Setter[Self, Permission | None]
    provider: Setter[Self, Literal["vendor", "external"] | None]
    embedding_model: Setter[Self, str | None]
    embedding_model_provider: Setter[Self, str | None]
    retrieval_model: Setter[Self, RetrievalModel | None]
    external_knowledge_api_id: Setter[Self, str | None]
    external_knowledge_id: Setter[Self, str | None]
    summary_index_setting: Setter[Self, SummaryIndexSetting | None]


# ---- GET /datasets --------------------------------------------------------------------------------------------


class ListDatasetsRequest(Request):
    """``GET /datasets``: one page of datasets (``iter`` walks every page).

    ``keyword`` filters by name; ``tag_ids`` by tags (sent as repeated ``tag_ids=`` keys, as the spec says; Dify
    1.14.1 rejects the filter with a 400 ``invalid_param`` "Input should be a valid list", a server bug);
    ``include_all`` includes datasets the key's owner cannot otherwise see; ``page`` from 1, ``limit`` 1-100.
    """

    keyword: Annotated[str | None, Query()] = None
    tag_ids: Annotated[list[str] | None, Query()] = None
    include_all: Annotated[bool | None, Query()] = None
    page: Annotated[int | None, Query()] = None
    limit: Annotated[int | None, Query()] = None

    @staticmethod
    def builder() -> ListDatasetsRequestBuilder:
        return ListDatasetsRequestBuilder()


class ListDatasetsRequestBuilder(Builder[ListDatasetsRequest]):
    keyword: Setter[Self, str | None]
    tag_ids: Setter[Self, list[str] | None]
    include_all: Setter[Self, bool | None]
    page: Setter[Self, int | None]
    limit: Setter[Self, int | None]


# ---- GET / PATCH / DELETE /datasets/{dataset_id} --------------------------------------------------------------


class GetDatasetRequest(Request):
    """``GET /datasets/{dataset_id}``."""

    dataset_id: Annotated[str, Path()]

    @staticmethod
    def builder() -> GetDatasetRequestBuilder:
        return GetDatasetRequestBuilder()


class GetDatasetRequestBuilder(Builder[GetDatasetRequest]):
    dataset_id: Setter[Self, str]


class UpdateDatasetRequest(Request):
    """``PATCH /datasets/{dataset_id}``: only the fields set are changed. ``partial_member_list`` goes with
    ``permission="partial_members"``; ``external_*`` apply to external datasets."""

    dataset_id: Annotated[str, Path()]
    name: str | None = None
    description: str | None = None
    indexing_technique: IndexingTechnique | None = None
    permission: Permission | None = None
    embedding_model: str | None = None
    embedding_model_provider: str | None = None
    retrieval_model: RetrievalModel | None = None
    partial_member_list: list[PartialMember] | None = None
    external_retrieval_model: ExternalRetrievalModel | None = None
    external_knowledge_id: str | None = None
    external_knowledge_api_id: str | None = None

    @staticmethod
    def builder() -> UpdateDatasetRequestBuilder:
        return UpdateDatasetRequestBuilder()


class UpdateDatasetRequestBuilder(Builder[UpdateDatasetRequest]):
    dataset_id: Setter[Self, str]
    name: Setter[Self, str | None]
    description: Setter[Self, str | None]
    indexing_technique: Setter[Self, IndexingTechnique | None]
    permission: Setter[Self, Permission | None]
    embedding_model: Setter[Self, str | None]
    embedding_model_provider: Setter[Self, str | None]
    retrieval_model: Setter[Self, RetrievalModel | None]
    partial_member_list: Setter[Self, list[PartialMember] | None]
    external_retrieval_model: Setter[Self, ExternalRetrievalModel | None]
    external_knowledge_id: Setter[Self, str | None]
    external_knowledge_api_id: Setter[Self, str | None]


class DeleteDatasetRequest(Request):
    """``DELETE /datasets/{dataset_id}``: the dataset and all its documents (answered 204)."""

    dataset_id: Annotated[str, Path()]

    @staticmethod
    def builder() -> DeleteDatasetRequestBuilder:
        return DeleteDatasetRequestBuilder()


class DeleteDatasetRequestBuilder(Builder[DeleteDatasetRequest]):
    dataset_id: Setter[Self, str]


# ---- dataset responses ----------------------------------------------------------------------------------------


class DatasetTag(Response):
    """A tag bound to a dataset."""

    id: str | None = None
    name: str | None = None
    type: str | None = None
    binding_count: LenientStr | None = None


class DatasetMetadataField(Response):
    """A metadata field defined on a dataset."""

    id: str | None = None
    name: str | None = None
    type: str | None = None


class ExternalKnowledgeInfo(Response):
    """The external knowledge base behind an external dataset (all None for internal ones)."""

    external_knowledge_id: str | None = None
    external_knowledge_api_id: str | None = None
    external_knowledge_api_name: str | None = None
    external_knowledge_api_endpoint: str | None = None


class IconInfo(Response):
    icon_type: str | None = None
    icon: str | None = None
    icon_background: str | None = None
    icon_url: str | None = None


class SummaryIndexSettingInfo(Response):
    enable: bool | None = None
    model_name: str | None = None
    model_provider_name: str | None = None
    summary_prompt: str | None = None


class Dataset(Response):
    """A dataset (knowledge base)."""

    id: str
    name: str | None = None
    description: str | None = None
    provider: str | None = None
    permission: str | None = None
    data_source_type: str | None = None
    indexing_technique: str | None = None
    app_count: int | None = None
    document_count: int | None = None
    word_count: int | None = None
    created_by: str | None = None
    author_name: str | None = None
    created_at: Timestamp | None = None
    updated_by: str | None = None
    updated_at: Timestamp | None = None
    embedding_model: str | None = None
    embedding_model_provider: str | None = None
    embedding_available: bool | None = None
    retrieval_model_dict: RetrievalModelInfo | None = None
    summary_index_setting: SummaryIndexSettingInfo | None = None
    tags: list[DatasetTag] = []
    doc_form: str | None = None
    external_knowledge_info: ExternalKnowledgeInfo | None = None
    external_retrieval_model: ExternalRetrievalModelInfo | None = None
    doc_metadata: list[DatasetMetadataField] = []
    built_in_field_enabled: bool | None = None
    pipeline_id: str | None = None
    runtime_mode: str | None = None
    chunk_structure: str | None = None
    icon_info: IconInfo | None = None
    is_published: bool | None = None
    total_documents: int | None = None
    total_available_documents: int | None = None
    enable_api: bool | None = None
    is_multimodal: bool | None = None
    maintainer: str | None = None
    partial_member_list: list[Any] | None = None


class DatasetList(Response):
    """One page of datasets."""

    data: list[Dataset] = []
    has_more: bool | None = None
    limit: int | None = None
    total: int | None = None
    page: int | None = None


# ---- POST /datasets/{dataset_id}/retrieve ---------------------------------------------------------------------


class RetrieveRequest(Request):
    """``POST /datasets/{dataset_id}/retrieve``: the chunks most relevant to ``query`` (at most 250 characters).

    Without ``retrieval_model`` the dataset's own settings are used (Dify falls back to ``semantic_search``, which
    needs an embedding model: on an economy dataset pass ``search_method="keyword_search"``).
    """

    dataset_id: Annotated[str, Path()]
    query: str
    retrieval_model: RetrievalModel | None = None
    attachment_ids: list[str] | None = None
    external_retrieval_model: ExternalRetrievalModel | None = None

    @staticmethod
    def builder() -> RetrieveRequestBuilder:
        return RetrieveRequestBuilder()


class RetrieveRequestBuilder(Builder[RetrieveRequest]):
    dataset_id: Setter[Self, str]
    query: Setter[Self, str]
    retrieval_model: Setter[Self, RetrievalModel | None]
    attachment_ids: Setter[Self, list[str] | None]
    external_retrieval_model: Setter[Self, ExternalRetrievalModel | None]


class RetrievalQuery(Response):
    """The query as the spec describes it (Dify 1.14.1 sends a plain string instead)."""

    content: str | None = None


class RetrievedDocument(Response):
    """The document a retrieved chunk belongs to (all None on Dify 1.14.1)."""

    id: str | None = None
    data_source_type: str | None = None
    name: str | None = None
    doc_type: str | None = None
    doc_metadata: dict[str, Any] | None = None


class RetrievedSegment(Segment):
    """A retrieved chunk: a :class:`Segment` with the ``document`` it belongs to."""

    document: RetrievedDocument | None = None


class RetrievedChildChunk(Response):
    """A matching child chunk (hierarchical documents)."""

    id: str | None = None
    content: str | None = None
    position: int | None = None
    score: float | None = None


class RetrievalRecord(Response):
    """One hit: the chunk, its matching child chunks, its score."""

    segment: RetrievedSegment
    child_chunks: list[RetrievedChildChunk] | None = None
    score: float | None = None
    tsne_position: dict[str, Any] | None = None
    files: list[SegmentAttachment] | None = None
    summary: str | None = None


class RetrieveResult(Response):
    """The answer of a retrieve: ``records`` best first. ``query`` is a string on Dify 1.14.1 and an object
    ``{"content": ...}`` in the spec; ``query_text`` reads either."""

    query: RetrievalQuery | str | None = None
    records: list[RetrievalRecord] = []

    @property
    def query_text(self) -> str | None:
        """The query text, whichever shape the server sent."""
        return self.query.content if isinstance(self.query, RetrievalQuery) else self.query
