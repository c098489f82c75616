from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from tests.support import Recorder

# ---- the async suite on both backends ------------------------------------------------------------------------------
# Every async test that goes through a real socket (the built-in server, the fault servers, a loopback server) runs
# twice: on the default httpx backend and on aiohttp (``Client(async_backend="aiohttp")``, set for the test through
# DIFY_ASYNC_BACKEND, which every Client created without an explicit backend or a given httpx.AsyncClient reads).
# A test's id carries ``httpx`` or ``aiohttp``. Tests over httpx.MockTransport are not doubled (they replace the
# transport); the fault matrix has its own aiohttp column (tests/reliability/matrix.py).

BACKENDS = ("httpx", "aiohttp")
_SOCKETS = ("DifyTestServer", "dify_server", "dify_client", "FaultServer", "make_api", "ThreadingHTTPServer",
            "socket.", "server.url", "uvicorn")  # fmt: skip
"""A module mentioning one of these talks to a real server over loopback."""
_OWN = ("test_matrix.py", "test_async_backend.py", "test_pool_limits.py")  # choose their backend themselves
_texts: dict[Path, str] = {}


def _over_sockets(metafunc: pytest.Metafunc) -> bool:
    path = Path(str(metafunc.definition.path))
    if path.name in _OWN or not path.name.startswith("test_"):
        return False
    text = _texts.get(path)
    if text is None:
        text = _texts[path] = path.read_text()
    return any(marker in text for marker in _SOCKETS)


def _is_async(metafunc: pytest.Metafunc) -> bool:
    fn = metafunc.function
    if inspect.iscoroutinefunction(fn):
        return True
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        return False
    return "asyncio.run(" in source or "await " in source


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "async_backend" in metafunc.fixturenames and _over_sockets(metafunc) and _is_async(metafunc):
        metafunc.parametrize("async_backend", BACKENDS, indirect=True, ids=list(BACKENDS))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test run in both modes runs its sync mode once (the backend is for async calls): the sync x aiohttp items
    are dropped (not deselected: nothing was chosen out)."""

    def wanted(item: pytest.Item) -> bool:
        params = getattr(getattr(item, "callspec", None), "params", {})
        return not (params.get("async_backend") == "aiohttp" and params.get("mode") == "sync")

    items[:] = [item for item in items if wanted(item)]


@pytest.fixture(autouse=True)
def async_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The async backend of this test's Clients (``httpx`` unless the test is parametrised over both)."""
    backend = str(getattr(request, "param", "httpx"))
    if backend == "httpx":
        monkeypatch.delenv("DIFY_ASYNC_BACKEND", raising=False)
    else:
        monkeypatch.setenv("DIFY_ASYNC_BACKEND", backend)
    return backend


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()
