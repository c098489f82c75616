"""Retrieval settings of a knowledge base: how chunks are searched, reranked, filtered by metadata and scored.

Requests (``RetrievalModel`` and its parts) are sent when creating or updating a dataset or a document, and when
retrieving; responses (``RetrievalModelInfo``...) are what the server reports back, read leniently.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from .....core.builder import Builder, Setter
from .....core.model import Request, Response

__all__ = [
    "ComparisonOperator",
    "ExternalRetrievalModel",
    "ExternalRetrievalModelBuilder",
    "ExternalRetrievalModelInfo",
    "KeywordSetting",
    "KeywordSettingBuilder",
    "MetadataCondition",
    "MetadataConditionBuilder",
    "MetadataFilteringConditions",
    "MetadataFilteringConditionsBuilder",
    "RerankingModel",
    "RerankingModelBuilder",
    "RerankingModelInfo",
    "RetrievalModel",
    "RetrievalModelBuilder",
    "RetrievalModelInfo",
    "RetrievalWeights",
    "RetrievalWeightsBuilder",
    "SearchMethod",
    "VectorSetting",
    "VectorSettingBuilder",
]

SearchMethod = Literal["keyword_search", "semantic_search", "full_text_search", "hybrid_search"]
"""``keyword_search`` (economy datasets), ``semantic_search``, ``full_text_search``, ``hybrid_search``."""

ComparisonOperator = (
    Literal[
        "contains", "not contains", "start with", "end with", "is", "is not", "empty", "not empty", "in", "not in",
        "=", "≠", ">", "<", "≥", "≤", "before", "after",
    ]
)  # fmt: skip
"""Strings and arrays: ``contains`` ... ``not in``; numbers: ``=`` ``≠`` ``>`` ``<`` ``≥`` ``≤``; times: ``before``,
``after`` (the operators Dify 1.14.1 takes)."""


# ---- requests ---------------------------------------------------------------------------------------------------


class RerankingModel(Request):
    """The rerank model: ``reranking_provider_name`` like ``langgenius/cohere/cohere``, ``reranking_model_name``."""

    reranking_provider_name: str | None = None
    reranking_model_name: str | None = None

    @staticmethod
    def builder() -> RerankingModelBuilder:
        return RerankingModelBuilder()


class RerankingModelBuilder(Builder[RerankingModel]):
    reranking_provider_name: Setter[Self, str | None]
    reranking_model_name: Setter[Self, str | None]


class VectorSetting(Request):
    """Weight of semantic (vector) search in a hybrid search, and the embedding model it uses."""

    vector_weight: float | None = None
    embedding_provider_name: str | None = None
    embedding_model_name: str | None = None

    @staticmethod
    def builder() -> VectorSettingBuilder:
        return VectorSettingBuilder()


class VectorSettingBuilder(Builder[VectorSetting]):
    vector_weight: Setter[Self, float | None]
    embedding_provider_name: Setter[Self, str | None]
    embedding_model_name: Setter[Self, str | None]


class KeywordSetting(Request):
    """Weight of keyword search in a hybrid search."""

    keyword_weight: float | None = None

    @staticmethod
    def builder() -> KeywordSettingBuilder:
        return KeywordSettingBuilder()


class KeywordSettingBuilder(Builder[KeywordSetting]):
    keyword_weight: Setter[Self, float | None]


class RetrievalWeights(Request):
    """Weights of a hybrid search (``reranking_mode="weighted_score"``); ``weight_type`` ``semantic_first``,
    ``keyword_first`` or ``customized``."""

    weight_type: Literal["semantic_first", "keyword_first", "customized"] | None = None
    vector_setting: VectorSetting | None = None
    keyword_setting: KeywordSetting | None = None

    @staticmethod
    def builder() -> RetrievalWeightsBuilder:
        return RetrievalWeightsBuilder()


class RetrievalWeightsBuilder(Builder[RetrievalWeights]):
    weight_type: Setter[Self, Literal["semantic_first", "keyword_first", "customized"] | None]
    vector_setting: Setter[Self, VectorSetting | None]
    keyword_setting: Setter[Self, KeywordSetting | None]


class MetadataCondition(Request):
    """One metadata condition: ``name`` of a metadata field, ``comparison_operator``, and ``value`` (a string, a
    list of strings for ``in``/``not in``, a number for numeric operators, nothing for ``empty``/``not empty``)."""

    name: str
    comparison_operator: ComparisonOperator
    value: str | int | float | list[str] | None = None

    @staticmethod
    def builder() -> MetadataConditionBuilder:
        return MetadataConditionBuilder()


class MetadataConditionBuilder(Builder[MetadataCondition]):
    name: Setter[Self, str]
    comparison_operator: Setter[Self, ComparisonOperator]
    value: Setter[Self, str | int | float | list[str] | None]


class MetadataFilteringConditions(Request):
    """Only retrieve chunks whose document metadata matches ``conditions``, combined with ``logical_operator``
    (``and``, the server's default, or ``or``)."""

    logical_operator: Literal["and", "or"] | None = None
    conditions: list[MetadataCondition] | None = None

    @staticmethod
    def builder() -> MetadataFilteringConditionsBuilder:
        return MetadataFilteringConditionsBuilder()


class MetadataFilteringConditionsBuilder(Builder[MetadataFilteringConditions]):
    logical_operator: Setter[Self, Literal["and", "or"] | None]
    conditions: Setter[Self, list[MetadataCondition] | None]


class RetrievalModel(Request):
    """How a knowledge base is searched.

    ``search_method``, ``reranking_enable``, ``top_k`` and ``score_threshold_enabled`` are required by the server;
    ``reranking_mode`` (``reranking_model`` or ``weighted_score``) is required when reranking is enabled.
    """

    search_method: SearchMethod
    reranking_enable: bool
    reranking_mode: Literal["reranking_model", "weighted_score"] | None = None
    reranking_model: RerankingModel | None = None
    weights: RetrievalWeights | None = None
    top_k: int
    score_threshold_enabled: bool
    score_threshold: float | None = None
    metadata_filtering_conditions: MetadataFilteringConditions | None = None

    @staticmethod
    def builder() -> RetrievalModelBuilder:
        return RetrievalModelBuilder()


class RetrievalModelBuilder(Builder[RetrievalModel]):
    search_method: Setter[Self, SearchMethod]
    reranking_enable: Setter[Self, bool]
    reranking_mode: Setter[Self, Literal["reranking_model", "weighted_score"] | None]
    reranking_model: Setter[Self, RerankingModel | None]
    weights: Setter[Self, RetrievalWeights | None]
    top_k: Setter[Self, int]
    score_threshold_enabled: Setter[Self, bool]
    score_threshold: Setter[Self, float | None]
    metadata_filtering_conditions: Setter[Self, MetadataFilteringConditions | None]


class ExternalRetrievalModel(Request):
    """Retrieval settings of an external knowledge base."""

    top_k: int | None = None
    score_threshold: float | None = None
    score_threshold_enabled: bool | None = None

    @staticmethod
    def builder() -> ExternalRetrievalModelBuilder:
        return ExternalRetrievalModelBuilder()


class ExternalRetrievalModelBuilder(Builder[ExternalRetrievalModel]):
    top_k: Setter[Self, int | None]
    score_threshold: Setter[Self, float | None]
    score_threshold_enabled: Setter[Self, bool | None]


# ---- responses --------------------------------------------------------------------------------------------------


class RerankingModelInfo(Response):
    """The rerank model a dataset uses (empty strings when none)."""

    reranking_provider_name: str | None = None
    reranking_model_name: str | None = None


class RetrievalModelInfo(Response):
    """A dataset's retrieval settings, as the server reports them (``retrieval_model_dict``)."""

    search_method: str | None = None
    reranking_enable: bool | None = None
    reranking_mode: str | None = None
    reranking_model: RerankingModelInfo | None = None
    weights: dict[str, Any] | None = None
    top_k: int | None = None
    score_threshold_enabled: bool | None = None
    score_threshold: float | None = None


class ExternalRetrievalModelInfo(Response):
    """An external dataset's retrieval settings (also sent, with defaults, for internal datasets)."""

    top_k: int | None = None
    score_threshold: float | None = None
    score_threshold_enabled: bool | None = None
