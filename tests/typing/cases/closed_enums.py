"""Request fields whose values the server validates from a fixed set are closed Literals, in the builder setters and
in the model constructors: a typo is a type error (and a ``build()`` error at run time). Answers stay open ``str``."""

from __future__ import annotations

from typing import assert_type

from dify_oapi import Client
from dify_oapi.api.chat.v1.model.conversation import ListConversationsRequest
from dify_oapi.api.dify.v1.model.feedback import CreateFeedbackRequest
from dify_oapi.api.dify.v1.model.shared import InputFile
from dify_oapi.api.knowledge_base.v1.model.dataset import CreateDatasetRequest, Dataset
from dify_oapi.api.knowledge_base.v1.model.document import (
    CreateDocumentByTextRequest,
    ProcessRule,
    ProcessRules,
    UpdateDocumentStatusRequest,
)
from dify_oapi.api.knowledge_base.v1.model.metadata import CreateMetadataRequest
from dify_oapi.api.knowledge_base.v1.model.model import ListModelsRequest
from dify_oapi.api.knowledge_base.v1.model.retrieval import MetadataCondition, RetrievalModel, SearchMethod
from dify_oapi.api.workflow.v1.model.log import ListWorkflowLogsRequest


def builders_take_the_listed_values_only() -> None:
    CreateDatasetRequest.builder().name("kb").indexing_technique("economy").permission("only_me")
    CreateDatasetRequest.builder().indexing_technique("econmy")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    CreateDatasetRequest.builder().permission("everyone")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    CreateDatasetRequest.builder().provider("internal")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    RetrievalModel.builder().search_method("hybrid_search").reranking_mode("weighted_score")
    RetrievalModel.builder().search_method("semantic")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    RetrievalModel.builder().reranking_mode("rerank")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    MetadataCondition.builder().comparison_operator("≥")
    MetadataCondition.builder().comparison_operator(">=")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    CreateDocumentByTextRequest.builder().doc_form("qa_model")
    CreateDocumentByTextRequest.builder().doc_form("qa")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    ProcessRule.builder().mode("hierarchical")
    ProcessRule.builder().mode("auto")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    ProcessRules.builder().parent_mode("full-doc")
    ProcessRules.builder().parent_mode("full_doc")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    UpdateDocumentStatusRequest.builder().action("un_archive")
    UpdateDocumentStatusRequest.builder().action("unarchive")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    CreateMetadataRequest.builder().type("time")
    CreateMetadataRequest.builder().type("date")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    CreateFeedbackRequest.builder().rating("like").rating(None)
    CreateFeedbackRequest.builder().rating("love")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    ListConversationsRequest.builder().sort_by("-updated_at")
    ListConversationsRequest.builder().sort_by("updated")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    ListWorkflowLogsRequest.builder().status("failed")
    ListWorkflowLogsRequest.builder().status("error")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    ListModelsRequest.builder().model_type("rerank")
    ListModelsRequest.builder().model_type("embedding")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    InputFile.builder().type("image").transfer_method("remote_url")
    InputFile.builder().transfer_method("url")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def constructors_too() -> None:
    """pyright reads the model constructors' field types (mypy's pydantic plugin types them loosely)."""
    CreateDatasetRequest(name="kb", indexing_technique="high_quality")
    CreateDatasetRequest(name="kb", indexing_technique="econmy")  # pyright: ignore[reportArgumentType]
    InputFile(type="documents", transfer_method="local_file", upload_file_id="f")  # pyright: ignore[reportArgumentType]


def a_plain_str_needs_checking(value: str) -> None:
    RetrievalModel.builder().search_method(value)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    method: SearchMethod = "full_text_search"
    RetrievalModel.builder().search_method(method)


def answers_stay_open(client: Client, dataset: Dataset) -> None:
    assert_type(dataset.indexing_technique, str | None)
    assert_type(dataset.permission, str | None)
