"""Knowledge base walkthrough: create a dataset, add every file of a folder, wait for indexing, list and edit
segments, retrieve, download the sources, clean up. Then the same start in asyncio.

Run with DIFY_BASE_URL (e.g. http://localhost/v1) and DIFY_DATASET_API_KEY (a knowledge base API key) set:
    python examples/knowledge_base_example.py [FOLDER]
FOLDER defaults to a temporary folder with two small text files. The dataset is economy (keyword index), so no
embedding model is needed.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from dify_oapi import Client
from dify_oapi.api.knowledge_base.v1.indexing import IndexingError
from dify_oapi.api.knowledge_base.v1.model.dataset import (
    CreateDatasetRequest,
    DeleteDatasetRequest,
    RetrieveRequest,
)
from dify_oapi.api.knowledge_base.v1.model.document import (
    CreateDocumentByFileRequest,
    CreateDocumentByTextRequest,
    DocumentFileData,
    DownloadDocumentsZipRequest,
    IndexingStatusList,
    ListDocumentsRequest,
    ProcessRule,
    UpdateDocumentStatusRequest,
)
from dify_oapi.api.knowledge_base.v1.model.retrieval import RetrievalModel
from dify_oapi.api.knowledge_base.v1.model.segment import (
    ListSegmentsRequest,
    SegmentUpdate,
    UpdateSegmentRequest,
)
from dify_oapi.core.errors import DatasetNameDuplicateError

SUFFIXES = {".txt", ".md", ".markdown", ".pdf", ".docx", ".html", ".csv"}


def sample_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="dify-kb-"))
    (folder / "intro.md").write_text("# Dify\n\nDify is an open-source platform for building LLM applications.\n")
    (folder / "keywords.txt").write_text("Keyword search finds segments that share terms with the query.\n")
    return folder


def show_progress(status: IndexingStatusList) -> None:
    print("  " + ", ".join(f"{d.indexing_status} {d.completed_segments}/{d.total_segments}" for d in status.data))


def main(folder: Path) -> None:
    with Client() as client:  # DIFY_BASE_URL / DIFY_DATASET_API_KEY from the environment
        kb = client.knowledge_base.v1

        # 1. An empty economy dataset (keyword index: no embedding model needed).
        name = f"SDK example {int(time.time())}"
        try:
            dataset = kb.dataset.create(
                CreateDatasetRequest.builder()
                .name(name)
                .description("Created by examples/knowledge_base_example.py")
                .indexing_technique("economy")
                .permission("only_me")
                .build()
            )
        except DatasetNameDuplicateError:
            sys.exit(f"a dataset named {name!r} already exists")
        ds = dataset.id
        print("dataset", ds, dataset.name)

        try:
            # 2. Every file of the folder, streamed from disk; one batch per file.
            settings = (
                DocumentFileData.builder()
                .indexing_technique("economy")
                .process_rule(ProcessRule.builder().mode("automatic").build())
                .build()
            )
            batches: list[str] = []
            for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES):
                created = kb.document.create_by_file(
                    CreateDocumentByFileRequest.builder().dataset_id(ds).file(path).data(settings).build()
                )
                print("uploaded", path.name, "-> document", created.document.id, "batch", created.batch)
                batches.append(created.batch)
            text = kb.document.create_by_text(
                CreateDocumentByTextRequest.builder()
                .dataset_id(ds)
                .name("note.txt")
                .text("Segments can be added and edited through the API.")
                .indexing_technique("economy")
                .process_rule(ProcessRule.builder().mode("automatic").build())
                .build()
            )
            batches.append(text.batch)

            # 3. Wait for indexing: polls with backoff, reports progress, raises on error/paused/timeout.
            for batch in batches:
                try:
                    kb.document.wait_for_indexing(ds, batch, timeout=300, on_progress=show_progress)
                except IndexingError as exc:
                    print("indexing failed:", exc)

            # 4. Every document, then the segments of each; edit the first segment.
            for doc in kb.document.iter(ListDocumentsRequest.builder().dataset_id(ds).build()):
                print("document", doc.name, doc.display_status, doc.word_count, "words")
                segments = ListSegmentsRequest.builder().dataset_id(ds).document_id(doc.id).build()
                for seg in kb.segment.iter(segments):
                    print("  segment", seg.position, repr((seg.content or "")[:60]))
                first = next(iter(kb.segment.iter(segments)), None)
                if first is not None:
                    kb.segment.update(
                        UpdateSegmentRequest.builder()
                        .dataset_id(ds)
                        .document_id(doc.id)
                        .segment_id(first.id)
                        .segment(SegmentUpdate.builder().content((first.content or "") + " (edited)").build())
                        .build()
                    )

            # 5. Retrieve (keyword search: the dataset is economy).
            keyword = (
                RetrievalModel.builder()
                .search_method("keyword_search")
                .reranking_enable(False)
                .top_k(3)
                .score_threshold_enabled(False)
                .build()
            )
            hits = kb.dataset.retrieve(
                RetrieveRequest.builder().dataset_id(ds).query("keyword segments").retrieval_model(keyword).build()
            )
            for record in hits.records:
                print(f"hit {record.score}: {record.segment.content!r}")

            # 6. Disable one document, download every source file as a zip (streamed to disk).
            ids = [d.id for d in kb.document.iter(ListDocumentsRequest.builder().dataset_id(ds).build())]
            kb.document.update_status(
                UpdateDocumentStatusRequest.builder().dataset_id(ds).action("disable").document_ids(ids[:1]).build()
            )
            with kb.document.download_zip(
                DownloadDocumentsZipRequest.builder().dataset_id(ds).document_ids(ids).build()
            ) as archive:
                target = folder / (archive.filename or "documents.zip")
                print("zip:", archive.write_to(target), "bytes ->", target)
        finally:
            # 7. Clean up: the dataset and all its documents.
            kb.dataset.delete(DeleteDatasetRequest.builder().dataset_id(ds).build())
            print("deleted", ds)


async def amain() -> None:
    async with Client() as client:
        kb = client.knowledge_base.v1
        dataset = await kb.dataset.acreate(
            CreateDatasetRequest.builder().name(f"SDK async example {int(time.time())}").indexing_technique("economy")
        )
        try:
            created = await kb.document.acreate_by_text(
                CreateDocumentByTextRequest.builder()
                .dataset_id(dataset.id)
                .name("async.txt")
                .text("Written from asyncio.")
                .indexing_technique("economy")
                .process_rule(ProcessRule.builder().mode("automatic").build())
            )
            status = await kb.document.await_for_indexing(dataset.id, created.batch, timeout=120)
            print("async: indexed", [d.id for d in status.data])
        finally:
            await kb.dataset.adelete(DeleteDatasetRequest.builder().dataset_id(dataset.id))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else sample_folder())
    asyncio.run(amain())
