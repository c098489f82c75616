"""Every example in examples/ runs green against the built-in Dify server (as a user would run it: a subprocess with
DIFY_BASE_URL and the keys in its environment)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dify_oapi.testing import DifyTestServer

ROOT = Path(__file__).resolve().parents[1]
APPS = {"chat": "chat", "completion": "completion", "workflow": "workflow", "dify": "chat", "knowledge_base": "chat"}
EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*_example.py"))


def test_every_service_has_an_example() -> None:
    assert {name.removesuffix("_example.py") for name in EXAMPLES} == set(APPS)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_runs_against_the_built_in_server(name: str, tmp_path: Path) -> None:
    app = APPS[name.removesuffix("_example.py")]
    with DifyTestServer(indexing_seconds=0.05) as server:
        env = {
            **os.environ,
            "DIFY_BASE_URL": server.url,
            "DIFY_API_KEY": server.app_key(app),
            "DIFY_DATASET_API_KEY": server.dataset_key,
            "PYTHONPATH": str(ROOT),
        }
        done = subprocess.run(
            [sys.executable, str(ROOT / "examples" / name)], env=env, cwd=tmp_path, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert server.requests, "the example talked to the server"
