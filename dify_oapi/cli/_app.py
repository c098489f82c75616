"""The ``dify-oapi`` command on typer (arguments) and rich (progress, tables). Thin: the SDK does the work.

Every command reads ``DIFY_BASE_URL``, ``DIFY_API_KEY`` and ``DIFY_DATASET_API_KEY`` like ``Client()`` (flags
override), has ``--json`` (one JSON document on stdout, nothing else), exits non-zero when anything failed and
reports errors as one line. Keys are never printed (``serve`` prints its own test keys: that is its point).
"""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Generator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, NoReturn, cast

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Column, Table

from .. import Client, DifyError
from ..api.knowledge_base.v1.model.retrieval import SearchMethod
from ._kb_sync import PATH_FIELD, IndexingTechnique, Outcome, SyncObserver, SyncReport, find_dataset, sync_folder

__all__ = ["app", "run"]

app = typer.Typer(
    name="dify-oapi",
    help="The Dify Service API from a terminal: chat, run workflows, manage and sync knowledge bases, serve the "
    "built-in test server. Reads DIFY_BASE_URL, DIFY_API_KEY, DIFY_DATASET_API_KEY; flags override.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # a traceback with locals could show a key
    context_settings={"help_option_names": ["-h", "--help"]},
)
kb_app = typer.Typer(help="Knowledge bases (the dataset key): list, create, delete, documents, search, sync.")
app.add_typer(kb_app, name="kb")

# ---- shared options -----------------------------------------------------------------------------------------------

BaseUrl = Annotated[
    str | None, typer.Option("--base-url", help="Service API base URL [default: $DIFY_BASE_URL]", show_default=False)
]
ApiKey = Annotated[str | None, typer.Option("--api-key", help="app key [default: $DIFY_API_KEY]", show_default=False)]
DatasetKey = Annotated[
    str | None,
    typer.Option("--dataset-api-key", help="knowledge-base key [default: $DIFY_DATASET_API_KEY]", show_default=False),
]
Json = Annotated[bool, typer.Option("--json", help="print one JSON document on stdout and nothing else")]
User = Annotated[str, typer.Option("--user", help="the end-user id sent to Dify")]
Inputs = Annotated[
    list[str] | None,
    typer.Option("--input", "-i", help="an app input: key=value (a string) or key:=JSON (a number, a list...)"),
]

DEFAULT_USER = "dify-oapi-cli"
_ID = Column("id", no_wrap=True, min_width=36)  # ids shown whole: they are what the other commands take


def _text(header: str) -> Column:
    return Column(header, overflow="fold")  # a narrow terminal wraps a cell, never cuts it


def _client(base_url: str | None, api_key: str | None = None, dataset_key: str | None = None) -> Client:
    return Client(base_url=base_url, api_key=api_key, dataset_api_key=dataset_key)


def _out() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _emit(document: Any) -> None:
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))


def _fail(as_json: bool, kind: str, message: str, code: int = 1) -> NoReturn:
    line = " ".join(message.split()) or kind
    if as_json:
        _emit({"error": {"type": kind, "message": line}})
    else:
        _err().print(f"[bold red]error:[/] {escape(kind)}: {escape(line)}")
    raise typer.Exit(code)


@contextmanager
def _reporting(as_json: bool) -> Generator[None]:
    """SDK errors, unreadable files and Ctrl+C become one line (or a JSON ``error``) and an exit status."""
    try:
        yield
    except DifyError as exc:
        _fail(as_json, type(exc).__name__, str(exc))
    except OSError as exc:
        _fail(as_json, type(exc).__name__, f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
    except KeyboardInterrupt:
        _fail(as_json, "Interrupted", "interrupted (safe to run again)", 130)


def _parse_inputs(pairs: Sequence[str] | None, file: Path | None = None) -> dict[str, Any]:
    inputs: dict[str, Any] = {}
    if file is not None:
        try:
            loaded: Any = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise typer.BadParameter(f"cannot read {file}: {exc}", param_hint="--inputs") from None
        if not isinstance(loaded, dict):
            raise typer.BadParameter(f"{file} must hold a JSON object", param_hint="--inputs")
        inputs.update(cast(dict[str, Any], loaded))
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key or key == ":":
            raise typer.BadParameter(f"{pair!r} is not key=value", param_hint="--input")
        if key.endswith(":"):
            try:
                inputs[key[:-1]] = json.loads(value)
            except ValueError:
                raise typer.BadParameter(f"{pair!r}: the value after := is not JSON", param_hint="--input") from None
        else:
            inputs[key] = value
    return inputs


# ---- serve --------------------------------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port (0: a free one)", min=0, max=65535)] = 0,
    info: Annotated[
        Path | None, typer.Option(help='write {"base_url", "keys": {...}} as JSON to this file once serving')
    ] = None,
    indexing_seconds: Annotated[float, typer.Option(help="how long a document takes to index", min=0)] = 0.3,
    chunk_delay: Annotated[float, typer.Option(help="seconds between streamed events", min=0)] = 0.0,
    as_json: Json = False,
) -> None:
    """Run the built-in Dify-compatible test server until interrupted; print its URL and test keys."""
    from ..testing import DifyTestServer

    server = DifyTestServer(host=host, port=port, indexing_seconds=indexing_seconds, chunk_delay=chunk_delay)
    try:
        server.start()
    except (OSError, RuntimeError) as exc:
        _fail(as_json, type(exc).__name__, str(exc))
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        keys = {**{kind: server.app_key(kind) for kind in ("chat", "completion", "workflow")}}
        keys["dataset"] = server.dataset_key
        details = {"base_url": server.url, "keys": keys}
        if info is not None:
            partial = info.with_name(info.name + ".part")
            partial.write_text(json.dumps(details, indent=2) + "\n", encoding="utf-8")
            os.replace(partial, info)  # readers never see half a file
        if as_json:
            _emit(details)
        else:
            out = _out()
            out.print(f"Dify test server at [bold]{server.url}[/]")
            table = Table("app", "key", box=None, pad_edge=False)
            for kind, key in keys.items():
                table.add_row(kind, key)
            out.print(table)
            out.print(
                f"export DIFY_BASE_URL={server.url} DIFY_API_KEY={keys['chat']} DIFY_DATASET_API_KEY={keys['dataset']}"
            )
            out.print("[dim]Ctrl+C stops it.[/]")
        while not stop.wait(0.5):
            if not server.running:
                _fail(as_json, "RuntimeError", "the server stopped")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.stop()


# ---- chat ---------------------------------------------------------------------------------------------------------


def _ask(client: Client, query: str, user: str, conversation: str | None, inputs: dict[str, Any], echo: bool) -> Any:
    """One streamed turn; prints the answer as it arrives when ``echo``; returns {answer, conversation_id, ...}."""
    from ..api.chat.v1.model.chat_message import ChatMessageRequest
    from ..api.chat.v1.model.event import AgentMessageEvent, MessageEndEvent, MessageEvent, MessageReplaceEvent

    builder = ChatMessageRequest.builder().query(query).user(user).inputs(inputs)
    if conversation:
        builder = builder.conversation_id(conversation)
    answer = ""
    turn: dict[str, Any] = {"query": query, "conversation_id": conversation, "message_id": None}
    with client.chat.v1.message.stream(builder.build()) as events:
        for event in events:
            if isinstance(event, MessageEvent | AgentMessageEvent):
                answer += event.answer
                if echo:
                    typer.echo(event.answer, nl=False)
            elif isinstance(event, MessageReplaceEvent):
                answer = event.answer
                if echo:
                    typer.echo(f"\n[answer replaced by moderation] {event.answer}", nl=False)
            conversation_id = getattr(event, "conversation_id", None)
            message_id = getattr(event, "message_id", None)
            if isinstance(event, MessageEndEvent) and event.id:
                message_id = event.id
            turn["conversation_id"] = turn["conversation_id"] or conversation_id
            turn["message_id"] = turn["message_id"] or message_id
    if echo:
        typer.echo()
    turn["answer"] = answer
    return turn


@app.command()
def chat(
    question: Annotated[str | None, typer.Argument(help="ask once; without it, an interactive conversation")] = None,
    conversation: Annotated[str | None, typer.Option(help="continue this conversation id")] = None,
    inputs: Inputs = None,
    user: User = DEFAULT_USER,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    as_json: Json = False,
) -> None:
    """Chat with a chat, chatflow or agent app: ask once, or converse (answers stream as they come).

    Without QUESTION, a conversation that goes on across turns: 'exit' or Ctrl+D ends it.
    """
    values = _parse_inputs(inputs)
    with _reporting(as_json), _client(base_url, api_key) as client:
        if question is not None:
            turn = _ask(client, question, user, conversation, values, echo=not as_json)
            if as_json:
                _emit(turn)
            else:
                _err().print(f"[dim]conversation {turn['conversation_id']}[/]")
            return
        turns: list[dict[str, Any]] = []
        console = _err() if as_json else _out()
        if not as_json:
            console.print("[dim]Chatting; 'exit' or Ctrl+D ends.[/]")
        while True:
            try:
                query = console.input("[bold cyan]you[/] > ").strip()
            except (EOFError, KeyboardInterrupt):
                if not as_json:
                    console.print()
                break
            if query in ("exit", "quit"):
                break
            if not query:
                continue
            if not as_json:
                console.print("[bold green]bot[/] > ", end="")
            turn = _ask(client, query, user, conversation, values, echo=not as_json)
            conversation = turn["conversation_id"]
            turns.append(turn)
        if as_json:
            _emit({"conversation_id": conversation, "turns": turns})
        elif conversation:
            console.print(f"[dim]conversation {conversation} (continue it with --conversation {conversation})[/]")


# ---- run ----------------------------------------------------------------------------------------------------------


@app.command("run")
def run_workflow(
    inputs: Inputs = None,
    inputs_file: Annotated[
        Path | None, typer.Option("--inputs", help="a JSON file with the inputs object (--input adds to it)")
    ] = None,
    user: User = DEFAULT_USER,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    as_json: Json = False,
) -> None:
    """Run a workflow app: node events show live, then its outputs."""
    from ..api.workflow.v1.model.event import (
        NodeFinishedEvent,
        NodeStartedEvent,
        WorkflowFinishedEvent,
        WorkflowPausedEvent,
        WorkflowStartedEvent,
    )
    from ..api.workflow.v1.model.workflow_run import RunWorkflowRequest

    values = _parse_inputs(inputs, inputs_file)
    console = _out()
    result: dict[str, Any] = {"workflow_run_id": None, "status": None, "outputs": {}, "error": None, "nodes": []}
    with _reporting(as_json), _client(base_url, api_key) as client:
        request = RunWorkflowRequest.builder().inputs(values).user(user).build()
        with client.workflow.v1.workflow.stream(request) as events:
            for event in events:
                if isinstance(event, WorkflowStartedEvent):
                    result["workflow_run_id"] = event.workflow_run_id or event.data.id
                    if not as_json:
                        console.print(f"[dim]run {result['workflow_run_id']} started[/]")
                elif isinstance(event, NodeStartedEvent):
                    if not as_json:
                        console.print(
                            f"  [cyan]>[/] {escape(event.data.title or '?')} [dim]({event.data.node_type})[/]"
                        )
                elif isinstance(event, NodeFinishedEvent):
                    data = event.data
                    result["nodes"].append(
                        {"node_id": data.node_id, "title": data.title, "node_type": data.node_type,
                         "status": data.status, "elapsed_time": data.elapsed_time, "error": data.error}
                    )  # fmt: skip
                    if not as_json:
                        mark = "[green]ok[/]" if data.status == "succeeded" else f"[red]{escape(str(data.status))}[/]"
                        took = f" {data.elapsed_time:.2f} s" if data.elapsed_time is not None else ""
                        console.print(f"  {mark} {escape(data.title or '?')}[dim]{took}[/]")
                elif isinstance(event, WorkflowPausedEvent):
                    result["status"] = "paused"
                    result["outputs"] = dict(event.data.outputs)
                elif isinstance(event, WorkflowFinishedEvent):
                    result.update(status=event.data.status, outputs=dict(event.data.outputs), error=event.data.error)
                    result["workflow_run_id"] = result["workflow_run_id"] or event.data.id
    failed = result["status"] not in ("succeeded", "paused")
    if as_json:
        _emit(result)
    else:
        if result["status"] == "paused":
            console.print("[yellow]paused[/]: the run waits for human input")
        elif failed:
            console.print(f"[red]{escape(str(result['status']))}[/]: {escape(str(result['error'] or ''))}")
        table = Table("output", "value", title="outputs", title_justify="left")
        for key, value in result["outputs"].items():
            table.add_row(escape(key), escape(value if isinstance(value, str) else json.dumps(value)))
        console.print(table)
    if failed:
        raise typer.Exit(1)


# ---- kb -----------------------------------------------------------------------------------------------------------


def _dataset_id(client: Client, name_or_id: str, as_json: bool) -> str:
    found = find_dataset(client, name_or_id)
    if found is None:
        _fail(as_json, "NotFoundError", f"no dataset with id or name {name_or_id!r}")
    return found.id


@kb_app.command("list")
def kb_list(base_url: BaseUrl = None, dataset_api_key: DatasetKey = None, as_json: Json = False) -> None:
    """The knowledge bases."""
    from ..api.knowledge_base.v1.model.dataset import ListDatasetsRequest

    with _reporting(as_json), _client(base_url, dataset_key=dataset_api_key) as client:
        datasets = list(client.knowledge_base.v1.dataset.iter(ListDatasetsRequest.builder().limit(100).build()))
    if as_json:
        _emit([d.model_dump(mode="json") for d in datasets])
        return
    table = Table(_ID, _text("name"), _text("docs"), _text("words"), _text("indexing"),
                  title=f"{len(datasets)} knowledge base(s)")  # fmt: skip
    for d in datasets:
        table.add_row(d.id, escape(d.name or ""), str(d.document_count or 0), str(d.word_count or 0),
                      d.indexing_technique or "")  # fmt: skip
    _out().print(table)


@kb_app.command("create")
def kb_create(
    name: Annotated[str, typer.Argument(help="the new knowledge base's name (unique)")],
    description: Annotated[str | None, typer.Option(help="a description")] = None,
    indexing_technique: Annotated[IndexingTechnique, typer.Option(help="economy: keywords, no model")] = "economy",
    base_url: BaseUrl = None,
    dataset_api_key: DatasetKey = None,
    as_json: Json = False,
) -> None:
    """Create an empty knowledge base."""
    from ..api.knowledge_base.v1.model.dataset import CreateDatasetRequest

    builder = CreateDatasetRequest.builder().name(name).indexing_technique(indexing_technique)
    if description is not None:
        builder = builder.description(description)
    with _reporting(as_json), _client(base_url, dataset_key=dataset_api_key) as client:
        created = client.knowledge_base.v1.dataset.create(builder.build())
    if as_json:
        _emit(created.model_dump(mode="json"))
    else:
        _out().print(f"created knowledge base {escape(created.name or name)!r}: {created.id}")


@kb_app.command("delete")
def kb_delete(
    dataset_id: Annotated[str, typer.Argument(metavar="ID", help="the knowledge base's id")],
    base_url: BaseUrl = None,
    dataset_api_key: DatasetKey = None,
    as_json: Json = False,
) -> None:
    """Delete a knowledge base and all its documents."""
    from ..api.knowledge_base.v1.model.dataset import DeleteDatasetRequest

    with _reporting(as_json), _client(base_url, dataset_key=dataset_api_key) as client:
        client.knowledge_base.v1.dataset.delete(DeleteDatasetRequest.builder().dataset_id(dataset_id).build())
    if as_json:
        _emit({"deleted": dataset_id})
    else:
        _out().print(f"deleted knowledge base {dataset_id}")


@kb_app.command("docs")
def kb_docs(
    dataset: Annotated[str, typer.Argument(metavar="DATASET", help="the knowledge base's id or name")],
    base_url: BaseUrl = None,
    dataset_api_key: DatasetKey = None,
    as_json: Json = False,
) -> None:
    """The documents of a knowledge base."""
    from ..api.knowledge_base.v1.model.document import ListDocumentsRequest

    with _reporting(as_json), _client(base_url, dataset_key=dataset_api_key) as client:
        dataset_id = _dataset_id(client, dataset, as_json)
        request = ListDocumentsRequest.builder().dataset_id(dataset_id).limit(100).build()
        documents = list(client.knowledge_base.v1.document.iter(request))
    if as_json:
        _emit([d.model_dump(mode="json") for d in documents])
        return
    table = Table(_text("document"), _text("status"), _text("words"), _ID, title=f"{len(documents)} document(s)")
    for d in documents:  # a synced document shows the path it was synced from
        path = next((str(m.value) for m in d.doc_metadata or [] if m.name == PATH_FIELD and m.value), None)
        table.add_row(escape(path or d.name or ""), d.display_status or d.indexing_status or "",
                      str(d.word_count or 0), d.id)  # fmt: skip
    _out().print(table)


@kb_app.command("search")
def kb_search(
    dataset: Annotated[str, typer.Argument(metavar="DATASET", help="the knowledge base's id or name")],
    query: Annotated[str, typer.Argument(help="what to look for")],
    top_k: Annotated[int, typer.Option(help="at most this many chunks", min=1)] = 5,
    method: Annotated[
        SearchMethod | None,
        typer.Option(help="search method [default: keyword_search on economy, else semantic_search]"),
    ] = None,
    base_url: BaseUrl = None,
    dataset_api_key: DatasetKey = None,
    as_json: Json = False,
) -> None:
    """Retrieve the chunks of a knowledge base most relevant to a query."""
    from ..api.knowledge_base.v1.model.dataset import RetrieveRequest
    from ..api.knowledge_base.v1.model.retrieval import RetrievalModel

    with _reporting(as_json), _client(base_url, dataset_key=dataset_api_key) as client:
        found = find_dataset(client, dataset)
        if found is None:
            _fail(as_json, "NotFoundError", f"no dataset with id or name {dataset!r}")
        search: SearchMethod = method or (
            "keyword_search" if found.indexing_technique == "economy" else "semantic_search"
        )
        model = (
            RetrievalModel.builder().search_method(search).reranking_enable(False).top_k(top_k)
            .score_threshold_enabled(False).build()
        )  # fmt: skip
        result = client.knowledge_base.v1.dataset.retrieve(
            RetrieveRequest.builder().dataset_id(found.id).query(query).retrieval_model(model).build()
        )
    if as_json:
        _emit(result.model_dump(mode="json"))
        return
    table = Table(
        _text("score"), _text("document"), _text("chunk"), title=f"{len(result.records)} chunk(s) for {query!r}"
    )
    for record in result.records:
        segment = record.segment
        document = segment.document
        synced = (document.doc_metadata or {}).get(PATH_FIELD) if document else None  # the path it was synced from
        where = synced or (document.name if document else None) or segment.document_id or ""
        score = f"{record.score:.3f}" if record.score is not None else ""
        table.add_row(score, escape(str(where)), escape(segment.content or ""))
    _out().print(table)


class _SyncProgress(SyncObserver):
    """Two rich progress bars: files (compared, uploaded, deleted) and indexing (by phase; the count: documents
    indexed). Failures are listed after the summary table."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.files: TaskID = progress.add_task("files", total=None, count="")
        self.indexing: TaskID | None = None
        self.done = {"files": 0, "indexing": 0}
        self.totals = {"files": 0, "indexing": 0}

    def _count(self, task: TaskID, kind: str, total: int | None = None) -> None:
        if total is not None:
            self.totals[kind] = total
        self.progress.update(task, count=f"{self.done[kind]}/{self.totals[kind]}")

    def files_found(self, total: int) -> None:
        self.progress.update(self.files, total=total)
        self._count(self.files, "files", total)

    def file_done(self, path: str, outcome: Outcome, error: str | None = None) -> None:
        self.done["files"] += 1
        self.progress.update(self.files, advance=1)
        self._count(self.files, "files")

    def indexing_started(self, total: int) -> None:
        self.indexing = self.progress.add_task("indexing", total=total, count="")
        self._count(self.indexing, "indexing", total)

    def indexing_progress(self, completed: float, total: int) -> None:
        if self.indexing is not None:
            self.progress.update(self.indexing, completed=completed, total=total)

    def indexing_done(self, path: str, error: str | None = None) -> None:
        self.done["indexing"] += 1
        if self.indexing is not None:
            self._count(self.indexing, "indexing")


def _sync_table(report: SyncReport) -> Table:
    verb = "would be " if report.dry_run else ""
    title = f"{'Dry run: ' if report.dry_run else ''}{report.dataset_name} ({report.dataset_id or 'new'})"
    table = Table("outcome", "count", "files", title=title, title_justify="left")
    for label, items in (("created", report.created), ("updated", report.updated), ("deleted", report.deleted),
                         ("unchanged", report.unchanged)):  # fmt: skip
        shown = ", ".join(items[:4]) + (f", ... (+{len(items) - 4})" if len(items) > 4 else "")
        table.add_row(verb + label if label != "unchanged" else label, str(len(items)), escape(shown))
    style = "red" if report.failed else ""
    shown = ", ".join(f.file for f in report.failed[:4]) + (" ..." if len(report.failed) > 4 else "")
    table.add_row(f"[{style}]failed[/]" if style else "failed", str(len(report.failed)), escape(shown))
    return table


@kb_app.command("sync")
def kb_sync(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="the folder to sync", exists=True, file_okay=False, dir_okay=True)
    ],
    dataset: Annotated[str, typer.Option("--dataset", "-d", help="knowledge base id or name (created if missing)")],
    glob: Annotated[str, typer.Option(help="only files whose relative path or name matches, e.g. '*.md'")] = "*",
    delete_missing: Annotated[bool, typer.Option(help="delete synced documents whose file is gone from DIR")] = False,
    dry_run: Annotated[bool, typer.Option(help="say what would change, change nothing")] = False,
    concurrency: Annotated[int, typer.Option(help="files uploaded at once", min=1, max=32)] = 4,
    indexing_technique: Annotated[
        IndexingTechnique, typer.Option(help="for a knowledge base created by the sync")
    ] = "economy",
    wait: Annotated[bool, typer.Option(help="wait until the uploaded documents are indexed")] = True,
    timeout: Annotated[float, typer.Option(help="the longest wait for indexing, in seconds", min=0)] = 600.0,
    base_url: BaseUrl = None,
    dataset_api_key: DatasetKey = None,
    as_json: Json = False,
) -> None:
    """Sync a folder into a knowledge base: upload new files, update changed ones, leave the rest.

    A content hash kept in each document's metadata (dify_oapi_sha256) tells what changed, so a second run with
    nothing changed changes nothing. Safe to interrupt and run again.
    """
    with _reporting(as_json), _client(base_url, dataset_key=dataset_api_key) as client:
        if as_json:
            report = sync_folder(
                client, directory, dataset, pattern=glob, delete_missing=delete_missing, dry_run=dry_run,
                concurrency=concurrency, indexing_technique=indexing_technique, wait=wait, timeout=timeout,
            )  # fmt: skip
        else:
            columns = (SpinnerColumn(), TextColumn("{task.description:<9}"), BarColumn(),
                       TextColumn("{task.fields[count]:>7}"), TimeElapsedColumn())  # fmt: skip
            with Progress(*columns, console=_err(), transient=False) as progress:
                report = sync_folder(
                    client, directory, dataset, pattern=glob, delete_missing=delete_missing, dry_run=dry_run,
                    concurrency=concurrency, indexing_technique=indexing_technique, wait=wait, timeout=timeout,
                    poll_interval=0.5, observer=_SyncProgress(progress),
                )  # fmt: skip
    if as_json:
        _emit(report.summary())
    else:
        out = _out()
        if report.dataset_created:
            out.print(f"{'would create' if dry_run else 'created'} knowledge base {escape(report.dataset_name)!r}")
        out.print(_sync_table(report))
        for failure in report.failed:
            out.print(f"[red]failed[/] {escape(failure.file)}: {escape(failure.error)}")
        if not report.changed and not report.failed:
            out.print(f"Nothing to do: {len(report.unchanged)} file(s) already up to date.")
        elif dry_run:
            out.print("Dry run: nothing was changed.")
    if report.failed:
        raise typer.Exit(1)


# ---- demo ---------------------------------------------------------------------------------------------------------


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []})
def demo(ctx: typer.Context) -> None:
    """Walk through the SDK against the built-in server or DIFY_BASE_URL (no extra needed)."""
    from .. import __main__ as entry

    code = entry.main(["demo", *ctx.args])
    if code:
        raise typer.Exit(code)


def run(argv: Sequence[str]) -> int:
    """Run the command line with ``argv``; return the exit status."""
    try:
        app(args=list(argv), prog_name="dify-oapi")
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0
