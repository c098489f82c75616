"""client.knowledge_base.v1.dataset: create, list (+ pager), get, update, delete, retrieve; sync and async, replayed
from the real server's transcripts (Dify 1.14.1), with the dataset key."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from dify_oapi.api.knowledge_base.v1.model.dataset import (
    CreateDatasetRequest,
    Dataset,
    DatasetList,
    DeleteDatasetRequest,
    GetDatasetRequest,
    ListDatasetsRequest,
    PartialMember,
    RetrievalQuery,
    RetrieveRequest,
    RetrieveResult,
    SummaryIndexSetting,
    UpdateDatasetRequest,
)
from dify_oapi.api.knowledge_base.v1.model.retrieval import (
    ExternalRetrievalModel,
    KeywordSetting,
    MetadataCondition,
    MetadataFilteringConditions,
    RerankingModel,
    RetrievalModel,
    RetrievalWeights,
    VectorSetting,
)
from dify_oapi.core.errors import (
    BadRequestError,
    ConflictError,
    DatasetNameDuplicateError,
    InternalServerError,
    InvalidParamError,
    InvalidRequestError,
    NotFoundError,
    UnauthorizedError,
)
from dify_oapi.core.model import SimpleResult
from tests.api.knowledge_base._more_support import check_sent, run
from tests.support import DATASET_KEY, Recorder, make_client, recorded, transcript, transcript_response

DS = "36608bde-4b2d-4703-b0a8-9584a6e9d0c5"


def _dataset(rec: Recorder, **options: Any) -> Any:
    return make_client(rec, **options).knowledge_base.v1.dataset


# ---- create -----------------------------------------------------------------------------------------------------


async def test_create_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_create"))
    req = (
        CreateDatasetRequest.builder()
        .name("SDK Fixture KB 87928")
        .description("Knowledge base for SDK fixtures")
        .indexing_technique("economy")
        .permission("only_me")
        .build()
    )
    ds = await run(mode, _dataset(recorder), "create", req)
    check_sent(recorder, "POST", "/datasets", body=recorded("ds_create")["body"])
    assert isinstance(ds, Dataset) and ds.id == DS and ds.name == "SDK Fixture KB 87928"
    assert ds.indexing_technique == "economy" and ds.permission == "only_me" and ds.document_count == 0
    assert ds.created_at == 1795387928 and ds.embedding_model is None and ds.runtime_mode == "general"
    assert ds.retrieval_model_dict is not None and ds.retrieval_model_dict.search_method == "semantic_search"
    assert ds.retrieval_model_dict.top_k == 2 and ds.retrieval_model_dict.reranking_model is not None
    assert ds.external_retrieval_model is not None and ds.external_retrieval_model.score_threshold == 0.0
    assert ds.external_knowledge_info is not None and ds.external_knowledge_info.external_knowledge_id is None
    assert ds.summary_index_setting is not None and ds.summary_index_setting.enable is None
    assert ds.tags == [] and ds.doc_metadata == [] and ds.enable_api is True


async def test_create_with_every_field(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"id": "d-1", "created_at": "2026-11-22T22:52:08+00:00"}))
    retrieval = (
        RetrievalModel.builder()
        .search_method("hybrid_search")
        .reranking_enable(True)
        .reranking_mode("weighted_score")
        .reranking_model(RerankingModel.builder().reranking_provider_name("langgenius/cohere/cohere").build())
        .weights(
            RetrievalWeights.builder()
            .weight_type("customized")
            .vector_setting(VectorSetting.builder().vector_weight(0.7).embedding_model_name("e-1").build())
            .keyword_setting(KeywordSetting.builder().keyword_weight(0.3).build())
            .build()
        )
        .top_k(4)
        .score_threshold_enabled(True)
        .score_threshold(0.5)
        .build()
    )
    req = (
        CreateDatasetRequest.builder()
        .name("kb")
        .indexing_technique("high_quality")
        .permission("all_team_members")
        .provider("vendor")
        .embedding_model("text-embedding-3-small")
        .embedding_model_provider("langgenius/openai/openai")
        .retrieval_model(retrieval)
        .summary_index_setting(SummaryIndexSetting.builder().enable(False).build())
        .build()
    )
    ds = await run(mode, _dataset(recorder), "create", req)
    check_sent(
        recorder,
        "POST",
        "/datasets",
        body={
            "name": "kb",
            "indexing_technique": "high_quality",
            "permission": "all_team_members",
            "provider": "vendor",
            "embedding_model": "text-embedding-3-small",
            "embedding_model_provider": "langgenius/openai/openai",
            "retrieval_model": {
                "search_method": "hybrid_search",
                "reranking_enable": True,
                "reranking_mode": "weighted_score",
                "reranking_model": {"reranking_provider_name": "langgenius/cohere/cohere"},
                "weights": {
                    "weight_type": "customized",
                    "vector_setting": {"vector_weight": 0.7, "embedding_model_name": "e-1"},
                    "keyword_setting": {"keyword_weight": 0.3},
                },
                "top_k": 4,
                "score_threshold_enabled": True,
                "score_threshold": 0.5,
            },
            "summary_index_setting": {"enable": False},
        },
    )
    assert ds.id == "d-1" and ds.created_at == 1795387928


async def test_create_duplicate_raises_and_is_not_retried(mode: str, recorder: Recorder) -> None:
    recorder.default = lambda _: transcript_response("ds_create_duplicate")
    req = CreateDatasetRequest.builder().name("SDK Fixture KB 87928").indexing_technique("economy").build()
    with pytest.raises(DatasetNameDuplicateError) as info:
        await run(mode, _dataset(recorder), "create", req)
    assert isinstance(info.value, ConflictError) and info.value.status_code == 409
    assert info.value.code == "dataset_name_duplicate" and "already exists" in info.value.message
    assert len(recorder.requests) == 1
    check_sent(recorder, "POST", "/datasets", body=recorded("ds_create_duplicate")["body"])


async def test_create_name_too_long_is_the_servers_400(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_create_name_too_long"))
    req = CreateDatasetRequest.builder().name("x" * 41).build()  # the server owns the limit
    with pytest.raises(InvalidParamError) as info:
        await run(mode, _dataset(recorder), "create", req)
    assert info.value.status_code == 400 and "at most 40 characters" in info.value.message
    check_sent(recorder, "POST", "/datasets", body=recorded("ds_create_name_too_long")["body"])


def test_create_needs_a_name() -> None:
    with pytest.raises(InvalidRequestError, match="name is required"):
        CreateDatasetRequest.builder().description("d").build()


# ---- list ---------------------------------------------------------------------------------------------------------


async def test_list_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_list"))
    page = await run(mode, _dataset(recorder), "list", ListDatasetsRequest.builder().page(1).limit(20).build())
    check_sent(recorder, "GET", "/datasets", query=[("page", "1"), ("limit", "20")])
    assert recorded("ds_list")["query"] == {"page": "1", "limit": "20"}
    assert isinstance(page, DatasetList) and page.total == 1 and page.page == 1 and page.has_more is False
    assert [d.id for d in page.data] == [DS] and page.data[0].embedding_available is True


async def test_list_every_filter_repeats_tag_ids(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"data": [], "has_more": False}))
    req = ListDatasetsRequest.builder().keyword("kb").tag_ids(["t-1", "t-2"]).include_all(True).page(2).limit(5)
    await run(mode, _dataset(recorder), "list", req.build())
    check_sent(
        recorder,
        "GET",
        "/datasets",
        query=[("keyword", "kb"), ("tag_ids", "t-1"), ("tag_ids", "t-2"), ("include_all", "true"), ("page", "2"),
               ("limit", "5")],
    )  # fmt: skip
    assert recorder.last.url.query == b"keyword=kb&tag_ids=t-1&tag_ids=t-2&include_all=true&page=2&limit=5"


async def test_list_filtered_by_tag_is_a_400_on_1_14_1(mode: str, recorder: Recorder) -> None:
    """Dify 1.14.1 validates ``request.args.to_dict()``: ``tag_ids`` arrives as a string and is rejected."""
    recorder.default = lambda _: transcript_response("ds_list_filtered_by_tag")
    tag = recorded("ds_list_filtered_by_tag")["query"]["tag_ids"]
    with pytest.raises(InvalidParamError) as info:
        await run(mode, _dataset(recorder), "list", ListDatasetsRequest.builder().tag_ids([tag]).build())
    assert "valid list" in info.value.message and len(recorder.requests) == 1
    check_sent(recorder, "GET", "/datasets", query=[("tag_ids", tag)])


async def test_app_key_on_the_dataset_api_is_unauthorized(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("err_app_key_on_dataset_api"))
    with pytest.raises(UnauthorizedError) as info:
        await run(mode, _dataset(recorder, dataset_api_key="app-wrong-kind"), "list", None)
    assert info.value.status_code == 401 and "***" not in info.value.message
    assert recorder.last.headers["authorization"] == "Bearer app-wrong-kind"
    assert recorder.last.url.path == "/v1/datasets" and recorder.last.url.query == b""


def _datasets_page(ids: list[str], page: int, has_more: bool) -> httpx.Response:
    data = [{"id": i, "name": i, "created_at": 1795387928.5} for i in ids]
    return httpx.Response(200, json={"data": data, "has_more": has_more, "page": page, "limit": 2, "total": 3})


def test_iter_walks_every_page(recorder: Recorder) -> None:
    recorder.answers += [_datasets_page(["a", "b"], 1, True), _datasets_page(["c"], 2, False)]
    items = list(_dataset(recorder).iter(ListDatasetsRequest.builder().limit(2).keyword("k").build()))
    assert [d.id for d in items] == ["a", "b", "c"] and items[0].created_at == 1795387928
    assert [list(r.url.params.multi_items()) for r in recorder.requests] == [
        [("keyword", "k"), ("limit", "2")],
        [("keyword", "k"), ("page", "2"), ("limit", "2")],
    ]
    assert all(r.headers["authorization"] == f"Bearer {DATASET_KEY}" for r in recorder.requests)


async def test_aiter_walks_every_page(recorder: Recorder) -> None:
    recorder.answers += [_datasets_page(["a", "b"], 1, True), _datasets_page(["c"], 2, False)]
    items = [d.id async for d in _dataset(recorder).aiter(ListDatasetsRequest.builder().limit(2).build())]
    assert items == ["a", "b", "c"] and len(recorder.requests) == 2
    assert recorder.requests[1].url.params["page"] == "2"


# ---- get / update / delete ------------------------------------------------------------------------------------


async def test_get_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_get"))
    ds = await run(mode, _dataset(recorder), "get", GetDatasetRequest.builder().dataset_id(DS).build())
    check_sent(recorder, "GET", f"/datasets/{DS}")
    assert ds.id == DS and ds.retrieval_model_dict is not None
    assert ds.retrieval_model_dict.search_method == "keyword_search"


async def test_get_deleted_is_not_found(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_get_deleted"))
    with pytest.raises(NotFoundError) as info:
        await run(mode, _dataset(recorder), "get", GetDatasetRequest.builder().dataset_id(DS).build())
    assert info.value.code == "not_found" and info.value.message == "Dataset not found."
    assert len(recorder.requests) == 1


async def test_update_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_update"))
    req = UpdateDatasetRequest.builder().dataset_id(DS).description("Updated description").build()
    ds = await run(mode, _dataset(recorder), "update", req)
    check_sent(recorder, "PATCH", f"/datasets/{DS}", body=recorded("ds_update")["body"])
    assert ds.description == "Updated description" and ds.partial_member_list == []


async def test_update_with_every_field(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"id": DS, "partial_member_list": ["u-1"]}))
    req = (
        UpdateDatasetRequest.builder()
        .dataset_id(DS)
        .name("renamed")
        .indexing_technique("high_quality")
        .permission("partial_members")
        .partial_member_list([PartialMember.builder().user_id("u-1").build()])
        .embedding_model("e")
        .embedding_model_provider("langgenius/openai/openai")
        .retrieval_model(
            RetrievalModel.builder().search_method("semantic_search").reranking_enable(False).top_k(3)
            .score_threshold_enabled(False).build()
        )
        .external_retrieval_model(ExternalRetrievalModel.builder().top_k(2).score_threshold_enabled(False).build())
        .external_knowledge_id("ek")
        .external_knowledge_api_id("eapi")
        .description(None)
        .build()
    )  # fmt: skip
    ds = await run(mode, _dataset(recorder), "update", req)
    check_sent(
        recorder,
        "PATCH",
        f"/datasets/{DS}",
        body={
            "name": "renamed",
            "indexing_technique": "high_quality",
            "permission": "partial_members",
            "partial_member_list": [{"user_id": "u-1"}],
            "embedding_model": "e",
            "embedding_model_provider": "langgenius/openai/openai",
            "retrieval_model": {
                "search_method": "semantic_search", "reranking_enable": False, "top_k": 3,
                "score_threshold_enabled": False,
            },
            "external_retrieval_model": {"top_k": 2, "score_threshold_enabled": False},
            "external_knowledge_id": "ek",
            "external_knowledge_api_id": "eapi",
            "description": None,
        },
    )  # fmt: skip
    assert ds.partial_member_list == ["u-1"]


async def test_delete_replay_204(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_delete"))
    result = await run(mode, _dataset(recorder), "delete", DeleteDatasetRequest.builder().dataset_id(DS).build())
    check_sent(recorder, "DELETE", f"/datasets/{DS}")
    assert transcript("ds_delete")["response"]["status"] == 204
    assert isinstance(result, SimpleResult) and result.result == "success"


def test_path_ids_are_checked_and_encoded(recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"id": "a/b"}))
    _dataset(recorder).get(GetDatasetRequest.builder().dataset_id("a/b").build())
    assert recorder.last.url.raw_path == b"/v1/datasets/a%2Fb"
    with pytest.raises(InvalidRequestError):
        _dataset(recorder).get(GetDatasetRequest.builder().dataset_id("..").build())
    assert len(recorder.requests) == 1


# ---- retrieve ---------------------------------------------------------------------------------------------------


def _keyword_model() -> RetrievalModel:
    return (
        RetrievalModel.builder()
        .search_method("keyword_search")
        .reranking_enable(False)
        .top_k(3)
        .score_threshold_enabled(False)
        .build()
    )


async def test_retrieve_keyword_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_retrieve_keyword"))
    req = RetrieveRequest.builder().dataset_id(DS).query("keyword segments").retrieval_model(_keyword_model()).build()
    result = await run(mode, _dataset(recorder), "retrieve", req)
    check_sent(recorder, "POST", f"/datasets/{DS}/retrieve", body=recorded("ds_retrieve_keyword")["body"])
    assert isinstance(result, RetrieveResult) and result.query == "keyword segments"
    assert result.query_text == "keyword segments" and len(result.records) == 1
    record = result.records[0]
    seg = record.segment
    assert seg.id == "64fb79d4-f477-485d-9263-f3493c412132" and seg.keywords == ["segments", "edit"]
    assert seg.content == "Segments can be added and edited through the API." and seg.created_at is None
    assert seg.completed_at == 1795387938 and seg.document is not None and seg.document.id is None
    assert record.score == 0.0 and record.child_chunks == [] and record.files == []


async def test_retrieve_spec_shape_and_metadata_filter(mode: str, recorder: Recorder) -> None:
    answer = {
        "query": {"content": "What is Dify?"},
        "records": [
            {
                "segment": {"id": "s-1", "document": {"id": "d-1", "name": "guide.txt", "doc_metadata": {"a": 1}}},
                "child_chunks": [{"id": "c-1", "content": "x", "position": 1, "score": 0.5}],
                "score": 0.92,
                "files": [{"id": "f", "name": "a.png", "size": 3}],
                "new_field": True,
            }
        ],
    }
    recorder.answers.append(httpx.Response(200, json=answer))
    filtering = (
        MetadataFilteringConditions.builder()
        .logical_operator("or")
        .conditions(
            [
                MetadataCondition.builder().name("writer").comparison_operator("is").value("Ada").build(),
                MetadataCondition.builder().name("year").comparison_operator("≥").value(1843).build(),
                MetadataCondition.builder().name("tag").comparison_operator("in").value(["a", "b"]).build(),
                MetadataCondition.builder().name("note").comparison_operator("empty").build(),
            ]
        )
        .build()
    )
    model = (
        RetrievalModel.builder()
        .search_method("keyword_search")
        .reranking_enable(False)
        .top_k(2)
        .score_threshold_enabled(False)
        .metadata_filtering_conditions(filtering)
        .build()
    )
    req = RetrieveRequest.builder().dataset_id(DS).query("What is Dify?").retrieval_model(model)
    result = await run(mode, _dataset(recorder), "retrieve", req.attachment_ids(["att-1"]).build())
    check_sent(
        recorder,
        "POST",
        f"/datasets/{DS}/retrieve",
        body={
            "query": "What is Dify?",
            "retrieval_model": {
                "search_method": "keyword_search", "reranking_enable": False, "top_k": 2,
                "score_threshold_enabled": False,
                "metadata_filtering_conditions": {
                    "logical_operator": "or",
                    "conditions": [
                        {"name": "writer", "comparison_operator": "is", "value": "Ada"},
                        {"name": "year", "comparison_operator": "≥", "value": 1843},
                        {"name": "tag", "comparison_operator": "in", "value": ["a", "b"]},
                        {"name": "note", "comparison_operator": "empty"},
                    ],
                },
            },
            "attachment_ids": ["att-1"],
        },
    )  # fmt: skip
    assert isinstance(result.query, RetrievalQuery) and result.query_text == "What is Dify?"
    record = result.records[0]
    assert record.score == 0.92 and record.child_chunks is not None and record.child_chunks[0].score == 0.5
    assert record.segment.document is not None and record.segment.document.name == "guide.txt"
    assert record.model_extra == {"new_field": True}


async def test_retrieve_without_model_is_the_servers_400(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_retrieve_default_model"))
    with pytest.raises(InvalidParamError, match="Default model not found") as info:
        await run(
            mode, _dataset(recorder), "retrieve", RetrieveRequest.builder().dataset_id(DS).query("keyword").build()
        )
    assert isinstance(info.value, BadRequestError) and len(recorder.requests) == 1
    check_sent(recorder, "POST", f"/datasets/{DS}/retrieve", body=recorded("ds_retrieve_default_model")["body"])


async def test_retrieve_is_retried_like_a_read(mode: str, recorder: Recorder) -> None:
    """A retrieve changes nothing: a 500 is retried (a create is not)."""
    recorder.answers += [httpx.Response(500, json={"code": "internal_server_error", "message": "x", "status": 500})]
    recorder.answers.append(transcript_response("ds_retrieve_keyword"))
    req = RetrieveRequest.builder().dataset_id(DS).query("keyword segments").retrieval_model(_keyword_model()).build()
    result = await run(mode, _dataset(recorder), "retrieve", req)
    assert len(recorder.requests) == 2 and recorder.bodies[0] == recorder.bodies[1] and result.records

    recorder.answers.append(httpx.Response(500, json={"code": "internal_server_error", "message": "x", "status": 500}))
    with pytest.raises(InternalServerError):
        await run(mode, _dataset(recorder), "create", CreateDatasetRequest.builder().name("n").build())
    assert len(recorder.requests) == 3


def test_retrieval_model_needs_the_servers_required_fields() -> None:
    with pytest.raises(InvalidRequestError) as info:
        RetrievalModel.builder().search_method("keyword_search").build()
    text = str(info.value)
    assert "reranking_enable is required" in text and "top_k is required" in text
    assert "score_threshold_enabled is required" in text
