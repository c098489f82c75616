"""The knowledge side of the test server: datasets, documents (indexed over a configurable time), segments, child
chunks, metadata, tags, keyword retrieval, models and stub pipelines. State in memory; shapes after Dify 1.14.1."""

# pyright: reportUnknownVariableType=false, reportUnknownMemberType=false, reportUnknownArgumentType=false
# (this module handles untyped JSON request bodies: values narrowed by isinstance have unknown item types)
from __future__ import annotations

import fnmatch
import hashlib
import io
import json
import math
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._common import ACCOUNT_ID, Shared, StoredFile, field_required, new_id, now, validation_error
from ._http import ApiError, Call, Reply, StreamReply, Upload, json_reply

__all__ = ["PHASES", "Knowledge"]

# Indexing phases, each taking an equal share of Settings.indexing_seconds.
PHASES = ("waiting", "parsing", "splitting", "indexing")

_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "will",
        "with",
    ]
)

_PROCESS_RULE = {
    "mode": "automatic",
    "rules": {
        "pre_processing_rules": [
            {"id": "remove_extra_spaces", "enabled": True},
            {"id": "remove_urls_emails", "enabled": False},
        ],
        "segmentation": {"delimiter": "\n", "max_tokens": 500, "chunk_overlap": 50},
    },
}

_BUILT_IN = [
    {"name": "document_name", "type": "string"},
    {"name": "uploader", "type": "string"},
    {"name": "upload_date", "type": "time"},
    {"name": "last_update_date", "type": "time"},
    {"name": "source", "type": "string"},
]


def keywords_of(text: str, limit: int = 10) -> list[str]:
    seen: dict[str, None] = {}
    for word in re.findall(r"[A-Za-z][A-Za-z0-9_-]{2,}", text):
        if word.lower() not in _STOP:
            seen.setdefault(word, None)
    return list(seen)[:limit]


def _terms(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if w not in _STOP}


def split_paragraphs(text: str, separator: str | None = None) -> list[str]:
    """Segments of a document: its paragraphs (blank-line separated, or a custom separator)."""
    if separator:
        parts = text.replace("\\n", "\n").split(separator.replace("\\n", "\n"))
    else:
        parts = re.split(r"\n\s*\n", text)
    cleaned = [re.sub(r"[ \t]+", " ", p).strip() for p in parts]
    return [p for p in cleaned if p] or ([text.strip()] if text.strip() else [])


@dataclass
class Segment:
    id: str
    document_id: str
    position: int
    content: str
    answer: str | None
    keywords: list[str]
    created_at: int
    enabled: bool = True
    updated_at: int = 0
    child_chunks: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    hit_count: int = 0


@dataclass
class Document:
    id: str
    dataset_id: str
    position: int
    name: str
    text: str
    file: StoredFile
    batch: str
    doc_form: str
    created_at: int
    started: float  # monotonic time when (re)indexing started
    started_at: int
    process_rule_id: str
    process_rule: dict[str, Any]
    created_from: str = "api"
    enabled: bool = True
    archived: bool = False
    disabled_at: int | None = None
    segments: list[Segment] = field(default_factory=list[Segment])
    metadata: dict[str, str] = field(default_factory=dict[str, str])
    updated_at: int = 0
    fail: str | None = None  # indexing stops half-way with this error (DifyTestServer.fail_indexing)


@dataclass
class Dataset:
    id: str
    name: str
    description: str | None
    permission: str
    indexing_technique: str | None
    created_at: int
    retrieval_model: dict[str, Any]
    documents: dict[str, Document] = field(default_factory=dict[str, Document])
    metadata_fields: dict[str, dict[str, Any]] = field(default_factory=dict[str, dict[str, Any]])
    built_in_enabled: bool = False
    updated_at: int = 0
    extra: dict[str, Any] = field(default_factory=dict[str, Any])


class Knowledge:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared
        self.datasets: dict[str, Dataset] = {}
        self.tags: dict[str, dict[str, Any]] = {}
        self.bindings: set[tuple[str, str]] = set()
        self.pipeline_files: dict[str, StoredFile] = {}
        self.failing: list[tuple[str, str]] = []  # (document name glob, error): see DifyTestServer.fail_indexing

    def routes(self) -> list[tuple[str, str, Callable[[Call], Reply | StreamReply]]]:
        ds = "/datasets/{dataset_id}"
        doc = ds + "/documents/{document_id}"
        seg = doc + "/segments/{segment_id}"
        return [
            ("POST", "/datasets", self.create_dataset),
            ("GET", "/datasets", self.list_datasets),
            ("GET", ds, self.get_dataset),
            ("PATCH", ds, self.update_dataset),
            ("DELETE", ds, self.delete_dataset),
            ("POST", ds + "/document/create-by-text", self.create_by_text),
            ("POST", ds + "/document/create-by-file", self.create_by_file),
            ("POST", ds + "/document/create_by_text", self.create_by_text),
            ("POST", ds + "/document/create_by_file", self.create_by_file),
            ("GET", ds + "/documents", self.list_documents),
            ("GET", doc, self.get_document),
            ("DELETE", doc, self.delete_document),
            ("PATCH", doc, self.update_by_file),
            ("GET", doc + "/download", self.download),
            ("GET", ds + "/documents/{batch}/indexing-status", self.indexing_status),
            ("POST", doc + "/update-by-text", self.update_by_text),
            ("POST", doc + "/update-by-file", self.update_by_file),
            ("POST", doc + "/update_by_text", self.update_by_text),
            ("POST", doc + "/update_by_file", self.update_by_file),
            ("POST", ds + "/documents/download-zip", self.download_zip),
            ("PATCH", ds + "/documents/status/{action}", self.batch_status),
            ("POST", doc + "/segments", self.create_segments),
            ("GET", doc + "/segments", self.list_segments),
            ("GET", seg, self.get_segment),
            ("POST", seg, self.update_segment),
            ("DELETE", seg, self.delete_segment),
            ("POST", seg + "/child_chunks", self.create_child_chunk),
            ("GET", seg + "/child_chunks", self.list_child_chunks),
            ("PATCH", seg + "/child_chunks/{child_chunk_id}", self.update_child_chunk),
            ("DELETE", seg + "/child_chunks/{child_chunk_id}", self.delete_child_chunk),
            ("POST", ds + "/retrieve", self.retrieve),
            ("POST", ds + "/hit-testing", self.retrieve),
            ("POST", "/datasets/tags", self.create_tag),
            ("GET", "/datasets/tags", self.list_tags),
            ("PATCH", "/datasets/tags", self.update_tag),
            ("DELETE", "/datasets/tags", self.delete_tag),
            ("POST", "/datasets/tags/binding", self.bind_tags),
            ("POST", "/datasets/tags/unbinding", self.unbind_tag),
            ("GET", ds + "/tags", self.dataset_tags),
            ("POST", ds + "/metadata", self.create_metadata),
            ("GET", ds + "/metadata", self.list_metadata),
            ("PATCH", ds + "/metadata/{metadata_id}", self.update_metadata),
            ("DELETE", ds + "/metadata/{metadata_id}", self.delete_metadata),
            ("GET", ds + "/metadata/built-in", self.built_in_metadata),
            ("POST", ds + "/metadata/built-in/{action}", self.toggle_built_in),
            ("POST", ds + "/documents/metadata", self.document_metadata),
            ("GET", "/workspaces/current/models/model-types/{model_type}", self.models),
            ("POST", "/datasets/pipeline/file-upload", self.pipeline_upload),
            ("GET", ds + "/pipeline/datasource-plugins", self.datasource_plugins),
            ("POST", ds + "/pipeline/datasource/nodes/{node_id}/run", self.run_datasource_node),
            ("POST", ds + "/pipeline/run", self.run_pipeline),
        ]

    # ---- indexing clock -------------------------------------------------------------------------------------

    def phase(self, document: Document) -> str:
        total = self.shared.settings.indexing_seconds
        if total <= 0:
            return "completed"
        share = (time.monotonic() - document.started) / total
        if document.fail is not None and share >= 0.5:
            return "error"
        if share >= 1:
            return "completed"
        return PHASES[min(int(share * len(PHASES)), len(PHASES) - 1)]

    def _stamp(self, document: Document, index: int) -> int | None:
        """When phase ``index`` (of PHASES + completed) ended, as an epoch second, or None if not yet."""
        phase = self.phase(document)
        order = [*PHASES, "completed"]
        if phase == "error" or order.index(phase) <= index:
            return None
        seconds = self.shared.settings.indexing_seconds * (index + 1) / len(PHASES)
        return document.started_at + math.floor(seconds)

    def display_status(self, document: Document) -> str:
        if document.archived:
            return "archived"
        if not document.enabled:
            return "disabled"
        return {"waiting": "queuing", "completed": "available", "error": "error"}.get(self.phase(document), "indexing")

    # ---- datasets ---------------------------------------------------------------------------------------------

    def _dataset(self, call: Call) -> Dataset:
        dataset = self.datasets.get(call.params["dataset_id"])
        if dataset is None:
            raise ApiError(404, "not_found", "Dataset not found.")
        return dataset

    def dataset_json(self, d: Dataset) -> dict[str, Any]:
        docs = list(d.documents.values())
        words = sum(len(x.text) for x in docs)
        available = sum(1 for x in docs if x.enabled and not x.archived and self.phase(x) == "completed")
        return {
            "id": d.id, "name": d.name, "description": d.description, "provider": "vendor",
            "permission": d.permission, "data_source_type": "upload_file" if docs else None,
            "indexing_technique": d.indexing_technique, "app_count": 0, "document_count": len(docs),
            "word_count": words, "created_by": ACCOUNT_ID, "author_name": "admin", "created_at": d.created_at,
            "updated_by": ACCOUNT_ID, "updated_at": d.updated_at or d.created_at, "embedding_model": None,
            "embedding_model_provider": None, "embedding_available": True, "retrieval_model_dict": d.retrieval_model,
            "summary_index_setting": {"enable": None, "model_name": None, "model_provider_name": None,
                                      "summary_prompt": None},
            "tags": [{"id": t, "name": self.tags[t]["name"], "type": "knowledge"}
                     for (t, target) in sorted(self.bindings) if target == d.id and t in self.tags],
            "doc_form": docs[0].doc_form if docs else None,
            "external_knowledge_info": {"external_knowledge_id": None, "external_knowledge_api_id": None,
                                        "external_knowledge_api_name": None, "external_knowledge_api_endpoint": None},
            "external_retrieval_model": {"top_k": 2, "score_threshold": 0.0, "score_threshold_enabled": None},
            "doc_metadata": [{"id": f["id"], "name": f["name"], "type": f["type"]} for f in d.metadata_fields.values()],
            "built_in_field_enabled": d.built_in_enabled, "pipeline_id": None, "runtime_mode": "general",
            "chunk_structure": None,
            "icon_info": {"icon_type": None, "icon": None, "icon_background": None, "icon_url": None},
            "is_published": False, "total_documents": len(docs), "total_available_documents": available,
            "enable_api": True, "is_multimodal": False,
        }  # fmt: skip

    def create_dataset(self, call: Call) -> Reply:
        body = call.body
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise field_required("DatasetCreatePayload", "name", body)
        if len(name) > 40:
            raise validation_error(
                "DatasetCreatePayload", "name", "String should have at most 40 characters", "string_too_long", name
            )
        if any(d.name == name for d in self.datasets.values()):
            raise ApiError(
                409, "dataset_name_duplicate", "The dataset name already exists. Please modify your dataset name."
            )
        technique = body.get("indexing_technique")
        if technique not in (None, "economy", "high_quality"):
            raise ApiError(400, "invalid_param", "Invalid indexing technique.")
        retrieval = body.get("retrieval_model") or {}
        dataset = Dataset(
            new_id(), name, body.get("description"), body.get("permission") or "only_me", technique, now(),
            _retrieval_dict(retrieval if isinstance(retrieval, dict) else {}),
        )  # fmt: skip
        self.datasets[dataset.id] = dataset
        return json_reply(self.dataset_json(dataset))

    def list_datasets(self, call: Call) -> Reply:
        page = call.q_int("page", 1, high=99_999)
        limit = call.q_int("limit", 20)
        keyword = (call.q("keyword") or "").lower()
        tag_ids = set(call.query.get("tag_ids", [])) - {""}
        items = [d for d in reversed(list(self.datasets.values())) if keyword in d.name.lower()]
        if tag_ids:
            items = [d for d in items if any((t, d.id) in self.bindings for t in tag_ids)]
        chunk = items[(page - 1) * limit : page * limit]
        return json_reply({
            "data": [self.dataset_json(d) for d in chunk], "has_more": page * limit < len(items), "limit": limit,
            "total": len(items), "page": page,
        })  # fmt: skip

    def get_dataset(self, call: Call) -> Reply:
        return json_reply(self.dataset_json(self._dataset(call)))

    def update_dataset(self, call: Call) -> Reply:
        dataset = self._dataset(call)
        body = call.body
        name = body.get("name")
        if isinstance(name, str):
            if any(d.name == name and d.id != dataset.id for d in self.datasets.values()):
                raise ApiError(
                    409, "dataset_name_duplicate", "The dataset name already exists. Please modify your dataset name."
                )
            dataset.name = name
        if "description" in body:
            dataset.description = body["description"]
        if isinstance(body.get("permission"), str):
            dataset.permission = body["permission"]
        if body.get("indexing_technique") in ("economy", "high_quality"):
            dataset.indexing_technique = body["indexing_technique"]
        if isinstance(body.get("retrieval_model"), dict):
            dataset.retrieval_model = _retrieval_dict(body["retrieval_model"])
        for key in ("embedding_model", "embedding_model_provider", "partial_member_list", "external_retrieval_model"):
            if key in body:
                dataset.extra[key] = body[key]
        dataset.updated_at = now()
        return json_reply({**self.dataset_json(dataset), "partial_member_list": []})

    def delete_dataset(self, call: Call) -> Reply:
        dataset = self._dataset(call)
        del self.datasets[dataset.id]
        self.bindings = {(t, target) for (t, target) in self.bindings if target != dataset.id}
        return Reply(204)

    # ---- documents ------------------------------------------------------------------------------------------

    def _document(self, call: Call, dataset: Dataset | None = None) -> Document:
        dataset = dataset or self._dataset(call)
        document = dataset.documents.get(call.params["document_id"])
        if document is None:
            raise ApiError(404, "not_found", "Document not found.")
        return document

    def _index(self, document: Document, text: str) -> None:
        """(Re)start indexing: split into segments now; the status follows the clock."""
        rules = document.process_rule.get("rules") if isinstance(document.process_rule, dict) else None
        separator = None
        if document.process_rule.get("mode") == "custom" and isinstance(rules, dict):
            segmentation = rules.get("segmentation")
            if isinstance(segmentation, dict) and isinstance(segmentation.get("separator"), str):
                separator = segmentation["separator"]
        stamp = now()
        document.text = text
        document.started = time.monotonic()
        document.started_at = stamp
        document.updated_at = stamp
        document.segments = [
            Segment(new_id(), document.id, i, part, None, keywords_of(part), stamp, updated_at=stamp)
            for i, part in enumerate(split_paragraphs(text, separator), start=1)
        ]
        if document.doc_form == "hierarchical_model":
            for segment in document.segments:
                for j, sentence in enumerate(re.split(r"(?<=[.!?])\s+", segment.content), start=1):
                    segment.child_chunks.append(_child(segment.id, sentence, j, "automatic"))

    def _new_document(self, call: Call, dataset: Dataset, name: str, text: str, upload: Upload) -> Document:
        body = call.body
        technique = body.get("indexing_technique")
        if dataset.indexing_technique is None:
            if technique not in ("economy", "high_quality"):
                raise ApiError(400, "invalid_param", "indexing_technique is required.")
            dataset.indexing_technique = technique
        rule = body.get("process_rule") if isinstance(body.get("process_rule"), dict) else None
        stored = self.shared.store_file(upload, ACCOUNT_ID)
        document = Document(
            new_id(), dataset.id, len(dataset.documents) + 1, name, text, stored,
            time.strftime("%Y%m%d%H%M%S") + str(time.time_ns() % 1_000_000).zfill(6),
            str(body.get("doc_form") or "text_model"), now(), 0.0, 0, new_id(), rule or dict(_PROCESS_RULE),
        )  # fmt: skip
        document.fail = next((error for glob, error in self.failing if fnmatch.fnmatchcase(name, glob)), None)
        self._index(document, text)
        dataset.documents[document.id] = document
        dataset.updated_at = now()
        return document

    def document_json(self, d: Document) -> dict[str, Any]:
        phase = self.phase(d)
        return {
            "id": d.id, "position": d.position, "data_source_type": "upload_file",
            "data_source_info": {"upload_file_id": d.file.id},
            "data_source_detail_dict": {"upload_file": self._upload_json(d.file)},
            "dataset_process_rule_id": d.process_rule_id, "name": d.name, "created_from": d.created_from,
            "created_by": ACCOUNT_ID, "created_at": d.created_at, "tokens": 0, "indexing_status": phase,
            "error": d.fail if phase == "error" else None, "enabled": d.enabled, "disabled_at": d.disabled_at,
            "disabled_by": ACCOUNT_ID if d.disabled_at else None, "archived": d.archived,
            "display_status": self.display_status(d), "word_count": len(d.text), "hit_count": 0,
            "doc_form": d.doc_form, "doc_metadata": self._doc_metadata(d), "summary_index_status": None,
            "need_summary": False,
        }  # fmt: skip

    @staticmethod
    def _upload_json(stored: StoredFile) -> dict[str, Any]:
        return {
            "id": stored.id, "name": stored.name, "size": len(stored.content), "extension": stored.extension,
            "mime_type": stored.mime_type, "created_by": ACCOUNT_ID, "created_at": float(stored.created_at),
        }  # fmt: skip

    def _doc_metadata(self, d: Document) -> list[dict[str, Any]] | None:
        dataset = self.datasets.get(d.dataset_id)
        if dataset is None:
            return None
        items: list[dict[str, Any]] = [
            {"id": fid, "name": dataset.metadata_fields[fid]["name"], "type": dataset.metadata_fields[fid]["type"],
             "value": value}
            for fid, value in d.metadata.items() if fid in dataset.metadata_fields
        ]  # fmt: skip
        if dataset.built_in_enabled:
            items += [
                {"id": "built-in", "name": "document_name", "type": "string", "value": d.name},
                {"id": "built-in", "name": "uploader", "type": "string", "value": "admin"},
                {"id": "built-in", "name": "upload_date", "type": "time", "value": f"{float(d.created_at)}"},
                {"id": "built-in", "name": "last_update_date", "type": "time", "value": f"{float(d.updated_at)}"},
                {"id": "built-in", "name": "source", "type": "string", "value": "file_upload"},
            ]
        return items or None

    def _metadata_values(self, d: Document) -> dict[str, str] | None:
        """The custom values as ``{field name: value}`` (a retrieved chunk's document has this shape, not a list)."""
        dataset = self.datasets.get(d.dataset_id)
        if dataset is None:
            return None
        values = {dataset.metadata_fields[f]["name"]: v for f, v in d.metadata.items() if f in dataset.metadata_fields}
        return values or None

    def _created(self, dataset: Dataset, document: Document) -> Reply:
        del dataset
        return json_reply({"document": self.document_json(document), "batch": document.batch})

    def create_by_text(self, call: Call) -> Reply:
        dataset = self._dataset(call)
        for name in ("name", "text"):
            if not isinstance(call.body.get(name), str):
                raise field_required("DocumentTextCreatePayload", name, call.body)
        name, text = call.body["name"], call.body["text"]
        upload = Upload(name if "." in name else name + ".txt", "text/plain", text.encode())
        return self._created(dataset, self._new_document(call, dataset, name, text, upload))

    def _data_part(self, call: Call) -> dict[str, Any]:
        raw = call.form.get("data")
        if raw is None:
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            raise ApiError(400, "invalid_param", "data must be a JSON string") from None
        if not isinstance(data, dict):
            raise ApiError(400, "invalid_param", "data must be a JSON object")
        return dict(data)

    def create_by_file(self, call: Call) -> Reply:
        dataset = self._dataset(call)
        upload = self.shared.take_upload(call)
        call.body = self._data_part(call)
        textual = upload.filename.lower().endswith((".txt", ".md", ".markdown", ".csv", ".html", ".htm", ".json"))
        if not textual and not upload.content_type.startswith("text/"):
            raise ApiError(415, "unsupported_file_type", "File type not allowed.")
        text = upload.content.decode("utf-8", errors="replace")
        text = re.sub(r"^#+\s*", "", text, flags=re.M)
        return self._created(dataset, self._new_document(call, dataset, upload.filename, text, upload))

    def list_documents(self, call: Call) -> Reply:
        dataset = self._dataset(call)
        page = call.q_int("page", 1, high=99_999)
        limit = call.q_int("limit", 20)
        keyword = (call.q("keyword") or "").lower()
        status = call.q("status")
        items = [d for d in reversed(list(dataset.documents.values())) if keyword in d.name.lower()]
        if status:
            items = [d for d in items if self.display_status(d) == status or self.phase(d) == status]
        chunk = items[(page - 1) * limit : page * limit]
        return json_reply({
            "data": [self.document_json(d) for d in chunk], "has_more": page * limit < len(items), "limit": limit,
            "total": len(items), "page": page,
        })  # fmt: skip

    def get_document(self, call: Call) -> Reply:
        d = self._document(call)
        mode = call.q("metadata", "all")
        if mode not in ("all", "only", "without"):
            raise ApiError(400, "invalid_metadata", f"Invalid metadata value: {mode}")
        if mode == "only":
            return json_reply({"id": d.id, "doc_type": None, "doc_metadata": self._doc_metadata(d)})
        phase = self.phase(d)
        lengths = [len(s.content) for s in d.segments]
        detail: dict[str, Any] = {
            "id": d.id, "position": d.position, "data_source_type": "upload_file",
            "data_source_info": {"upload_file": self._upload_json(d.file)},
            "dataset_process_rule_id": d.process_rule_id, "dataset_process_rule": d.process_rule,
            "document_process_rule": {"id": d.process_rule_id, "dataset_id": d.dataset_id, **d.process_rule},
            "name": d.name, "created_from": d.created_from, "created_by": ACCOUNT_ID, "created_at": d.created_at,
            "tokens": 0, "indexing_status": phase, "completed_at": self._stamp(d, 3), "updated_at": d.updated_at,
            "indexing_latency": self.shared.settings.indexing_seconds if phase == "completed" else None,
            "error": d.fail if phase == "error" else None, "enabled": d.enabled, "disabled_at": d.disabled_at,
            "disabled_by": ACCOUNT_ID if d.disabled_at else None, "archived": d.archived, "doc_type": None,
            "doc_metadata": self._doc_metadata(d), "segment_count": len(d.segments),
            "average_segment_length": (sum(lengths) // len(lengths)) if lengths else 0, "hit_count": 0,
            "display_status": self.display_status(d), "doc_form": d.doc_form, "doc_language": "English",
            "summary_index_status": None, "need_summary": False,
        }  # fmt: skip
        if mode == "without":
            detail.pop("doc_metadata")
            detail.pop("doc_type")
        return json_reply(detail)

    def delete_document(self, call: Call) -> Reply:
        dataset = self._dataset(call)
        document = self._document(call, dataset)
        del dataset.documents[document.id]
        return Reply(204)

    def update_by_text(self, call: Call) -> Reply:
        dataset = self._dataset(call)
        document = self._document(call, dataset)
        name = call.body.get("name")
        text = call.body.get("text")
        if isinstance(name, str) and name:
            document.name = name
        if isinstance(call.body.get("process_rule"), dict):
            document.process_rule = call.body["process_rule"]
        document.created_from = "web"
        if isinstance(text, str):
            filename = document.name if "." in document.name else document.name + ".txt"
            document.file = self.shared.store_file(Upload(filename, "text/plain", text.encode()), ACCOUNT_ID)
            self._index(document, text)
        return self._created(dataset, document)

    def update_by_file(self, call: Call) -> Reply:
        dataset = self._dataset(call)
        document = self._document(call, dataset)
        data = self._data_part(call)
        uploads = call.files.get("file") or []
        if isinstance(data.get("name"), str) and data["name"]:
            document.name = data["name"]
        if isinstance(data.get("process_rule"), dict):
            document.process_rule = data["process_rule"]
        document.created_from = "web"
        if uploads:
            upload = uploads[0]
            document.file = self.shared.store_file(upload, ACCOUNT_ID)
            if not data.get("name"):
                document.name = upload.filename
            text = re.sub(r"^#+\s*", "", upload.content.decode("utf-8", errors="replace"), flags=re.M)
            self._index(document, text)
        elif not data:
            raise ApiError(400, "no_file_uploaded", "Please upload your file.")
        return self._created(dataset, document)

    def indexing_status(self, call: Call) -> Reply:
        dataset = self._dataset(call)
        batch = call.params["batch"]
        docs = [d for d in dataset.documents.values() if d.batch == batch or d.id == batch]
        if not docs:
            raise ApiError(404, "not_found", "Documents not found.")
        data = []
        for d in docs:
            phase = self.phase(d)
            split_done = phase in ("indexing", "completed")
            data.append({
                "id": d.id, "indexing_status": phase,
                "processing_started_at": d.started_at if phase != "waiting" else None,
                "parsing_completed_at": self._stamp(d, 1), "cleaning_completed_at": self._stamp(d, 1),
                "splitting_completed_at": self._stamp(d, 2), "completed_at": self._stamp(d, 3),
                "paused_at": None, "error": d.fail if phase == "error" else None, "stopped_at": None,
                "completed_segments": len(d.segments) if phase == "completed" else 0,
                "total_segments": len(d.segments) if split_done else 0,
            })  # fmt: skip
        return json_reply({"data": data})

    def download(self, call: Call) -> Reply:
        document = self._document(call)
        return json_reply({"url": self.shared.file_url(document.file.id, attachment=True)})

    def download_zip(self, call: Call) -> Reply:
        dataset = self._dataset(call)
        ids = call.body.get("document_ids")
        if not isinstance(ids, list) or not ids:
            raise field_required("DocumentBatchDownloadZipPayload", "document_ids", call.body)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for document_id in ids:
                document = dataset.documents.get(str(document_id))
                if document is None:
                    raise ApiError(404, "not_found", "Document not found.")
                archive.writestr(document.file.name, document.file.content)
        name = new_id().replace("-", "")
        headers = {"Content-Disposition": f"attachment; filename={name}.zip", "Cache-Control": "no-cache"}
        return Reply(200, buffer.getvalue(), "application/zip", headers)

    def batch_status(self, call: Call) -> Reply:
        dataset = self._dataset(call)
        action = call.params["action"]
        if action not in ("enable", "disable", "archive", "un_archive"):
            raise ApiError(400, "invalid_action", f"Invalid action: {action}")
        ids = call.body.get("document_ids")
        if not isinstance(ids, list):
            raise field_required("DocumentStatusPayload", "document_ids", call.body)
        for document_id in ids:
            document = dataset.documents.get(str(document_id))
            if document is None:
                raise ApiError(404, "not_found", "Document not found.")
            if action == "enable":
                document.enabled, document.disabled_at = True, None
            elif action == "disable":
                document.enabled, document.disabled_at = False, now()
            else:
                document.archived = action == "archive"
        return json_reply({"result": "success"})

    # ---- segments and child chunks --------------------------------------------------------------------------

    def segment_json(self, s: Segment, document: Document) -> dict[str, Any]:
        done = self.phase(document) == "completed"
        digest = hashlib.sha256(s.content.encode()).hexdigest()
        return {
            "id": s.id, "position": s.position, "document_id": s.document_id, "content": s.content,
            "sign_content": s.content, "answer": s.answer, "word_count": len(s.content), "tokens": 0,
            "keywords": s.keywords, "index_node_id": s.id, "index_node_hash": digest, "hit_count": s.hit_count,
            "enabled": s.enabled, "disabled_at": None, "disabled_by": None,
            "status": "completed" if done else "indexing", "created_by": ACCOUNT_ID, "created_at": s.created_at,
            "updated_at": s.updated_at or s.created_at, "updated_by": None, "indexing_at": s.created_at,
            "completed_at": s.created_at if done else None, "error": None, "stopped_at": None,
            "child_chunks": s.child_chunks, "attachments": [], "summary": None,
        }  # fmt: skip

    def _segment(self, call: Call) -> tuple[Document, Segment]:
        document = self._document(call)
        for segment in document.segments:
            if segment.id == call.params["segment_id"]:
                return document, segment
        raise ApiError(404, "not_found", "Segment not found.")

    def create_segments(self, call: Call) -> Reply:
        document = self._document(call)
        items = call.body.get("segments")
        if not isinstance(items, list):
            raise field_required("SegmentCreatePayload", "segments", call.body)
        if self.phase(document) != "completed":
            raise ApiError(404, "not_found", "Document is not completed.")
        created: list[Segment] = []
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("content"), str):
                raise ApiError(400, "invalid_param", "Content is empty")
            stamp = now()
            words = item.get("keywords")
            segment = Segment(
                new_id(), document.id, len(document.segments) + 1, item["content"], item.get("answer") or None,
                list(words) if isinstance(words, list) else keywords_of(item["content"]), stamp, updated_at=stamp,
            )  # fmt: skip
            document.segments.append(segment)
            created.append(segment)
        return json_reply({"data": [self.segment_json(s, document) for s in created], "doc_form": document.doc_form})

    def list_segments(self, call: Call) -> Reply:
        document = self._document(call)
        page = call.q_int("page", 1, high=99_999)
        limit = call.q_int("limit", 20)
        keyword = (call.q("keyword") or "").lower()
        status = call.query.get("status") or []
        items = [s for s in document.segments if keyword in s.content.lower()]
        if status:
            items = [s for s in items if self.segment_json(s, document)["status"] in status]
        chunk = items[(page - 1) * limit : page * limit]
        return json_reply({
            "data": [self.segment_json(s, document) for s in chunk], "doc_form": document.doc_form,
            "total": len(items), "has_more": page * limit < len(items), "limit": limit, "page": page,
        })  # fmt: skip

    def get_segment(self, call: Call) -> Reply:
        document, segment = self._segment(call)
        return json_reply({"data": self.segment_json(segment, document), "doc_form": document.doc_form})

    def update_segment(self, call: Call) -> Reply:
        document, segment = self._segment(call)
        item = call.body.get("segment")
        if not isinstance(item, dict):
            raise field_required("SegmentUpdatePayload", "segment", call.body)
        if isinstance(item.get("content"), str):
            segment.content = item["content"]
            if not isinstance(item.get("keywords"), list):
                segment.keywords = keywords_of(segment.content)
        if isinstance(item.get("keywords"), list):
            segment.keywords = [str(k) for k in item["keywords"]]
        if "answer" in item:
            segment.answer = item["answer"] or None
        if isinstance(item.get("enabled"), bool):
            segment.enabled = item["enabled"]
        if item.get("regenerate_child_chunks"):
            segment.child_chunks = [
                _child(segment.id, sentence, j, "automatic")
                for j, sentence in enumerate(re.split(r"(?<=[.!?])\s+", segment.content), start=1)
            ]
        segment.updated_at = now()
        return json_reply({"data": self.segment_json(segment, document), "doc_form": document.doc_form})

    def delete_segment(self, call: Call) -> Reply:
        document, segment = self._segment(call)
        document.segments.remove(segment)
        return Reply(204)

    def create_child_chunk(self, call: Call) -> Reply:
        _, segment = self._segment(call)
        content = call.body.get("content")
        if not isinstance(content, str) or not content:
            raise field_required("ChildChunkCreatePayload", "content", call.body)
        chunk = _child(segment.id, content, len(segment.child_chunks) + 1, "customized")
        segment.child_chunks.append(chunk)
        return json_reply({"data": chunk})

    def list_child_chunks(self, call: Call) -> Reply:
        _, segment = self._segment(call)
        page = call.q_int("page", 1, high=99_999)
        limit = call.q_int("limit", 20)
        keyword = (call.q("keyword") or "").lower()
        items = [c for c in segment.child_chunks if keyword in c["content"].lower()]
        return json_reply({
            "data": items[(page - 1) * limit : page * limit], "total": len(items),
            "total_pages": math.ceil(len(items) / limit), "page": page, "limit": limit,
        })  # fmt: skip

    def _child_chunk(self, call: Call) -> tuple[Segment, dict[str, Any]]:
        _, segment = self._segment(call)
        for chunk in segment.child_chunks:
            if chunk["id"] == call.params["child_chunk_id"]:
                return segment, chunk
        raise ApiError(404, "not_found", "Child chunk not found.")

    def update_child_chunk(self, call: Call) -> Reply:
        _, chunk = self._child_chunk(call)
        content = call.body.get("content")
        if not isinstance(content, str) or not content:
            raise field_required("ChildChunkUpdatePayload", "content", call.body)
        chunk.update(content=content, word_count=len(content), updated_at=now(), type="customized")
        return json_reply({"data": chunk})

    def delete_child_chunk(self, call: Call) -> Reply:
        segment, chunk = self._child_chunk(call)
        segment.child_chunks.remove(chunk)
        return Reply(204)

    # ---- retrieval --------------------------------------------------------------------------------------------

    def retrieve(self, call: Call) -> Reply:
        dataset = self._dataset(call)
        query = call.body.get("query")
        if not isinstance(query, str) or not query.strip():
            raise field_required("HitTestingPayload", "query", call.body)
        model = call.body.get("retrieval_model")
        model = model if isinstance(model, dict) else dataset.retrieval_model
        top_k = int(model.get("top_k") or 3)
        threshold = model.get("score_threshold") if model.get("score_threshold_enabled") else None
        wanted = _terms(query)
        scored: list[tuple[float, Segment, Document]] = []
        for document in dataset.documents.values():
            if not document.enabled or document.archived or self.phase(document) != "completed":
                continue
            for segment in document.segments:
                if not segment.enabled or not wanted:
                    continue
                score = len(wanted & _terms(segment.content + " " + " ".join(segment.keywords))) / len(wanted)
                if score > 0 and (threshold is None or score >= float(threshold)):
                    scored.append((round(score, 4), segment, document))
        scored.sort(key=lambda item: (-item[0], item[1].position))
        records = []
        for score, segment, document in scored[:top_k]:
            segment.hit_count += 1
            seg = self.segment_json(segment, document)
            for key in ("updated_at", "updated_by", "child_chunks", "attachments", "summary"):
                seg.pop(key, None)
            seg["document"] = {
                "id": document.id, "data_source_type": "upload_file", "name": document.name, "doc_type": None,
                "doc_metadata": self._metadata_values(document),
            }  # fmt: skip
            records.append({
                "segment": seg, "child_chunks": [], "score": score, "tsne_position": None, "files": [],
                "summary": None,
            })  # fmt: skip
        return json_reply({"query": query, "records": records})

    # ---- tags -----------------------------------------------------------------------------------------------

    def _tag_json(self, tag: dict[str, Any]) -> dict[str, Any]:
        count = sum(1 for (t, _) in self.bindings if t == tag["id"])
        return {"id": tag["id"], "name": tag["name"], "type": "knowledge", "binding_count": str(count)}

    def _tag_name(self, call: Call, model: str) -> str:
        name = call.body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise field_required(model, "name", call.body)
        if len(name) > 50:
            raise ApiError(400, "invalid_param", "Tag name must be between 1 to 50 characters.")
        return name

    def create_tag(self, call: Call) -> Reply:
        name = self._tag_name(call, "TagCreatePayload")
        if any(t["name"] == name for t in self.tags.values()):
            raise ApiError(400, "invalid_param", "Tag name already exists")
        tag = {"id": new_id(), "name": name}
        self.tags[tag["id"]] = tag
        return json_reply(self._tag_json(tag))

    def list_tags(self, call: Call) -> Reply:
        return json_reply([self._tag_json(t) for t in self.tags.values()])

    def _tag(self, call: Call) -> dict[str, Any]:
        tag = self.tags.get(str(call.body.get("tag_id")))
        if tag is None:
            raise ApiError(404, "not_found", "Tag not found")
        return tag

    def update_tag(self, call: Call) -> Reply:
        name = self._tag_name(call, "TagUpdatePayload")
        tag = self._tag(call)
        if any(t["name"] == name and t["id"] != tag["id"] for t in self.tags.values()):
            raise ApiError(400, "invalid_param", "Tag name already exists")
        tag["name"] = name
        return json_reply(self._tag_json(tag))

    def delete_tag(self, call: Call) -> Reply:
        tag = self._tag(call)
        del self.tags[tag["id"]]
        self.bindings = {(t, target) for (t, target) in self.bindings if t != tag["id"]}
        return Reply(204)

    def bind_tags(self, call: Call) -> Reply:
        ids = call.body.get("tag_ids")
        target = str(call.body.get("target_id"))
        if not isinstance(ids, list):
            raise field_required("TagBindingPayload", "tag_ids", call.body)
        if target not in self.datasets:
            raise ApiError(404, "not_found", "Dataset not found.")
        for tag_id in ids:
            if str(tag_id) not in self.tags:
                raise ApiError(404, "not_found", "Tag not found")
            self.bindings.add((str(tag_id), target))
        return Reply(204)

    def unbind_tag(self, call: Call) -> Reply:
        ids = call.body.get("tag_ids")
        if not isinstance(ids, list):
            ids = [call.body.get("tag_id")] if call.body.get("tag_id") else []
        if not ids:
            raise field_required("TagUnbindingPayload", "tag_id", call.body)
        target = str(call.body.get("target_id"))
        for tag_id in ids:
            if str(tag_id) not in self.tags:
                raise ApiError(404, "not_found", "Tag not found")
            self.bindings.discard((str(tag_id), target))
        return Reply(204)

    def dataset_tags(self, call: Call) -> Reply:
        dataset = self._dataset(call)
        tags = [{"id": t, "name": self.tags[t]["name"]} for (t, d) in sorted(self.bindings) if d == dataset.id]
        return json_reply({"data": tags, "total": len(tags)})

    # ---- metadata -------------------------------------------------------------------------------------------

    def create_metadata(self, call: Call) -> Reply:
        dataset = self._dataset(call)
        kind, name = call.body.get("type"), call.body.get("name")
        if kind not in ("string", "number", "time"):
            raise field_required("MetadataArgs", "type", call.body)
        if not isinstance(name, str) or not name:
            raise field_required("MetadataArgs", "name", call.body)
        if name in {b["name"] for b in _BUILT_IN} or any(f["name"] == name for f in dataset.metadata_fields.values()):
            raise ApiError(400, "invalid_param", "Metadata name already exists.")
        item = {"id": new_id(), "type": kind, "name": name}
        dataset.metadata_fields[item["id"]] = item
        return json_reply(item, 201)

    def list_metadata(self, call: Call) -> Reply:
        dataset = self._dataset(call)
        fields = [
            {**f, "count": sum(1 for d in dataset.documents.values() if f["id"] in d.metadata)}
            for f in dataset.metadata_fields.values()
        ]
        return json_reply({"doc_metadata": fields, "built_in_field_enabled": dataset.built_in_enabled})

    def _field(self, call: Call) -> tuple[Dataset, dict[str, Any]]:
        dataset = self._dataset(call)
        item = dataset.metadata_fields.get(call.params["metadata_id"])
        if item is None:
            raise ApiError(404, "not_found", "Metadata not found.")
        return dataset, item

    def update_metadata(self, call: Call) -> Reply:
        _, item = self._field(call)
        name = call.body.get("name")
        if not isinstance(name, str) or not name:
            raise field_required("MetadataUpdatePayload", "name", call.body)
        item["name"] = name
        return json_reply(item)

    def delete_metadata(self, call: Call) -> Reply:
        dataset, item = self._field(call)
        del dataset.metadata_fields[item["id"]]
        for document in dataset.documents.values():
            document.metadata.pop(item["id"], None)
        return Reply(204)

    def built_in_metadata(self, call: Call) -> Reply:
        self._dataset(call)
        return json_reply({"fields": [dict(b) for b in _BUILT_IN]})

    def toggle_built_in(self, call: Call) -> Reply:
        dataset = self._dataset(call)
        action = call.params["action"]
        if action not in ("enable", "disable"):
            raise ApiError(400, "invalid_param", "Invalid action.")
        dataset.built_in_enabled = action == "enable"
        return json_reply({"result": "success"})

    def document_metadata(self, call: Call) -> Reply:
        dataset = self._dataset(call)
        operations = call.body.get("operation_data")
        if not isinstance(operations, list):
            raise field_required("MetadataOperationData", "operation_data", call.body)
        for operation in operations:
            if not isinstance(operation, dict):
                continue
            document = dataset.documents.get(str(operation.get("document_id")))
            if document is None:
                raise ApiError(404, "not_found", "Document not found.")
            values: dict[str, str] = {}
            for entry in operation.get("metadata_list") or []:
                if isinstance(entry, dict) and str(entry.get("id")) in dataset.metadata_fields:
                    values[str(entry["id"])] = "" if entry.get("value") is None else str(entry["value"])
            if operation.get("partial_update"):
                document.metadata.update(values)
            else:
                document.metadata = values
            document.updated_at = now()
        return json_reply({"result": "success"})

    # ---- models and pipelines -------------------------------------------------------------------------------

    def models(self, call: Call) -> Reply:
        model_type = call.params["model_type"]
        label = {"en_US": "Test Provider", "zh_Hans": "Test Provider"}
        icon = {"en_US": "https://example.invalid/icon.svg", "zh_Hans": "https://example.invalid/icon.svg"}
        model = {
            "model": f"test-{model_type}", "label": {"en_US": f"test-{model_type}", "zh_Hans": f"test-{model_type}"},
            "model_type": model_type, "features": [], "fetch_from": "predefined-model",
            "model_properties": {"context_size": 8192}, "status": "active", "deprecated": False,
            "load_balancing_enabled": False, "has_invalid_load_balancing_configs": False,
        }  # fmt: skip
        return json_reply({"data": [{
            "tenant_id": "8f1c5c6e-4c1e-4e57-9c55-5a1d8f0e7a10", "provider": "langgenius/test/test", "label": label,
            "icon_small": icon, "icon_small_dark": icon, "status": "active", "models": [model],
        }]})  # fmt: skip

    def pipeline_upload(self, call: Call) -> Reply:
        upload = self.shared.take_upload(call)
        stored = self.shared.store_file(upload, ACCOUNT_ID)
        self.pipeline_files[stored.id] = stored
        body = {
            "id": stored.id, "name": stored.name, "size": len(stored.content), "extension": stored.extension,
            "mime_type": stored.mime_type, "created_by": ACCOUNT_ID,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(stored.created_at)),
        }  # fmt: skip
        return json_reply(body, 201)

    def datasource_plugins(self, call: Call) -> Reply:
        self._dataset(call)
        return json_reply([{
            "node_id": "local-file", "plugin_id": "langgenius/file", "provider_name": "file",
            "datasource_type": "local_file", "title": "File Upload", "user_input_variables": [], "credentials": [],
        }])  # fmt: skip

    def run_datasource_node(self, call: Call) -> StreamReply:
        self._dataset(call)
        if "inputs" not in call.body:
            raise field_required("DatasourceNodeRunPayload", "inputs", call.body)
        files = [{"id": f.id, "name": f.name, "size": len(f.content)} for f in self.pipeline_files.values()]
        return StreamReply([
            {"event": "datasource_processing", "total": len(files), "completed": 0},
            {"event": "datasource_completed", "data": files, "total": len(files), "completed": len(files),
             "time_consuming": 0.01},
        ])  # fmt: skip

    def run_pipeline(self, call: Call) -> Reply:
        """As Dify 1.14.1: ``{batch, dataset, documents}`` JSON, blocking and also when asked to stream (no SSE)."""
        dataset = self._dataset(call)
        for name in ("inputs", "datasource_type", "datasource_info_list", "start_node_id"):
            if name not in call.body:
                raise field_required("PipelineRunApiEntity", name, call.body)
        created: list[Document] = []
        batch = time.strftime("%Y%m%d%H%M%S") + str(time.time_ns() % 1_000_000).zfill(6)
        if call.body["datasource_type"] == "local_file":
            for item in call.body["datasource_info_list"] or []:
                ref = item.get("reference") or item.get("related_id") if isinstance(item, dict) else None
                stored = self.pipeline_files.get(str(ref))
                if stored is None:
                    raise ApiError(400, "invalid_param", f"File not found: {ref}")
                text = stored.content.decode("utf-8", errors="replace")
                upload = Upload(stored.name, stored.mime_type, stored.content)
                call_copy = Call(call.method, call.path, call.params, call.query, {"indexing_technique": "economy"})
                document = self._new_document(call_copy, dataset, str(item.get("name") or stored.name), text, upload)
                document.batch = batch  # one batch per run
                created.append(document)
        return json_reply({
            "batch": batch,
            "dataset": {"id": dataset.id, "name": dataset.name, "description": dataset.description,
                        "chunk_structure": "text_model"},
            "documents": [
                {"id": d.id, "position": d.position, "data_source_type": "local_file",
                 "data_source_info": {"real_file_id": d.file.id, "name": d.name}, "name": d.name,
                 "indexing_status": self.phase(d), "error": None, "enabled": d.enabled}
                for d in created
            ],
        })  # fmt: skip


def _retrieval_dict(model: dict[str, Any]) -> dict[str, Any]:
    return {
        "search_method": model.get("search_method", "keyword_search"),
        "reranking_enable": bool(model.get("reranking_enable", False)),
        "reranking_mode": model.get("reranking_mode"),
        "reranking_model": model.get("reranking_model") or {"reranking_provider_name": "", "reranking_model_name": ""},
        "weights": model.get("weights"),
        "top_k": int(model.get("top_k") or 3),
        "score_threshold_enabled": bool(model.get("score_threshold_enabled", False)),
        "score_threshold": model.get("score_threshold"),
    }


def _child(segment_id: str, content: str, position: int, kind: str) -> dict[str, Any]:
    stamp = now()
    return {
        "id": new_id(), "segment_id": segment_id, "content": content, "position": position,
        "word_count": len(content), "type": kind, "created_at": stamp, "updated_at": stamp,
    }  # fmt: skip
