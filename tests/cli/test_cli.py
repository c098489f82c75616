"""The ``dify-oapi`` command through typer's CliRunner against the built-in server (and ``serve`` as a process)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

from dify_oapi.cli import HASH_FIELD, PATH_FIELD
from dify_oapi.cli._app import app
from dify_oapi.testing import DifyTestServer
from tests.support import LIVENESS

ROOT = Path(__file__).resolve().parents[2]
SECRET_DATASET_KEY = "dataset-SECRET-never-printed"


@pytest.fixture
def server() -> Iterator[DifyTestServer]:
    with DifyTestServer(dataset_key=SECRET_DATASET_KEY, app_keys={"chat": "app-SECRET-chat"}) as started:
        yield started


def invoke(server: DifyTestServer, *args: str, app_kind: str = "chat", stdin: str | None = None) -> Result:
    env = {
        "DIFY_BASE_URL": server.url,
        "DIFY_API_KEY": server.app_key(app_kind),
        "DIFY_DATASET_API_KEY": server.dataset_key,
    }
    result = CliRunner().invoke(app, list(args), env=env, input=stdin)
    assert SECRET_DATASET_KEY not in result.output and "app-SECRET-chat" not in result.output
    return result


def as_json(result: Result) -> Any:
    """The one JSON document on stdout (fails if stdout holds anything else)."""
    return json.loads(result.stdout)


def mutations(server: DifyTestServer) -> list[str]:
    return [f"{r.method} {r.path}" for r in server.requests if r.method != "GET" and not r.path.endswith("/retrieve")]


# ---- chat ------------------------------------------------------------------------------------------------------------


def test_chat_once_streams_the_answer(server: DifyTestServer) -> None:
    result = invoke(server, "chat", "What is Dify?", "--input", "lang=en", "--input", "n:=3", "--user", "u-1")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Echo: What is Dify?\n"
    assert "conversation " in result.stderr
    sent = server.requests_to("/chat-messages")[-1].json
    assert sent["inputs"] == {"lang": "en", "n": 3} and sent["user"] == "u-1" and sent["response_mode"] == "streaming"


def test_chat_json_and_continuing_a_conversation(server: DifyTestServer) -> None:
    first = as_json(invoke(server, "chat", "hello", "--json"))
    assert set(first) == {"query", "answer", "conversation_id", "message_id"}
    assert first["answer"] == "Echo: hello" and first["conversation_id"]
    again = invoke(server, "chat", "and again", "--conversation", first["conversation_id"], "--json")
    assert as_json(again)["conversation_id"] == first["conversation_id"]
    assert server.requests_to("/chat-messages")[-1].json["conversation_id"] == first["conversation_id"]


def test_chat_interactive_keeps_the_conversation_across_turns(server: DifyTestServer) -> None:
    result = invoke(server, "chat", stdin="first\n\nsecond\nexit\nnever sent\n")
    assert result.exit_code == 0, result.output
    assert "Echo: first" in result.stdout and "Echo: second" in result.stdout and "never sent" not in result.stdout
    sent = [r.json for r in server.requests_to("/chat-messages")]
    assert [s["query"] for s in sent] == ["first", "second"]
    assert "conversation_id" not in sent[0] and sent[1]["conversation_id"]
    document = as_json(invoke(server, "chat", "--json", stdin="one\ntwo\n"))  # ends at end of input
    assert [t["answer"] for t in document["turns"]] == ["Echo: one", "Echo: two"]
    assert {t["conversation_id"] for t in document["turns"]} == {document["conversation_id"]}


def test_errors_are_one_line_with_a_status(server: DifyTestServer) -> None:
    result = invoke(server, "chat", "hi", "--api-key", "app-wrong")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: UnauthorizedError: 401 unauthorized")
    failed = invoke(server, "chat", "hi", "--api-key", "app-wrong", "--json")
    assert failed.exit_code == 1 and as_json(failed)["error"]["type"] == "UnauthorizedError"
    assert invoke(server, "chat", "hi", "--input", "no-equals-sign").exit_code == 2


# ---- run -------------------------------------------------------------------------------------------------------------


def test_run_shows_node_events_and_outputs(server: DifyTestServer, tmp_path: Path) -> None:
    result = invoke(server, "run", "--input", "text=Hello there", app_kind="workflow")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "started" in lines[0]
    assert any("> Start" in line for line in lines) and any("ok End" in line for line in lines)
    assert "Hello there" in result.stdout.split("outputs", 1)[1]
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps({"text": "from a file"}))
    document = as_json(invoke(server, "run", "--inputs", str(inputs), "--json", app_kind="workflow"))
    assert set(document) == {"workflow_run_id", "status", "outputs", "error", "nodes"}
    assert document["status"] == "succeeded" and document["outputs"] == {"text": "from a file"}
    assert [n["node_type"] for n in document["nodes"]] == ["start", "end"]
    wrong_app = invoke(server, "run", "--input", "text=x", "--json")  # the chat app's key: not a workflow app
    assert wrong_app.exit_code == 1 and as_json(wrong_app)["error"]["type"] == "NotWorkflowAppError"
    inputs.write_text("[1, 2]")
    assert invoke(server, "run", "--inputs", str(inputs), app_kind="workflow").exit_code == 2


# ---- kb --------------------------------------------------------------------------------------------------------------


def test_kb_create_list_docs_search_delete(server: DifyTestServer, tmp_path: Path) -> None:
    created = as_json(invoke(server, "kb", "create", "Team notes", "--description", "d", "--json"))
    assert created["name"] == "Team notes" and created["indexing_technique"] == "economy"
    listed = as_json(invoke(server, "kb", "list", "--json"))
    assert [d["id"] for d in listed] == [created["id"]]
    table = invoke(server, "kb", "list")
    assert created["id"] in table.stdout and "Team" in table.stdout
    (tmp_path / "apples.md").write_text("Apples are red and crisp.")
    assert invoke(server, "kb", "sync", str(tmp_path), "--dataset", created["id"], "--json").exit_code == 0
    docs = as_json(invoke(server, "kb", "docs", "Team notes", "--json"))
    assert [d["name"] for d in docs] == ["apples.md"]
    assert "apples.md" in invoke(server, "kb", "docs", created["id"]).stdout.replace("\n", "")
    hits = as_json(invoke(server, "kb", "search", "Team notes", "crisp apples", "--json"))
    assert hits["records"][0]["segment"]["content"] == "Apples are red and crisp."
    assert hits["records"][0]["segment"]["document"]["doc_metadata"][PATH_FIELD] == "apples.md"
    assert "Apples are red" in invoke(server, "kb", "search", created["id"], "apples").stdout
    missing = invoke(server, "kb", "docs", "No such base", "--json")
    assert missing.exit_code == 1 and as_json(missing)["error"]["type"] == "NotFoundError"
    assert as_json(invoke(server, "kb", "delete", created["id"], "--json")) == {"deleted": created["id"]}
    assert as_json(invoke(server, "kb", "list", "--json")) == []
    gone = invoke(server, "kb", "delete", created["id"])
    assert gone.exit_code == 1 and gone.stderr.startswith("error: NotFoundError")


# ---- kb sync ---------------------------------------------------------------------------------------------------------


def sync(server: DifyTestServer, folder: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = invoke(server, "kb", "sync", str(folder), "--dataset", "Notes", "--glob", "*.md", "--json", *extra)
    return result.exit_code, as_json(result)


def counts(summary: dict[str, Any]) -> tuple[int, int, int, int, list[str]]:
    return (summary["created"], summary["updated"], summary["deleted"], summary["unchanged"],
            [f["file"] for f in summary["failed"]])  # fmt: skip


def test_kb_sync_twice_then_changed_deleted_unreadable(server: DifyTestServer, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    (notes / "sub").mkdir(parents=True)
    (notes / "a.md").write_text("# A\n\nAlpha is the first letter.")
    (notes / "b.md").write_text("# B\n\nBeta comes second.")
    (notes / "sub" / "c.md").write_text("# C\n\nGamma sits in a folder.")
    (notes / "skipped.txt").write_text("not matched by the glob")
    (notes / ".hidden.md").write_text("hidden files are left out")

    code, first = sync(server, notes)
    assert code == 0 and counts(first) == (3, 0, 0, 0, [])
    assert first["dataset"]["created"] and first["dataset"]["name"] == "Notes" and not first["dry_run"]
    docs = as_json(invoke(server, "kb", "docs", "Notes", "--json"))
    assert sorted(d["name"] for d in docs) == ["a.md", "b.md", "sub__c.md"]
    values = {m["name"]: m["value"] for m in docs[0]["doc_metadata"]}
    assert set(values) >= {HASH_FIELD, PATH_FIELD} and len(values[HASH_FIELD]) == 64
    assert all(d["indexing_status"] == "completed" for d in docs)  # it waited for indexing

    server.clear_requests()
    code, second = sync(server, notes)
    assert code == 0 and counts(second) == (0, 0, 0, 3, [])
    assert mutations(server) == []  # nothing sent but reads
    text = invoke(server, "kb", "sync", str(notes), "--dataset", "Notes", "--glob", "*.md")
    assert "Nothing to do: 3 file(s) already up to date." in text.stdout

    (notes / "a.md").write_text("# A\n\nAlpha changed: now about apricots.")
    (notes / "b.md").unlink()
    (notes / "broken.md").symlink_to(notes / "nowhere.md")  # listed, unreadable (even for root)
    server.clear_requests()
    code, dry = sync(server, notes, "--dry-run", "--delete-missing")
    assert code == 1 and counts(dry) == (0, 1, 1, 1, ["broken.md"]) and dry["dry_run"]
    assert "cannot read" in dry["failed"][0]["error"]
    assert mutations(server) == []  # the dry run changed nothing

    code, third = sync(server, notes)
    assert code == 1 and counts(third) == (0, 1, 0, 1, ["broken.md"])  # b.md's document stays without the flag
    assert len(as_json(invoke(server, "kb", "docs", "Notes", "--json"))) == 3
    hits = as_json(invoke(server, "kb", "search", "Notes", "apricots", "--json"))["records"]
    assert [h["segment"]["document"]["doc_metadata"][PATH_FIELD] for h in hits] == ["a.md"]
    assert "sub/c.md" in invoke(server, "kb", "search", "Notes", "gamma folder").stdout  # the path, not sub__c.md

    code, fourth = sync(server, notes, "--delete-missing")
    assert code == 1 and counts(fourth) == (0, 0, 1, 2, ["broken.md"])
    assert sorted(d["name"] for d in as_json(invoke(server, "kb", "docs", "Notes", "--json"))) == ["a.md", "sub__c.md"]

    (notes / "broken.md").unlink()
    code, last = sync(server, notes, "--delete-missing")
    assert code == 0 and counts(last) == (0, 0, 0, 2, [])


def test_kb_sync_dry_run_of_a_new_dataset_creates_nothing(server: DifyTestServer, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("alpha")
    code, dry = sync(server, tmp_path, "--dry-run")
    assert code == 0 and counts(dry) == (1, 0, 0, 0, []) and dry["dataset"] == {"id": None, "name": "Notes",
                                                                                    "created": True}  # fmt: skip
    assert mutations(server) == [] and as_json(invoke(server, "kb", "list", "--json")) == []
    text = invoke(server, "kb", "sync", str(tmp_path), "--dataset", "Notes", "--dry-run")
    assert "would create knowledge base 'Notes'" in text.stdout and "Dry run: nothing was changed." in text.stdout


def test_kb_sync_a_refused_file_fails_alone_and_the_progress_shows(server: DifyTestServer, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("alpha")
    (tmp_path / "b.md").write_text("beta")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # the server refuses it (415)
    result = invoke(server, "kb", "sync", str(tmp_path), "--dataset", "Notes", "--concurrency", "2")
    assert result.exit_code == 1
    assert "photo.png" in result.stdout and "415 unsupported_file_type" in result.stdout
    assert "files" in result.stderr and "3/3" in result.stderr  # the progress bars (on stderr)
    assert "indexing" in result.stderr and "2/2" in result.stderr
    assert sorted(d["name"] for d in as_json(invoke(server, "kb", "docs", "Notes", "--json"))) == ["a.md", "b.md"]


def test_kb_sync_resumes_a_document_uploaded_before_an_interruption(server: DifyTestServer, tmp_path: Path) -> None:
    """A run stopped after uploading a file but before setting its metadata: the next run adopts the document."""
    from dify_oapi.api.knowledge_base.v1.model.dataset import CreateDatasetRequest
    from dify_oapi.api.knowledge_base.v1.model.document import CreateDocumentByFileRequest, DocumentFileData

    (tmp_path / "a.md").write_text("alpha")
    with server.client() as client:
        kb = client.knowledge_base.v1
        dataset = kb.dataset.create(CreateDatasetRequest.builder().name("Notes").indexing_technique("economy").build())
        kb.document.create_by_file(
            CreateDocumentByFileRequest.builder().dataset_id(dataset.id).file(tmp_path / "a.md")
            .data(DocumentFileData.builder().indexing_technique("economy").build()).build()
        )  # fmt: skip
    code, summary = sync(server, tmp_path)
    assert code == 0 and counts(summary) == (0, 1, 0, 0, []) and not summary["dataset"]["created"]
    code, summary = sync(server, tmp_path)
    assert code == 0 and counts(summary) == (0, 0, 0, 1, [])
    assert len(as_json(invoke(server, "kb", "docs", dataset.id, "--json"))) == 1


def test_kb_sync_stops_at_its_timeout_when_indexing_stalls(tmp_path: Path) -> None:
    """Indexing that never finishes, then a status poll that never answers: ``kb sync`` stops at ``--timeout`` (each
    poll is bounded by it, not by the Client's timeouts), exits 1 and says why for each file."""
    (tmp_path / "a.md").write_text("alpha")
    (tmp_path / "b.md").write_text("beta")
    with DifyTestServer(dataset_key=SECRET_DATASET_KEY, indexing_seconds=3600) as stalled:
        outcome: list[Result] = []

        def run(*extra: str) -> Result:
            def target() -> None:
                outcome.append(invoke(stalled, "kb", "sync", str(tmp_path), "--dataset", "Notes", "--timeout", "0.5",
                                      *extra))  # fmt: skip

            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            thread.join(LIVENESS)
            assert not thread.is_alive(), "kb sync did not stop at its timeout"
            return outcome.pop()

        stuck = run("--json")  # every status says "indexing" (or before), never "completed"
        assert stuck.exit_code == 1, stuck.output
        failed = as_json(stuck)["failed"]
        assert [f["file"] for f in failed] == ["a.md", "b.md"]
        assert all(f["error"] == "indexing not finished within 0.5 s (it goes on in Dify)" for f in failed)

        (tmp_path / "a.md").write_text("alpha, changed")
        (tmp_path / "b.md").write_text("beta, changed")
        stalled.set_latency(300, "/datasets/*/documents/*/indexing-status")  # cut short when the server stops
        hung = run()
        assert hung.exit_code == 1, hung.output
        assert "failed a.md: indexing not finished within 0.5 s" in hung.stdout
        assert "failed b.md: indexing not finished within 0.5 s" in hung.stdout
        assert "indexing" in hung.stderr  # the progress bar


# ---- serve, demo, help -----------------------------------------------------------------------------------------------


def test_serve_runs_standalone_until_terminated(tmp_path: Path) -> None:
    info = tmp_path / "server.json"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "dify_oapi", "serve", "--port", "0", "--info", str(info), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not info.exists():
            assert process.poll() is None, process.communicate(timeout=10)
            assert time.monotonic() < deadline, "serve did not write --info in time"
            time.sleep(0.1)
        details = json.loads(info.read_text())
        assert set(details["keys"]) == {"chat", "completion", "workflow", "dataset"}
        with httpx.Client(base_url=details["base_url"], trust_env=False, timeout=10) as http:
            chat = http.post(
                "/chat-messages", json={"query": "hi", "user": "u", "inputs": {}, "response_mode": "blocking"},
                headers={"Authorization": f"Bearer {details['keys']['chat']}"},
            )  # fmt: skip
            assert chat.status_code == 200 and chat.json()["answer"] == "Echo: hi"
            datasets = http.get("/datasets", headers={"Authorization": f"Bearer {details['keys']['dataset']}"})
            assert datasets.status_code == 200 and datasets.json()["data"] == []
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert json.loads(out) == details  # --json: that one document, nothing else
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


def test_serve_text_output_names_the_url_and_keys(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "dify_oapi", "serve"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # blocks until serving (bounded by the finally's kill on failure)
        assert first.startswith("Dify test server at http://127.0.0.1:")
        # Read the rest of the banner before interrupting: a signal sent under load could arrive mid-banner.
        seen = first
        wanted = ("app-test-chat-key", "dataset-test-key", "export DIFY_BASE_URL=")
        for _ in range(50):
            if all(w in seen for w in wanted):
                break
            seen += process.stdout.readline()
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=30)
        assert process.returncode == 0
        seen += out
        assert all(w in seen for w in wanted), seen
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


def test_demo_passes_its_arguments_through(server: DifyTestServer) -> None:
    result = invoke(server, "demo", "--help")
    assert result.exit_code == 0 and "--local" in result.stdout


def test_without_the_extra_demo_still_runs_and_other_commands_say_how_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from dify_oapi import __main__ as entry

    monkeypatch.setitem(sys.modules, "typer", None)  # import typer -> ImportError
    monkeypatch.setitem(sys.modules, "rich", None)
    assert entry.main(["kb", "list"]) == 2
    assert "pip install 'dify-oapi[cli]'" in capsys.readouterr().err
    assert entry.main(["demo", "--local"]) == 0
    assert "demo finished" in capsys.readouterr().out


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "chat", "run", "kb", "demo"):
        assert command in result.stdout
    kb = CliRunner().invoke(app, ["kb", "--help"])
    for command in ("list", "create", "delete", "docs", "search", "sync"):
        assert command in kb.stdout


def test_kb_search_method_is_one_of_the_four(server: DifyTestServer) -> None:
    """``--method`` takes the search methods the server knows only (a closed choice): a typo is a usage error, before
    any request."""
    bad = invoke(server, "kb", "search", "Notes", "q", "--method", "semantic")
    assert bad.exit_code == 2 and "semantic_search" in bad.output
    assert server.requests == []
