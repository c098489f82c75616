"""The README stays true: every Python block runs as written, its two commands are what CI runs.

How a README block is run (``test_readme_block_runs``), the way a reader reads:

- Blocks are grouped by their ``## `` section (the text before the first ``## `` is the section ``intro``). A block
  runs after the blocks before it in its own section, in one namespace, so a section can build on its first block;
  nothing carries over from another section. One fresh built-in server (``DifyTestServer``) per test.
- The environment holds ``DIFY_BASE_URL`` (the built-in server), ``DIFY_DATASET_API_KEY`` and ``DIFY_API_KEY``: the
  key of the app the block is about. That app is named by an HTML comment on the line(s) right before the block's
  fence: ``<!-- readme-test: app=workflow -->`` (``chat``, ``completion`` or ``workflow``; no comment: ``chat``).
  The environment is set per block, so a section may hold a chat block and then a completion block.
- The working directory is an empty temporary folder holding only ``report.pdf``, ``question.m4a`` and ``notes/``
  (``dify.txt``, ``sdk.md``, ``retrieval.txt``): blocks may use these by name and write files next to them.
- A block that raises, or runs longer than ``BLOCK_TIMEOUT`` seconds, fails with its section, number and README line;
  tracebacks point at README.md lines. ``<!-- readme-test: skip reason="..." -->`` before a block skips it, saying
  why (only for a block that cannot run offline). Fenced blocks other than ``python`` (bash, plain) are not run.
"""

from __future__ import annotations

import ast
import importlib
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from dify_oapi.testing import DifyTestServer

ROOT = Path(__file__).resolve().parents[1]
README_PATH = ROOT / "README.md"
README = README_PATH.read_text()
BLOCK_TIMEOUT = 120.0
APPS = ("chat", "completion", "workflow")

_FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
_MARKER = re.compile(r"<!--\s*readme-test:(.*?)-->", re.S)


@dataclass(frozen=True)
class Block:
    section: str
    number: int  # 1-based within its section
    line: int  # README line of the first code line
    code: str
    app: str
    skip: str | None

    @property
    def id(self) -> str:
        return f"{self.section} #{self.number} (README.md:{self.line})"


def _options(marker: str) -> dict[str, str]:
    return {k: v.strip('"') for k, v in re.findall(r'(\w+)=("[^"]*"|\S+)', marker)}


def parse_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    for match in _FENCE.finditer(text):
        before = text[: match.start()]
        headings = re.findall(r"^## (.+)$", before, re.M)
        section = headings[-1].strip() if headings else "intro"
        tail = before.rstrip()
        marker = _MARKER.search(tail[tail.rfind("<!--") :]) if tail.endswith("-->") else None
        options = _options(marker.group(1)) if marker else {}
        app = options.get("app", "chat")
        assert app in APPS, f"README.md:{before.count(chr(10)) + 1}: unknown app {app!r} (use one of {APPS})"
        number = 1 + sum(1 for b in blocks if b.section == section)
        line = before.count("\n") + 2
        blocks.append(Block(section, number, line, match.group(1), app, options.get("skip")))
    return blocks


BLOCKS = parse_blocks(README)


def _sample_files(folder: Path) -> None:
    # A one-page PDF and an M4A header: tiny, but what their names say.
    (folder / "report.pdf").write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    (folder / "question.m4a").write_bytes(b"\x00\x00\x00\x18ftypM4A \x00\x00\x02\x00isomM4A " + bytes(64))
    notes = folder / "notes"
    notes.mkdir()
    (notes / "dify.txt").write_text("Dify is an open-source platform for LLM apps.\n\nIt has pricing plans.\n")
    (notes / "sdk.md").write_text("# dify-oapi\n\nA typed SDK for the Dify Service API.\n")
    (notes / "retrieval.txt").write_text("Keyword retrieval scores segments by the query terms they share.\n")


def _run(block: Block, namespace: dict[str, object], server: DifyTestServer, env: pytest.MonkeyPatch) -> None:
    env.setenv("DIFY_API_KEY", server.app_keys[block.app])
    code = compile("\n" * (block.line - 1) + block.code, str(README_PATH), "exec")
    failure: list[BaseException] = []

    def target() -> None:
        try:
            exec(code, namespace)
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=target, name=f"readme-block-{block.line}", daemon=True)
    thread.start()
    thread.join(BLOCK_TIMEOUT)
    if thread.is_alive():
        server.stop()  # ends its open streams so the thread can finish
        pytest.fail(f"README block {block.id} ran longer than {BLOCK_TIMEOUT:.0f} s")
    if failure:
        raise AssertionError(f"README block {block.id} failed: {type(failure[0]).__name__}: {failure[0]}") from (
            failure[0]
        )


@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_readme_block_runs(block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if block.skip:
        pytest.skip(f"README block {block.id}: {block.skip}")
    _sample_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    for name in ("DIFY_OAPI_LOG", "DIFY_OPENAPI_SPEC"):
        monkeypatch.delenv(name, raising=False)
    with DifyTestServer(indexing_seconds=0.2) as server:
        monkeypatch.setenv("DIFY_BASE_URL", server.url)
        monkeypatch.setenv("DIFY_DATASET_API_KEY", server.dataset_key)
        namespace: dict[str, object] = {"__name__": "__readme__"}
        for earlier in [b for b in BLOCKS if b.section == block.section and b.number < block.number]:
            _run(earlier, namespace, server, monkeypatch)
        _run(block, namespace, server, monkeypatch)


# ---- the harness itself ----------------------------------------------------------------------------------------------


def test_the_readme_has_runnable_blocks_in_most_sections() -> None:
    assert len(BLOCKS) >= 8
    assert not [b.id for b in BLOCKS if b.skip], "every README block runs (skip only what cannot run offline)"
    assert {b.app for b in BLOCKS} == set(APPS)


def test_parse_blocks_reads_sections_markers_and_lines() -> None:
    text = (
        "intro\n```python\na = 1\n```\n## One\n\n<!-- readme-test: app=workflow -->\n```python\nb = 2\n```\n"
        '```bash\nls\n```\n<!-- readme-test: skip="needs a real Dify" app=completion -->\n\n```python\nc = 3\n```\n'
    )
    blocks = parse_blocks(text)
    assert [(b.section, b.number, b.app, b.line, b.code) for b in blocks] == [
        ("intro", 1, "chat", 3, "a = 1\n"),
        ("One", 1, "workflow", 9, "b = 2\n"),
        ("One", 2, "completion", 17, "c = 3\n"),
    ]
    assert blocks[2].skip == "needs a real Dify"
    with pytest.raises(AssertionError, match="unknown app 'agent'"):
        parse_blocks("<!-- readme-test: app=agent -->\n```python\nx\n```\n")


def test_a_failing_block_names_its_section_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    block = parse_blocks("## Broken\n\n```python\nfrom dify_oapi import Client\nClient().missing\n```\n")[0]
    with DifyTestServer() as server, pytest.raises(AssertionError, match=r"README block Broken #1 \(README.md:4\)"):
        _run(block, {}, server, monkeypatch)


@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_every_python_block_compiles_and_its_imports_exist(block: Block) -> None:
    tree = ast.parse(block.code)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dify_oapi"):
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name), f"{node.module} has no {alias.name}"


# ---- the two commands ----------------------------------------------------------------------------------------------


def _commands() -> list[str]:
    section = README.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_ci_runs_exactly_the_readme_test_command_and_the_demo() -> None:
    demo, tests = _commands()
    assert "pytest" in tests and "demo" in demo
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert tests in ci
    assert demo in ci
