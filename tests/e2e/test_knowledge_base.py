"""client.knowledge_base.v1 end to end against the built-in server's stateful knowledge base, sync and async."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest

from dify_oapi import AuthenticationError, Client, NotFoundError
from dify_oapi.api.knowledge_base.v1.model.child_chunk import (
    CreateChildChunkRequest,
    DeleteChildChunkRequest,
    ListChildChunksRequest,
    UpdateChildChunkRequest,
)
from dify_oapi.api.knowledge_base.v1.model.dataset import (
    CreateDatasetRequest,
    DeleteDatasetRequest,
    GetDatasetRequest,
    ListDatasetsRequest,
    RetrieveRequest,
    UpdateDatasetRequest,
)
from dify_oapi.api.knowledge_base.v1.model.document import (
    CreateDocumentByFileRequest,
    CreateDocumentByTextRequest,
    DeleteDocumentRequest,
    DocumentFileData,
    DownloadDocumentRequest,
    DownloadDocumentsZipRequest,
    GetDocumentRequest,
    GetIndexingStatusRequest,
    IndexingStatusList,
    ListDocumentsRequest,
    ProcessRule,
    UpdateDocumentByFileRequest,
    UpdateDocumentByTextRequest,
    UpdateDocumentStatusRequest,
)
from dify_oapi.api.knowledge_base.v1.model.metadata import (
    CreateMetadataRequest,
    DeleteMetadataRequest,
    DocumentMetadataOperation,
    DocumentMetadataValue,
    ListBuiltInMetadataRequest,
    ListMetadataRequest,
    RenameMetadataRequest,
    ToggleBuiltInMetadataRequest,
    UpdateDocumentsMetadataRequest,
)
from dify_oapi.api.knowledge_base.v1.model.model import ListModelsRequest
from dify_oapi.api.knowledge_base.v1.model.pipeline import (
    DatasourceCompletedEvent,
    DatasourceProcessingEvent,
    ListDatasourcePluginsRequest,
    LocalFileDatasource,
    PipelineRunResult,
    RunDatasourceNodeRequest,
    RunPipelineRequest,
    UploadPipelineFileRequest,
)
from dify_oapi.api.knowledge_base.v1.model.retrieval import RetrievalModel
from dify_oapi.api.knowledge_base.v1.model.segment import (
    CreateSegmentsRequest,
    DeleteSegmentRequest,
    GetSegmentRequest,
    ListSegmentsRequest,
    SegmentInput,
    SegmentUpdate,
    UpdateSegmentRequest,
)
from dify_oapi.api.knowledge_base.v1.model.tag import (
    BindTagsRequest,
    CreateTagRequest,
    DeleteTagRequest,
    ListDatasetTagsRequest,
    ListTagsRequest,
    RenameTagRequest,
    UnbindTagsRequest,
)
from dify_oapi.core.errors import DatasetNameDuplicateError
from dify_oapi.testing import DifyTestServer

from .harness import Api

MakeApi = Callable[..., Api]

TEXT = "Apples are red and sweet.\n\nBananas are yellow.\n\nCherries are small and red."
ECONOMY = DocumentFileData.builder().indexing_technique("economy").process_rule(ProcessRule(mode="automatic")).build()


async def new_dataset(api: Api, name: str) -> str:
    created = await api.call(
        api.client.knowledge_base.v1.dataset, "create",
        CreateDatasetRequest.builder().name(name).indexing_technique("economy").permission("only_me").build(),
    )  # fmt: skip
    assert created.name == name and created.id
    return str(created.id)


async def indexed(api: Api, dataset_id: str, batch: str) -> IndexingStatusList:
    """Wait (the SDK's own polling) until the batch is indexed, checking that progress only goes forward."""
    order = ["waiting", "parsing", "cleaning", "splitting", "indexing", "completed"]
    seen: list[str] = []
    status = await api.call(
        api.client.knowledge_base.v1.document, "wait_for_indexing", dataset_id, batch,
        timeout=10, interval=0.01, max_interval=0.02,
        on_progress=lambda s: seen.extend(str(d.indexing_status) for d in s.data),
    )  # fmt: skip
    assert seen and seen[-1] == "completed" and seen == sorted(seen, key=order.index)
    assert all(d.indexing_status == "completed" for d in status.data)
    return status


async def test_datasets(make_api: MakeApi, mode: str) -> None:
    api = make_api()
    kb = api.client.knowledge_base.v1
    name = f"Product docs {mode}"
    ds = await new_dataset(api, name)
    with pytest.raises(DatasetNameDuplicateError) as duplicate:
        await api.call(kb.dataset, "create", CreateDatasetRequest.builder().name(name).build())
    assert duplicate.value.status_code == 409
    other = await new_dataset(api, f"Other {mode}")

    page = await api.call(kb.dataset, "list", ListDatasetsRequest.builder().keyword(f"docs {mode}").build())
    assert [d.id for d in page.data] == [ds] and page.total == 1
    every = await api.items(kb.dataset, "iter", ListDatasetsRequest.builder().limit(1).build())
    assert {ds, other} <= {d.id for d in every} and len(every) == len({d.id for d in every})

    updated = await api.call(
        kb.dataset, "update",
        UpdateDatasetRequest.builder().dataset_id(ds).name(f"Renamed docs {mode}").description("All the docs").build(),
    )  # fmt: skip
    assert updated.id == ds and updated.name == f"Renamed docs {mode}"
    got = await api.call(kb.dataset, "get", GetDatasetRequest.builder().dataset_id(ds).build())
    assert (got.name, got.description, got.indexing_technique) == (f"Renamed docs {mode}", "All the docs", "economy")

    created = await api.call(
        kb.document, "create_by_text",
        CreateDocumentByTextRequest.builder().dataset_id(ds).name("fruit.txt").text(TEXT).indexing_technique("economy"),
    )  # fmt: skip
    await indexed(api, ds, created.batch)
    keyword = (
        RetrievalModel.builder()
        .search_method("keyword_search")
        .reranking_enable(False)
        .top_k(2)
        .score_threshold_enabled(False)
    )
    hits = await api.call(
        kb.dataset, "retrieve",
        RetrieveRequest.builder().dataset_id(ds).query("yellow bananas").retrieval_model(keyword.build()).build(),
    )  # fmt: skip
    assert hits.query_text == "yellow bananas"
    assert hits.records[0].segment.content == "Bananas are yellow."
    assert hits.records[0].score == 1.0 and hits.records[0].segment.document is not None
    assert hits.records[0].segment.document.name == "fruit.txt"
    red = await api.call(kb.dataset, "retrieve", RetrieveRequest.builder().dataset_id(ds).query("red").build())
    assert {r.segment.content for r in red.records} == {"Apples are red and sweet.", "Cherries are small and red."}

    models = await api.call(kb.model, "list", ListModelsRequest.builder().model_type("text-embedding").build())
    assert models.data and models.data[0].models[0].model_type == "text-embedding"

    deleted = await api.call(kb.dataset, "delete", DeleteDatasetRequest.builder().dataset_id(ds).build())
    assert deleted.result == "success"
    with pytest.raises(NotFoundError):
        await api.call(kb.dataset, "get", GetDatasetRequest.builder().dataset_id(ds).build())
    remaining = await api.items(kb.dataset, "iter", ListDatasetsRequest.builder().build())
    assert ds not in {d.id for d in remaining} and other in {d.id for d in remaining}
    # the name is free again
    again = await new_dataset(api, name)
    await api.call(kb.dataset, "delete", DeleteDatasetRequest.builder().dataset_id(again).build())


async def test_documents(make_api: MakeApi, server: DifyTestServer, mode: str) -> None:
    api = make_api()
    document = api.client.knowledge_base.v1.document
    ds = await new_dataset(api, f"Documents {mode}")

    by_text = await api.call(
        document, "create_by_text",
        CreateDocumentByTextRequest.builder().dataset_id(ds).name("fruit.txt").text(TEXT).indexing_technique("economy")
        .build(),
    )  # fmt: skip
    doc = by_text.document.id
    assert by_text.document.name == "fruit.txt" and by_text.batch
    status = await indexed(api, ds, by_text.batch)
    assert status.data[0].id == doc and status.data[0].completed_segments == status.data[0].total_segments == 3
    polled = await api.call(
        document, "get_indexing_status", GetIndexingStatusRequest.builder().dataset_id(ds).batch(by_text.batch).build()
    )
    assert [(d.id, d.indexing_status) for d in polled.data] == [(doc, "completed")]

    by_file = await api.call(
        document, "create_by_file",
        CreateDocumentByFileRequest.builder().dataset_id(ds)
        .file(("notes.md", b"# Notes\n\nFigs are purple.", "text/markdown")).data(ECONOMY).build(),
    )  # fmt: skip
    await indexed(api, ds, by_file.batch)
    file_doc = by_file.document.id
    assert by_file.document.name == "notes.md"

    page = await api.call(document, "list", ListDocumentsRequest.builder().dataset_id(ds).limit(1).build())
    assert page.total == 2 and len(page.data) == 1 and page.has_more
    every = await api.items(document, "iter", ListDocumentsRequest.builder().dataset_id(ds).limit(1).build())
    assert {d.id for d in every} == {doc, file_doc}
    found = await api.call(document, "list", ListDocumentsRequest.builder().dataset_id(ds).keyword("notes").build())
    assert [d.id for d in found.data] == [file_doc]

    detail = await api.call(document, "get", GetDocumentRequest.builder().dataset_id(ds).document_id(doc).build())
    assert detail.id == doc and detail.name == "fruit.txt" and detail.indexing_status == "completed"
    assert detail.display_status == "available" and detail.enabled

    renamed = await api.call(
        document, "update_by_text",
        UpdateDocumentByTextRequest.builder().dataset_id(ds).document_id(doc).name("fruit-v2.txt")
        .text("Grapes are green.\n\nLemons are sour.").build(),
    )  # fmt: skip
    assert renamed.document.id == doc and renamed.batch
    await indexed(api, ds, renamed.batch)
    segments = await api.items(
        api.client.knowledge_base.v1.segment,
        "iter",
        ListSegmentsRequest.builder().dataset_id(ds).document_id(doc).build(),
    )
    assert [s.content for s in segments] == ["Grapes are green.", "Lemons are sour."]

    for name, content in (("update", b"Kiwis are fuzzy."), ("update_by_file", b"Mangos are ripe.")):
        replaced = await api.call(
            document, name,
            UpdateDocumentByFileRequest.builder().dataset_id(ds).document_id(file_doc)
            .file((f"{name}.txt", content, "text/plain")).data(ECONOMY).build(),
        )  # fmt: skip
        assert replaced.document.id == file_doc
        await indexed(api, ds, replaced.batch)
        got = await api.call(document, "get", GetDocumentRequest.builder().dataset_id(ds).document_id(file_doc).build())
        assert got.name == f"{name}.txt"
    assert [r.method for r in server.requests_to(f"/datasets/{ds}/documents/{file_doc}*") if r.files] == [
        "PATCH",
        "POST",
    ]

    link = await api.call(
        document, "download", DownloadDocumentRequest.builder().dataset_id(ds).document_id(file_doc).build()
    )
    assert link.url.startswith("http://127.0.0.1:")
    assert await api.fetch(link.url) == b"Mangos are ripe."  # the signed link serves the new file
    zipped, response = await api.binary(
        document,
        "download_zip",
        DownloadDocumentsZipRequest.builder().dataset_id(ds).document_ids([doc, file_doc]).build(),
    )
    assert response.content_type == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(zipped))
    assert archive.read("update_by_file.txt") == b"Mangos are ripe."
    assert archive.read("fruit-v2.txt").startswith(b"Grapes")

    disabled = await api.call(
        document, "update_status",
        UpdateDocumentStatusRequest.builder().dataset_id(ds).action("disable").document_ids([doc]).build(),
    )  # fmt: skip
    assert disabled.result == "success"
    got = await api.call(document, "get", GetDocumentRequest.builder().dataset_id(ds).document_id(doc).build())
    assert got.enabled is False and got.display_status == "disabled"
    hits = await api.call(
        api.client.knowledge_base.v1.dataset, "retrieve", RetrieveRequest(dataset_id=ds, query="grapes")
    )
    assert hits.records == []
    await api.call(
        document, "update_status",
        UpdateDocumentStatusRequest.builder().dataset_id(ds).action("enable").document_ids([doc]).build(),
    )  # fmt: skip
    hits = await api.call(
        api.client.knowledge_base.v1.dataset, "retrieve", RetrieveRequest(dataset_id=ds, query="grapes")
    )
    assert [r.segment.content for r in hits.records] == ["Grapes are green."]

    gone = await api.call(document, "delete", DeleteDocumentRequest.builder().dataset_id(ds).document_id(doc).build())
    assert gone.result == "success"
    with pytest.raises(NotFoundError):
        await api.call(document, "get", GetDocumentRequest.builder().dataset_id(ds).document_id(doc).build())
    left = await api.call(document, "list", ListDocumentsRequest.builder().dataset_id(ds).build())
    assert [d.id for d in left.data] == [file_doc]


async def test_segments_and_child_chunks(make_api: MakeApi, mode: str) -> None:
    api = make_api()
    kb = api.client.knowledge_base.v1
    ds = await new_dataset(api, f"Segments {mode}")
    created = await api.call(
        kb.document, "create_by_text",
        CreateDocumentByTextRequest.builder().dataset_id(ds).name("s.txt").text(TEXT).indexing_technique("economy").build(),
    )  # fmt: skip
    await indexed(api, ds, created.batch)
    doc = created.document.id
    where = {"dataset_id": ds, "document_id": doc}

    added = await api.call(
        kb.segment, "create",
        CreateSegmentsRequest.builder().dataset_id(ds).document_id(doc).segments([
            SegmentInput.builder().content("Dates are sticky.").keywords(["dates"]).build(),
            SegmentInput(content="Elderberries are dark."),
        ]).build(),
    )  # fmt: skip
    assert [s.content for s in added.data] == ["Dates are sticky.", "Elderberries are dark."]
    assert added.data[0].keywords == ["dates"]
    page = await api.call(
        kb.segment, "list", ListSegmentsRequest.builder().dataset_id(ds).document_id(doc).limit(2).build()
    )
    assert page.total == 5 and len(page.data) == 2 and page.has_more
    every = await api.items(kb.segment, "iter", ListSegmentsRequest(**where, limit=2))
    assert [s.content for s in every][-2:] == ["Dates are sticky.", "Elderberries are dark."] and len(every) == 5

    seg = added.data[0].id
    got = await api.call(kb.segment, "get", GetSegmentRequest(**where, segment_id=seg))
    assert got.data.id == seg and got.data.content == "Dates are sticky."
    changed = await api.call(
        kb.segment, "update",
        UpdateSegmentRequest(**where, segment_id=seg, segment=SegmentUpdate.builder().content("Dates are very sweet.").build()),
    )  # fmt: skip
    assert changed.data.id == seg and changed.data.content == "Dates are very sweet."
    hits = await api.call(kb.dataset, "retrieve", RetrieveRequest(dataset_id=ds, query="sweet dates"))
    assert hits.records[0].segment.id == seg

    removed = await api.call(kb.segment, "delete", DeleteSegmentRequest(**where, segment_id=added.data[1].id))
    assert removed.result == "success"
    with pytest.raises(NotFoundError):
        await api.call(kb.segment, "get", GetSegmentRequest(**where, segment_id=added.data[1].id))

    chunk_where = {**where, "segment_id": seg}
    first = await api.call(
        kb.child_chunk, "create", CreateChildChunkRequest(**chunk_where, content="Dates grow on palms.")
    )
    second = await api.call(
        kb.child_chunk, "create",
        CreateChildChunkRequest.builder().dataset_id(ds).document_id(doc).segment_id(seg).content("Dates keep well.").build(),
    )  # fmt: skip
    assert first.data.content == "Dates grow on palms." and first.data.type == "customized"
    chunks = await api.call(kb.child_chunk, "list", ListChildChunksRequest(**chunk_where, limit=1))
    assert chunks.total == 2 and [c.id for c in chunks.data] == [first.data.id]
    walked = await api.items(kb.child_chunk, "iter", ListChildChunksRequest(**chunk_where, limit=1))
    assert [c.id for c in walked] == [first.data.id, second.data.id]
    edited = await api.call(
        kb.child_chunk,
        "update",
        UpdateChildChunkRequest(**chunk_where, child_chunk_id=second.data.id, content="Dates dry well."),
    )
    assert edited.data.id == second.data.id and edited.data.content == "Dates dry well."
    dropped = await api.call(
        kb.child_chunk, "delete", DeleteChildChunkRequest(**chunk_where, child_chunk_id=first.data.id)
    )
    assert dropped.result == "success"
    walked = await api.items(kb.child_chunk, "iter", ListChildChunksRequest(**chunk_where))
    assert [(c.id, c.content) for c in walked] == [(second.data.id, "Dates dry well.")]


async def test_tags_and_metadata(make_api: MakeApi, mode: str) -> None:
    api = make_api()
    kb = api.client.knowledge_base.v1
    ds = await new_dataset(api, f"Tagged {mode}")
    created = await api.call(
        kb.document, "create_by_text",
        CreateDocumentByTextRequest.builder().dataset_id(ds).name("m.txt").text(TEXT).indexing_technique("economy").build(),
    )  # fmt: skip
    doc = created.document.id

    tag = await api.call(kb.tag, "create", CreateTagRequest.builder().name(f"fruit-{mode}").build())
    assert tag.name == f"fruit-{mode}" and tag.type == "knowledge"
    renamed = await api.call(
        kb.tag, "rename", RenameTagRequest.builder().tag_id(tag.id).name(f"produce-{mode}").build()
    )
    assert (renamed.id, renamed.name) == (tag.id, f"produce-{mode}")
    bound = await api.call(kb.tag, "bind", BindTagsRequest.builder().tag_ids([tag.id]).target_id(ds).build())
    assert bound.result == "success"
    of_dataset = await api.call(kb.tag, "list_of_dataset", ListDatasetTagsRequest.builder().dataset_id(ds).build())
    assert [(t.id, t.name) for t in of_dataset.data] == [(tag.id, f"produce-{mode}")] and of_dataset.total == 1
    listed = await api.call(kb.tag, "list", ListTagsRequest())
    assert {t.id: t.binding_count for t in listed.data}[tag.id] == "1"
    dataset = await api.call(kb.dataset, "get", GetDatasetRequest(dataset_id=ds))
    assert [t.id for t in dataset.tags] == [tag.id]
    await api.call(kb.tag, "unbind", UnbindTagsRequest.builder().tag_ids([tag.id]).target_id(ds).build())
    of_dataset = await api.call(kb.tag, "list_of_dataset", ListDatasetTagsRequest(dataset_id=ds))
    assert of_dataset.data == [] and of_dataset.total == 0
    gone = await api.call(kb.tag, "delete", DeleteTagRequest.builder().tag_id(tag.id).build())
    assert gone.result == "success"
    listed = await api.call(kb.tag, "list", ListTagsRequest())
    assert tag.id not in {t.id for t in listed.data}

    field = await api.call(
        kb.metadata, "create", CreateMetadataRequest.builder().dataset_id(ds).type("string").name("author").build()
    )
    assert field.name == "author" and field.type == "string"
    field = await api.call(
        kb.metadata,
        "rename",
        RenameMetadataRequest.builder().dataset_id(ds).metadata_id(field.id).name("writer").build(),
    )
    assert field.name == "writer"
    value = DocumentMetadataValue.builder().id(field.id).name("writer").value("Ada").build()
    done = await api.call(
        kb.metadata, "update_documents",
        UpdateDocumentsMetadataRequest.builder().dataset_id(ds).operation_data(
            [DocumentMetadataOperation.builder().document_id(doc).metadata_list([value]).build()]
        ).build(),
    )  # fmt: skip
    assert done.result == "success"
    detail = await api.call(kb.document, "get", GetDocumentRequest(dataset_id=ds, document_id=doc, metadata="only"))
    assert [(m.name, m.value) for m in detail.doc_metadata or [] if m.id == field.id] == [("writer", "Ada")]
    fields = await api.call(kb.metadata, "list", ListMetadataRequest.builder().dataset_id(ds).build())
    assert [(f.id, f.name, f.count) for f in fields.doc_metadata] == [(field.id, "writer", 1)]
    assert fields.built_in_field_enabled is False

    built_in = await api.call(kb.metadata, "list_built_in", ListBuiltInMetadataRequest.builder().dataset_id(ds).build())
    assert "document_name" in {f.name for f in built_in.fields}
    toggled = await api.call(
        kb.metadata, "toggle_built_in", ToggleBuiltInMetadataRequest.builder().dataset_id(ds).action("enable").build()
    )
    assert toggled.result == "success"
    fields = await api.call(kb.metadata, "list", ListMetadataRequest(dataset_id=ds))
    assert fields.built_in_field_enabled is True

    removed = await api.call(
        kb.metadata, "delete", DeleteMetadataRequest.builder().dataset_id(ds).metadata_id(field.id).build()
    )
    assert removed.result == "success"
    fields = await api.call(kb.metadata, "list", ListMetadataRequest(dataset_id=ds))
    assert fields.doc_metadata == []


async def test_pipeline(make_api: MakeApi, mode: str) -> None:
    api = make_api()
    kb = api.client.knowledge_base.v1
    ds = await new_dataset(api, f"Pipeline {mode}")

    up = await api.call(
        kb.pipeline,
        "upload",
        UploadPipelineFileRequest.builder().file(("report.txt", b"Quarterly report.", "text/plain")),
    )
    assert up.id and up.name == "report.txt" and up.size == len(b"Quarterly report.")

    plugins = await api.call(
        kb.pipeline, "list_datasource_plugins", ListDatasourcePluginsRequest.builder().dataset_id(ds).build()
    )
    node_id = plugins.data[0].node_id
    assert plugins.data[0].datasource_type == "local_file"

    browsed = await api.events(
        kb.pipeline, "run_datasource_node",
        RunDatasourceNodeRequest.builder().dataset_id(ds).node_id(node_id).inputs({}).datasource_type("local_file").build(),
    )  # fmt: skip
    assert isinstance(browsed[0], DatasourceProcessingEvent) and isinstance(browsed[-1], DatasourceCompletedEvent)
    assert up.id in {item["id"] for item in browsed[-1].data}

    def run(name: str) -> RunPipelineRequest:
        return (
            RunPipelineRequest.builder().dataset_id(ds).inputs({}).datasource_type("local_file").start_node_id(node_id)
            .datasource_info_list([LocalFileDatasource.builder().reference(up.id).name(name).build()]).is_published(True)
            .build()
        )  # fmt: skip

    blocking = await api.call(kb.pipeline, "run", run("blocking.txt"))
    assert isinstance(blocking, PipelineRunResult) and blocking.batch and blocking.dataset is not None
    assert blocking.dataset.id == ds and [d.name for d in blocking.documents] == ["blocking.txt"]
    first_ids = [d.id for d in blocking.documents]
    # Dify 1.14.1 answers the streaming run with the same JSON: the stream yields that one result
    streamed = await api.events(kb.pipeline, "stream", run("streamed.txt"))
    assert len(streamed) == 1 and isinstance(streamed[0], PipelineRunResult)
    assert [d.name for d in streamed[0].documents] == ["streamed.txt"]
    second_ids = [d.id for d in streamed[0].documents]
    docs = await api.items(kb.document, "iter", ListDocumentsRequest(dataset_id=ds))
    assert {d.id: d.name for d in docs} == {first_ids[0]: "blocking.txt", second_ids[0]: "streamed.txt"}


async def test_wrong_key(make_api: MakeApi, server: DifyTestServer) -> None:
    app_key_only = make_api(client=Client(base_url=server.url, dataset_api_key=server.app_key(), max_retries=0))
    with pytest.raises(AuthenticationError):
        await app_key_only.call(app_key_only.client.knowledge_base.v1.dataset, "list", ListDatasetsRequest())
