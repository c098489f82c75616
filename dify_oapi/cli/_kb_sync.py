"""Sync a folder into a knowledge base: :func:`sync_folder` (``dify-oapi kb sync`` is a thin layer over it).

Each synced document carries two metadata fields on the Dify side: ``dify_oapi_path`` (the file's path relative
to the folder, ``/``-separated) and ``dify_oapi_sha256`` (the hash of the content uploaded). A file whose hash
matches its document's is unchanged and not sent again, so a run after an unchanged one changes nothing. The state
lives only in Dify, so a run can be interrupted anywhere and run again: a document uploaded whose metadata was not
yet set is found again by its name and updated; one whose indexing failed is uploaded again.

No terminal code here (no typer, no rich): progress goes to a :class:`SyncObserver`.
"""

from __future__ import annotations

import fnmatch
import hashlib
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..api.knowledge_base.v1.indexing import DocumentProgress, IndexingTimeoutError
from ..api.knowledge_base.v1.model.dataset import Dataset
from ..api.knowledge_base.v1.model.document import DocumentResult
from ..client import Client
from ..core.errors import DifyError

__all__ = [
    "HASH_FIELD",
    "PATH_FIELD",
    "SyncFailure",
    "SyncObserver",
    "SyncReport",
    "document_name",
    "find_dataset",
    "local_files",
    "sync_folder",
]

HASH_FIELD = "dify_oapi_sha256"
"""The metadata field holding the SHA-256 (hex) of the content a document was last uploaded with."""
PATH_FIELD = "dify_oapi_path"
"""The metadata field holding the file's path relative to the synced folder (``/``-separated)."""

Outcome = Literal["created", "updated", "unchanged", "deleted", "failed"]
IndexingTechnique = Literal["economy", "high_quality"]

_FAILED_PHASES = ("error", "paused")
_PHASE_SHARE = {"waiting": 0.0, "parsing": 0.2, "cleaning": 0.4, "splitting": 0.6, "indexing": 0.8, "completed": 1.0}
_BAD_NAME_CHARS = '\\:*?"<>|'  # Dify refuses file names with these (and "/")


@dataclass(frozen=True)
class SyncFailure:
    """A file that could not be synced (the others went on): its relative path and one line saying why."""

    file: str
    error: str


@dataclass
class SyncReport:
    """What a sync did (or, with ``dry_run``, would do): relative paths per outcome."""

    dataset_id: str | None
    dataset_name: str
    dataset_created: bool = False
    dry_run: bool = False
    created: list[str] = field(default_factory=list[str])
    updated: list[str] = field(default_factory=list[str])
    deleted: list[str] = field(default_factory=list[str])
    unchanged: list[str] = field(default_factory=list[str])
    failed: list[SyncFailure] = field(default_factory=list[SyncFailure])

    @property
    def ok(self) -> bool:
        """No file failed."""
        return not self.failed

    @property
    def changed(self) -> bool:
        """Something was (or would be) created, updated or deleted."""
        return bool(self.created or self.updated or self.deleted or self.dataset_created)

    def summary(self) -> dict[str, Any]:
        """``{"created": n, "updated": n, "deleted": n, "unchanged": n, "failed": [{"file", "error"}], "dataset":
        {"id", "name", "created"}, "dry_run": bool}`` (what ``kb sync --json`` prints)."""
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "deleted": len(self.deleted),
            "unchanged": len(self.unchanged),
            "failed": [{"file": f.file, "error": f.error} for f in self.failed],
            "dataset": {"id": self.dataset_id, "name": self.dataset_name, "created": self.dataset_created},
            "dry_run": self.dry_run,
        }


class SyncObserver:
    """Progress of a sync; every method does nothing by default (override what you show)."""

    def files_found(self, total: int) -> None:
        """The number of local files to look at (and documents to delete, when deleting)."""

    def file_done(self, path: str, outcome: Outcome, error: str | None = None) -> None:
        """One file (or a deleted document) is done: uploaded (``created``/``updated``, its indexing then follows
        when waiting), ``unchanged``, ``deleted`` or ``failed`` (with ``error``)."""

    def indexing_started(self, total: int) -> None:
        """Waiting for ``total`` uploaded documents to be indexed."""

    def indexing_progress(self, completed: float, total: int) -> None:
        """After each poll: ``completed`` of ``total`` documents indexed, a fraction counting the phases (parsing,
        splitting, indexing segments) of the documents not yet done; a failed document counts as done."""

    def indexing_done(self, path: str, error: str | None = None) -> None:
        """The document of ``path`` is indexed (``error`` None) or its indexing failed or timed out."""


@dataclass
class _Remote:
    id: str
    name: str
    path: str | None
    sha256: str | None
    status: str | None


@dataclass
class _Dataset:
    id: str | None
    name: str
    technique: str | None
    created: bool = False
    fields: dict[str, str] = field(default_factory=dict[str, str])  # metadata field name -> id


def document_name(path: str) -> str:
    """The document (and uploaded file) name of a relative path: ``guide/intro.md`` -> ``guide__intro.md``
    (Dify refuses ``/`` and a few other characters in file names)."""
    name = path.replace("/", "__")
    return "".join("_" if c in _BAD_NAME_CHARS else c for c in name)


def local_files(directory: Path, pattern: str = "*") -> list[str]:
    """The files under ``directory`` (recursively, hidden files and folders left out) whose relative path or name
    matches the glob ``pattern``, as sorted ``/``-separated relative paths."""
    found: list[str] = []
    for path in directory.rglob("*"):
        rel = path.relative_to(directory)
        if any(part.startswith(".") for part in rel.parts) or path.is_dir():
            continue
        posix = rel.as_posix()
        if fnmatch.fnmatchcase(posix, pattern) or fnmatch.fnmatchcase(rel.name, pattern):
            found.append(posix)
    return sorted(found)


def _message(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def sync_folder(
    client: Client,
    directory: str | Path,
    dataset: str,
    *,
    pattern: str = "*",
    delete_missing: bool = False,
    dry_run: bool = False,
    concurrency: int = 4,
    indexing_technique: IndexingTechnique = "economy",
    wait: bool = True,
    timeout: float = 600.0,
    poll_interval: float = 1.0,
    observer: SyncObserver | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SyncReport:
    """Make the knowledge base ``dataset`` (an id or a name) hold the files of ``directory`` that match ``pattern``.

    The dataset is created by name when no dataset has that id or name (``indexing_technique``: ``economy`` by
    default). New files are uploaded, changed ones replaced, unchanged ones left alone; documents whose file is gone
    are deleted only with ``delete_missing`` (and only documents a sync created). ``dry_run`` reads and reports
    without changing anything. ``wait`` polls until the uploaded documents are indexed (at most ``timeout`` seconds,
    every poll included; one whose indexing fails is reported as failed). A file that fails (unreadable, refused by
    the server) is reported in :attr:`SyncReport.failed` and the others go on. Raises :class:`DifyError` only when
    the dataset itself cannot be read or created.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    root = Path(directory)
    if not root.is_dir():
        raise FileNotFoundError(f"not a folder: {root}")
    watch = observer or SyncObserver()
    kb = client.knowledge_base.v1
    target = _find_or_create_dataset(client, dataset, indexing_technique, dry_run)
    report = SyncReport(target.id, target.name, dataset_created=target.created, dry_run=dry_run)
    remote: list[_Remote] = []
    if target.id is not None:
        _ensure_fields(client, target, dry_run)
        remote = _remote_documents(client, target)
    by_path = {r.path: r for r in remote if r.path}
    by_name = {r.name: r for r in remote if not r.path}
    paths = local_files(root, pattern)
    missing = [r for r in remote if r.path and r.path not in set(paths)] if delete_missing else []
    watch.files_found(len(paths) + len(missing))
    lock = threading.Lock()
    batches: list[tuple[str, DocumentResult, Outcome]] = []  # (path, the upload's answer, outcome)

    def finish(path: str, outcome: Outcome, error: str | None = None) -> None:
        with lock:
            if outcome == "failed":
                report.failed.append(SyncFailure(path, error or "failed"))
            else:
                getattr(report, outcome).append(path)

    def record(path: str, outcome: Outcome, error: str | None = None) -> None:
        finish(path, outcome, error)
        watch.file_done(path, outcome, error)

    def one_file(path: str) -> None:
        try:
            content = (root / path).read_bytes()
        except OSError as exc:
            record(path, "failed", f"cannot read: {exc.strerror or exc}")
            return
        digest = hashlib.sha256(content).hexdigest()
        doc = by_path.get(path) or by_name.get(document_name(path))
        if doc is not None and doc.sha256 == digest and doc.status not in _FAILED_PHASES:
            record(path, "unchanged")
            return
        outcome: Outcome = "created" if doc is None else "updated"
        if dry_run:
            record(path, outcome)
            return
        try:
            uploaded = _upload(client, target, path, content, None if doc is None else doc.id)
            _set_metadata(client, target, uploaded.document.id, path, digest)
        except (DifyError, OSError) as exc:
            record(path, "failed", _message(exc))
            return
        if wait:
            with lock:
                batches.append((path, uploaded, outcome))
            watch.file_done(path, outcome)
        else:
            record(path, outcome)

    def one_delete(doc: _Remote) -> None:
        path = doc.path or doc.name
        if dry_run or target.id is None:
            record(path, "deleted")
            return
        from ..api.knowledge_base.v1.model.document import DeleteDocumentRequest

        try:
            kb.document.delete(DeleteDocumentRequest.builder().dataset_id(target.id).document_id(doc.id).build())
        except DifyError as exc:
            record(path, "failed", _message(exc))
            return
        record(path, "deleted")

    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="dify-oapi-sync")
    try:
        for future in [pool.submit(one_file, p) for p in paths] + [pool.submit(one_delete, d) for d in missing]:
            future.result()
    finally:  # interrupted: what has not started is dropped, what runs finishes its request (a re-run resumes)
        pool.shutdown(wait=True, cancel_futures=True)
    if batches and target.id is not None:
        _wait_indexed(client, target.id, batches, finish, watch, timeout, poll_interval, sleep)
    for items in (report.created, report.updated, report.deleted, report.unchanged):
        items.sort()
    report.failed.sort(key=lambda f: f.file)
    return report


def find_dataset(client: Client, name_or_id: str) -> Dataset | None:
    """The dataset whose id is ``name_or_id``, else the first whose name is, else None (walks every page)."""
    from ..api.knowledge_base.v1.model.dataset import ListDatasetsRequest

    by_name: Dataset | None = None
    for item in client.knowledge_base.v1.dataset.iter(ListDatasetsRequest.builder().limit(100).build()):
        if item.id == name_or_id:
            return item
        if by_name is None and item.name == name_or_id:
            by_name = item
    return by_name


def _find_or_create_dataset(client: Client, wanted: str, technique: IndexingTechnique, dry_run: bool) -> _Dataset:
    from ..api.knowledge_base.v1.model.dataset import CreateDatasetRequest

    found = find_dataset(client, wanted)
    if found is not None:
        return _Dataset(found.id, found.name or wanted, found.indexing_technique)
    if dry_run:
        return _Dataset(None, wanted, technique, created=True)
    created = client.knowledge_base.v1.dataset.create(
        CreateDatasetRequest.builder().name(wanted).indexing_technique(technique)
        .description("Synced from a folder by dify-oapi kb sync").build()
    )  # fmt: skip
    return _Dataset(created.id, created.name or wanted, created.indexing_technique or technique, created=True)


def _ensure_fields(client: Client, target: _Dataset, dry_run: bool) -> None:
    from ..api.knowledge_base.v1.model.metadata import CreateMetadataRequest, ListMetadataRequest

    assert target.id is not None
    metadata = client.knowledge_base.v1.metadata
    listed = metadata.list(ListMetadataRequest.builder().dataset_id(target.id).build())
    target.fields = {f.name: f.id for f in listed.doc_metadata if f.name in (HASH_FIELD, PATH_FIELD)}
    for name in (HASH_FIELD, PATH_FIELD):
        if name not in target.fields and not dry_run:
            made = metadata.create(
                CreateMetadataRequest.builder().dataset_id(target.id).type("string").name(name).build()
            )
            target.fields[name] = made.id


def _remote_documents(client: Client, target: _Dataset) -> list[_Remote]:
    from ..api.knowledge_base.v1.model.document import ListDocumentsRequest

    assert target.id is not None
    found: list[_Remote] = []
    for doc in client.knowledge_base.v1.document.iter(
        ListDocumentsRequest.builder().dataset_id(target.id).limit(100).build()
    ):
        values = {m.name: m.value for m in doc.doc_metadata or [] if m.name in (HASH_FIELD, PATH_FIELD)}
        path, sha = values.get(PATH_FIELD), values.get(HASH_FIELD)
        found.append(
            _Remote(doc.id, doc.name or "", str(path) if path else None, str(sha) if sha else None, doc.indexing_status)
        )
    return found


def _upload(client: Client, target: _Dataset, path: str, content: bytes, document_id: str | None) -> DocumentResult:
    from ..api.knowledge_base.v1.model.document import (
        CreateDocumentByFileRequest,
        DocumentFileData,
        ProcessRule,
        UpdateDocumentByFileRequest,
    )

    assert target.id is not None
    documents = client.knowledge_base.v1.document
    name = document_name(path)
    if document_id is None:
        technique: IndexingTechnique = "high_quality" if target.technique == "high_quality" else "economy"
        data = DocumentFileData.builder().indexing_technique(technique)
        data = data.process_rule(ProcessRule.builder().mode("automatic").build())
        result = documents.create_by_file(
            CreateDocumentByFileRequest.builder().dataset_id(target.id).file((name, content)).data(data.build()).build()
        )
    else:
        result = documents.update(
            UpdateDocumentByFileRequest.builder().dataset_id(target.id).document_id(document_id)
            .file((name, content)).data(DocumentFileData.builder().name(name).build()).build()
        )  # fmt: skip
    return result


def _set_metadata(client: Client, target: _Dataset, document_id: str, path: str, digest: str) -> None:
    from ..api.knowledge_base.v1.model.metadata import (
        DocumentMetadataOperation,
        DocumentMetadataValue,
        UpdateDocumentsMetadataRequest,
    )

    assert target.id is not None
    values = [
        DocumentMetadataValue.builder().id(target.fields[name]).name(name).value(value).build()
        for name, value in ((PATH_FIELD, path), (HASH_FIELD, digest))
    ]
    operation = (
        DocumentMetadataOperation.builder().document_id(document_id).metadata_list(values).partial_update(True).build()
    )
    client.knowledge_base.v1.metadata.update_documents(
        UpdateDocumentsMetadataRequest.builder().dataset_id(target.id).operation_data([operation]).build()
    )


def _wait_indexed(
    client: Client,
    dataset_id: str,
    batches: Iterable[tuple[str, DocumentResult, Outcome]],
    finish: Callable[[str, Outcome, str | None], None],
    watch: SyncObserver,
    timeout: float,
    interval: float,
    sleep: Callable[[float], None],
) -> None:
    """Wait (``document.wait_for_indexing_all``: every poll bounded by ``timeout``) until each uploaded document is
    indexed or failed, or ``timeout`` passed; finish each file as its document ends."""
    uploads = sorted(batches, key=lambda item: item[0])
    watch.indexing_started(len(uploads))
    by_document: dict[str, tuple[str, Outcome]] = {r.document.id: (path, outcome) for path, r, outcome in uploads}
    by_batch: dict[str, tuple[str, Outcome]] = {r.batch: (path, outcome) for path, r, outcome in uploads}
    shares: dict[tuple[str, Outcome], float] = {(path, outcome): 0.0 for path, _, outcome in uploads}
    left = dict(shares)  # the files still waited for

    def done(file: tuple[str, Outcome], error: str | None) -> None:
        if left.pop(file, None) is None:
            return
        shares[file] = 1.0
        finish(file[0], "failed" if error else file[1], error)
        watch.indexing_done(file[0], error)

    def progress(doc: DocumentProgress) -> None:
        file = by_document.get(doc.document_id) or by_batch.get(doc.batch)
        if file is None or file not in left:
            return
        if doc.is_completed:
            done(file, None)
        elif doc.is_failed:
            done(file, f"indexing {doc.indexing_status}: {doc.error or 'stopped'}")
        else:
            shares[file] = _share(doc)
        watch.indexing_progress(sum(shares.values()), len(shares))

    try:
        client.knowledge_base.v1.document.wait_for_indexing_all(
            dataset_id, [result for _, result, _ in uploads], timeout=timeout, poll_interval=interval, factor=1.0,
            max_interval=interval, on_progress=progress, sleep=sleep,
        )  # fmt: skip
    except IndexingTimeoutError:
        for file in list(left):
            done(file, f"indexing not finished within {timeout:g} s (it goes on in Dify)")
    except DifyError as exc:  # a poll failed: the files not done yet are not known to be indexed
        for file in list(left):
            done(file, f"indexing status: {_message(exc)}")
    for file in list(left):  # every batch ended, without a status naming this file's document
        done(file, None)
    watch.indexing_progress(sum(shares.values()), len(shares))


def _share(status: DocumentProgress) -> float:
    """How far one document's indexing is, 0 to 1: by phase, and by segments while in ``indexing``."""
    share = _PHASE_SHARE.get(status.indexing_status or "", 0.0)
    if status.indexing_status == "indexing" and status.total_segments:
        share += 0.2 * min((status.completed_segments or 0) / status.total_segments, 1.0)
    return share
