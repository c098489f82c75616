"""The README stays true: its code compiles, its two commands are what CI runs, its names exist."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def test_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_every_python_block_compiles_and_its_imports_exist(index: int) -> None:
    tree = ast.parse(BLOCKS[index])
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dify_oapi"):
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name), f"{node.module} has no {alias.name}"


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


def _block(starting: str) -> str:
    found = [b for b in BLOCKS if b.startswith(starting)]
    assert len(found) == 1, starting
    return found[0]


def test_readme_client_examples_run_against_the_built_in_server(monkeypatch: pytest.MonkeyPatch) -> None:
    from dify_oapi.testing import DifyTestServer

    with DifyTestServer() as server:
        monkeypatch.setenv("DIFY_BASE_URL", server.url)
        monkeypatch.setenv("DIFY_API_KEY", server.app_key("chat"))
        monkeypatch.setenv("DIFY_DATASET_API_KEY", server.dataset_key)
        namespace: dict[str, object] = {}
        exec(BLOCKS[0], namespace)  # the opening example: Client() from the environment, a streamed answer
        exec(_block("client = Client(default_user="), namespace)  # the unbuilt builder completed by the client
        exec(_block("import asyncio"), namespace)  # sync and async
        chats = server.requests_to("/chat-messages")
    assert len(chats) == 4
    assert all(r.json and r.json.get("user") for r in chats)
