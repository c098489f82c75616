"""The ``demo`` command (``python -m dify_oapi demo``, ``dify-oapi demo``): a walk through the SDK.

It lives in its own module so the command line (``dify_oapi.__main__``) only parses arguments and calls
:func:`run`; the demo needs nothing beyond the SDK and its ``testing`` package (no command-line extra).

Without configuration it starts the built-in Dify test server (the ``testing`` extra: ``pip install ".[testing]"``
from a checkout) and runs every part against it. With ``DIFY_BASE_URL`` set it runs against that server instead: the chat or workflow part
(whichever app ``DIFY_API_KEY`` belongs to) and the knowledge-base part (with ``DIFY_DATASET_API_KEY``); parts
whose key is missing are skipped, saying so. ``--local`` forces the built-in server. Exit code 0 on success.

Each part prints the SDK calls it makes (``>>> client.chat.v1.message.stream(...)``) before their results, and the
end says where to read on (README sections, ``examples/``).
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO, cast

from . import Client, DifyError

if TYPE_CHECKING:
    from .testing import DifyTestServer

__all__ = ["run"]

USER = "dify-oapi-demo"

DOCUMENTS = {
    "dify.txt": (
        "Dify is an open-source platform for building LLM applications.\n\n"
        "It offers workflows, chatflows, agents and knowledge bases."
    ),
    "sdk.txt": (
        "The dify-oapi SDK gives typed builders for every Service API operation.\n\n"
        "Streaming answers arrive as typed events, and knowledge bases are managed with the dataset key."
    ),
    "retrieval.txt": "Keyword retrieval scores segments by the query terms they share.",
}

# README.md sections (by their heading) and examples/ files; tests check that each exists.
NEXT_STEPS = (
    "README.md, section by section:",
    "  'Quick start'                 one client, typed requests, per-call options",
    "  'Chat and completion apps'    streaming, conversations, create_via_stream, stop",
    "  'Workflow apps'               runs, resumable streams, human input",
    "  'Knowledge bases'             datasets, documents, wait_for_indexing, segments, retrieval, pipelines",
    "  'Errors'                      the typed error tree",
    "  'Testing your code against a built-in Dify server'   this server in your own tests",
    "examples/: chat_example.py, completion_example.py, workflow_example.py, knowledge_base_example.py,",
    "  dify_example.py (python examples/chat_example.py, with DIFY_BASE_URL and DIFY_API_KEY set)",
)
REMOTE_HINT = (
    "Against your own Dify (each part runs if its key is set):",
    "  DIFY_BASE_URL=https://your-dify/v1 DIFY_API_KEY=app-... DIFY_DATASET_API_KEY=dataset-... python -m dify_oapi demo",
)


class Demo:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.failures = 0

    def say(self, text: str = "", end: str = "\n") -> None:
        self.out.write(text + end)
        self.out.flush()

    def title(self, text: str) -> None:
        self.say(f"\n== {text} " + "=" * max(3, 70 - len(text)))

    def call(self, code: str) -> None:
        """Name the SDK call about to be made (``client....``), one short line."""
        self.say(f">>> {code}")

    def step(self, name: str, action: Callable[[], None]) -> None:
        self.title(name)
        try:
            action()
        except DifyError as exc:
            self.failures += 1
            self.say(f"!! {name} failed: {type(exc).__name__}: {exc}")

    # ---- parts ------------------------------------------------------------------------------------------------

    def chat(self, client: Client) -> None:
        from .api.chat.v1.model.chat_message import ChatMessageRequest
        from .api.chat.v1.model.conversation import ListConversationsRequest, ListMessagesRequest

        messages = client.chat.v1.message
        request = ChatMessageRequest.builder().query("What is Dify?").user(USER).build()
        self.call('client.chat.v1.message.stream(ChatMessageRequest.builder().query("What is Dify?").user(...))')
        self.say("you > What is Dify?")
        self.say("bot > ", end="")
        conversation_id: str | None = None
        with messages.stream(request) as events:
            for event in events:
                if event.event in ("message", "agent_message"):
                    self.say(str(getattr(event, "answer", "") or ""), end="")
                conversation_id = conversation_id or getattr(event, "conversation_id", None)
        self.say()
        if conversation_id is None:
            raise RuntimeError("the stream gave no conversation id")
        follow = (
            ChatMessageRequest.builder().query("And what is a chatflow?").user(USER).conversation_id(conversation_id)
        ).build()
        self.call(
            "client.chat.v1.message.create(...conversation_id(conversation_id)...)  # blocking, same conversation"
        )
        answer = messages.create(follow)
        self.say("you > And what is a chatflow?")
        self.say(f"bot > {answer.answer}")
        self.call("client.chat.v1.conversation.list(ListConversationsRequest.builder().user(...).limit(5))")
        conversations = client.chat.v1.conversation.list(ListConversationsRequest.builder().user(USER).limit(5).build())
        self.say("conversations:")
        for conversation in conversations.data:
            self.say(f"  - {conversation.name!r} ({conversation.id})")
        self.call("client.chat.v1.conversation.messages(ListMessagesRequest...conversation_id(conversation_id))")
        history = client.chat.v1.conversation.messages(
            ListMessagesRequest.builder().user(USER).conversation_id(conversation_id).build()
        )
        self.say(f"messages in the conversation: {len(history.data)}")

    def workflow(self, client: Client, inputs: dict[str, Any]) -> None:
        from .api.workflow.v1.model.workflow_run import RunWorkflowRequest

        request = RunWorkflowRequest.builder().inputs(inputs).user(USER).build()
        self.call(f"client.workflow.v1.workflow.stream(RunWorkflowRequest.builder().inputs({inputs!r}).user(...))")
        with client.workflow.v1.workflow.stream(request) as events:
            for event in events:
                data: Any = getattr(event, "data", None)
                if event.event in ("node_started", "node_finished"):
                    status = getattr(data, "status", None) if event.event == "node_finished" else "running"
                    self.say(
                        f"  {event.event:<14} {getattr(data, 'title', '?')} [{getattr(data, 'node_type', '?')}] {status}"
                    )
                elif event.event == "text_chunk":
                    self.say(f"  text_chunk     {getattr(data, 'text', '')!r}")
                elif event.event in ("workflow_started", "workflow_finished", "workflow_paused"):
                    extra = f" status={getattr(data, 'status', '')} outputs={getattr(data, 'outputs', None)}"
                    self.say(f"  {event.event}" + (extra if event.event != "workflow_started" else ""))

    def knowledge(self, client: Client, interval: float) -> None:
        from .api.knowledge_base.v1.model.dataset import (
            CreateDatasetRequest,
            DeleteDatasetRequest,
            RetrieveRequest,
        )
        from .api.knowledge_base.v1.model.document import CreateDocumentByTextRequest, IndexingStatusList
        from .api.knowledge_base.v1.model.retrieval import RetrievalModel
        from .api.knowledge_base.v1.model.segment import ListSegmentsRequest, SegmentUpdate, UpdateSegmentRequest

        kb = client.knowledge_base.v1
        name = f"dify-oapi demo {uuid.uuid4().hex[:8]}"
        self.call('client.knowledge_base.v1.dataset.create(CreateDatasetRequest...indexing_technique("economy"))')
        dataset = kb.dataset.create(
            CreateDatasetRequest.builder().name(name).description("Created by the dify-oapi demo")
            .indexing_technique("economy").build()
        )  # fmt: skip
        self.say(f"dataset {dataset.name!r} created ({dataset.id})")
        try:
            names: dict[str, str] = {}  # document id -> name
            batches: list[str] = []
            self.call(
                "client.knowledge_base.v1.document.create_by_text(CreateDocumentByTextRequest...)  # one per document"
            )
            for doc_name, text in DOCUMENTS.items():
                created = kb.document.create_by_text(
                    CreateDocumentByTextRequest.builder().dataset_id(dataset.id).name(doc_name).text(text)
                    .indexing_technique("economy").build()
                )  # fmt: skip
                names[created.document.id] = doc_name
                batches.append(created.batch)
                self.say(f"document {doc_name!r} added (batch {created.batch})")

            shown: dict[str, str] = {}

            def progress(status: IndexingStatusList) -> None:
                for s in status.data:
                    line = f"{s.indexing_status} {s.completed_segments or 0}/{s.total_segments or 0} segments"
                    if shown.get(s.id) != line:  # only what changed
                        shown[s.id] = line
                        self.say(f"  indexing {names.get(s.id, s.id)!r}: {line}")

            self.call("client.knowledge_base.v1.document.wait_for_indexing(dataset_id, batch, on_progress=...)")
            for batch in batches:
                kb.document.wait_for_indexing(
                    dataset.id, batch, interval=interval, factor=1.0, timeout=120, on_progress=progress
                )
            first_doc, first_name = next(iter(names.items()))
            self.call("client.knowledge_base.v1.segment.list(ListSegmentsRequest...document_id(document_id))")
            segments = kb.segment.list(
                ListSegmentsRequest.builder().dataset_id(dataset.id).document_id(first_doc).build()
            )
            self.say(f"segments of {first_name!r}:")
            for segment in segments.data:
                self.say(f"  #{segment.position} {segment.content!r}")
            if segments.data:
                target = segments.data[-1]
                edit = SegmentUpdate.builder().content(f"{target.content} Edited by the demo.").build()
                self.call("client.knowledge_base.v1.segment.update(UpdateSegmentRequest...segment(SegmentUpdate...))")
                updated = kb.segment.update(
                    UpdateSegmentRequest.builder().dataset_id(dataset.id).document_id(first_doc).segment_id(target.id)
                    .segment(edit).build()
                )  # fmt: skip
                self.say(f"edited #{target.position}: {updated.data.content!r}")
            model = (
                RetrievalModel.builder().search_method("keyword_search").reranking_enable(False).top_k(3)
                .score_threshold_enabled(False).build()
            )  # fmt: skip
            query = "keyword retrieval segments"
            self.call("client.knowledge_base.v1.dataset.retrieve(RetrieveRequest...retrieval_model(keyword_search))")
            result = kb.dataset.retrieve(
                RetrieveRequest.builder().dataset_id(dataset.id).query(query).retrieval_model(model).build()
            )
            self.say(f"retrieve {query!r}: {len(result.records)} record(s)")
            for record in result.records:
                self.say(f"  score {record.score}: {record.segment.content!r}")
        finally:
            self.call("client.knowledge_base.v1.dataset.delete(DeleteDatasetRequest.builder().dataset_id(...))")
            kb.dataset.delete(DeleteDatasetRequest.builder().dataset_id(dataset.id).build())
            self.say(f"dataset {dataset.id} deleted")

    def next_steps(self, remote: bool) -> None:
        self.title("Where to go next")
        for line in NEXT_STEPS:
            self.say(line)
        if not remote:
            for line in REMOTE_HINT:
                self.say(line)


def _local(demo: Demo) -> int:
    try:
        from .testing import DifyTestServer
    except ImportError as exc:  # pragma: no cover - the package always ships it
        demo.say(f"the built-in server is unavailable: {exc}")
        return 2
    server: DifyTestServer = DifyTestServer(indexing_seconds=0.6, chunk_delay=0.02)
    try:
        server.start()
    except RuntimeError as exc:
        demo.say(str(exc))
        return 2
    try:
        demo.say(f"Built-in Dify test server at {server.url}")
        with server.client("chat") as chat, server.client("workflow") as workflow:
            demo.step("Chat: a streamed answer, a follow-up, the conversation", lambda: demo.chat(chat))
            demo.step("Workflow: a streamed run and its node events", lambda: demo.workflow(workflow, {"text": "Hi!"}))
            demo.step("Knowledge base: documents, indexing, segments, retrieval", lambda: demo.knowledge(chat, 0.1))
        demo.next_steps(remote=False)
    finally:
        server.stop()
    return 1 if demo.failures else 0


def _remote(demo: Demo, base_url: str) -> int:
    api_key = os.environ.get("DIFY_API_KEY")
    dataset_key = os.environ.get("DIFY_DATASET_API_KEY")
    demo.say(f"Dify server at {base_url}")
    with Client(base_url=base_url, api_key=api_key, dataset_api_key=dataset_key) as client:
        if api_key:
            from .api.dify.v1.model.app import GetAppInfoRequest

            demo.call("client.dify.v1.app.info()  # which kind of app the key belongs to")
            info = client.dify.v1.app.info(GetAppInfoRequest.builder().build())
            mode = info.mode or ""
            demo.say(f"app {info.name!r} (mode {mode})")
            if mode in ("chat", "advanced-chat", "agent-chat"):
                demo.step("Chat: a streamed answer, a follow-up, the conversation", lambda: demo.chat(client))
            elif mode == "workflow":
                text = os.environ.get("DIFY_DEMO_INPUTS")
                inputs: dict[str, Any] = {"text": "Hello from dify-oapi"} if not text else _json_object(text)
                demo.step("Workflow: a streamed run and its node events", lambda: demo.workflow(client, inputs))
            else:
                demo.say(f"skipped the chat and workflow parts: the app's mode is {mode!r}")
        else:
            demo.say("skipped the chat and workflow parts: DIFY_API_KEY is not set")
        if dataset_key:
            demo.step("Knowledge base: documents, indexing, segments, retrieval", lambda: demo.knowledge(client, 1.0))
        else:
            demo.say("skipped the knowledge-base part: DIFY_DATASET_API_KEY is not set")
        demo.next_steps(remote=True)
    return 1 if demo.failures else 0


def _json_object(text: str) -> dict[str, Any]:
    import json

    value = json.loads(text)
    if not isinstance(value, dict):
        raise SystemExit("DIFY_DEMO_INPUTS must be a JSON object")
    return cast(dict[str, Any], value)


def run(*, local: bool = False, out: TextIO | None = None) -> int:
    """Run the demo (against ``DIFY_BASE_URL`` when set, unless ``local``), writing to ``out``; the exit code."""
    demo = Demo(out or sys.stdout)
    started = time.monotonic()
    base_url = os.environ.get("DIFY_BASE_URL")
    try:
        code = _remote(demo, base_url) if base_url and not local else _local(demo)
    except (DifyError, RuntimeError) as exc:
        demo.say(f"!! demo failed: {type(exc).__name__}: {exc}")
        code = 1
    demo.say(f"\n{'demo finished' if code == 0 else 'demo FAILED'} in {time.monotonic() - started:.1f} s")
    return code
