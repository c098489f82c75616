"""``python -m dify_oapi demo`` explains itself: each part names the SDK calls it makes (and they exist), the
indexing progress names each document, the end points at README sections and examples that exist; it also runs
against a server given by DIFY_BASE_URL and keys."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from dify_oapi import Client
from dify_oapi._demo import DOCUMENTS, NEXT_STEPS, run
from dify_oapi.testing import DifyTestServer

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


@pytest.fixture(scope="module")
def local_output() -> str:
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as env:
        env.delenv("DIFY_BASE_URL", raising=False)
        assert run(local=True, out=out) == 0, out.getvalue()
    return out.getvalue()


def _sections(text: str) -> dict[str, list[str]]:
    parts = re.split(r"^== (.+?) =+$", text, flags=re.M)
    return {title: body.strip().splitlines() for title, body in zip(parts[1::2], parts[2::2], strict=True)}


def test_every_part_names_the_sdk_calls_it_makes(local_output: str) -> None:
    sections = _sections(local_output)
    assert len(sections) == 4 and "Where to go next" in sections
    with Client(api_key="k", dataset_api_key="d") as client:
        _check_calls(client, sections)


def _check_calls(client: Client, sections: dict[str, list[str]]) -> None:
    for title, lines in sections.items():
        calls = [line[4:] for line in lines if line.startswith(">>> ")]
        assert calls or title == "Where to go next", f"{title!r} names no SDK call"
        for call in calls:
            path = re.match(r"client((?:\.\w+)+)\(", call)
            assert path, call
            target: object = client
            for name in path.group(1).strip(".").split("."):
                target = getattr(target, name)  # an AttributeError here: the demo names a call that does not exist
            assert callable(target), call


def test_the_indexing_progress_names_each_document(local_output: str) -> None:
    for name in DOCUMENTS:
        assert re.search(rf"^  indexing '{re.escape(name)}': completed \d+/\d+ segments$", local_output, re.M), name
    assert "indexing: " not in local_output


def test_the_end_says_where_to_go_next_and_each_place_exists(local_output: str) -> None:
    headings = re.findall(r"^## (.+)$", README, re.M)
    named = re.findall(r"^  '([^']+)'", "\n".join(NEXT_STEPS), re.M)
    assert len(named) >= 5
    for section in named:
        assert any(h.startswith(section) for h in headings), f"README has no section {section!r}"
    examples = re.findall(r"\b(\w+_example\.py)\b", "\n".join(NEXT_STEPS))
    assert examples and all((ROOT / "examples" / e).is_file() for e in examples)
    assert sorted(set(examples)) == sorted(p.name for p in (ROOT / "examples").glob("*_example.py"))
    assert local_output.index("Where to go next") > local_output.index("dataset ")
    assert "DIFY_BASE_URL=" in local_output.split("Where to go next", 1)[1]


def test_against_a_server_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with DifyTestServer(indexing_seconds=0.05) as server:
        monkeypatch.setenv("DIFY_BASE_URL", server.url)
        monkeypatch.setenv("DIFY_API_KEY", server.app_keys["workflow"])
        monkeypatch.setenv("DIFY_DATASET_API_KEY", server.dataset_key)
        out = io.StringIO()
        assert run(out=out) == 0, out.getvalue()
        paths = {r.path for r in server.requests}
    text = out.getvalue()
    assert f"Dify server at {server.url}" in text and "Built-in" not in text
    assert ">>> client.dify.v1.app.info()" in text and "workflow_finished status=succeeded" in text
    assert "Chat:" not in text and "Where to go next" in text
    assert {"/info", "/workflows/run", "/datasets"} <= paths
