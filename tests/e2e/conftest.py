from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from dify_oapi import Client
from dify_oapi.testing import DifyTestServer
from tests.support import mode, server, servers

from . import harness
from .harness import Api

__all__ = ["mode", "server", "servers"]  # the fixtures shared with tests/features

HERE = Path(__file__).parent


def _in_e2e(item: pytest.Item) -> bool:
    return Path(str(item.path)).parent == HERE


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The coverage check runs after every scenario."""
    items.sort(key=lambda item: _in_e2e(item) and item.path.name == "test_coverage.py")


def pytest_deselected(items: list[pytest.Item]) -> None:
    if any(_in_e2e(item) for item in items):
        harness.COMPLETE_RUN = False


def pytest_collection_finish(session: pytest.Session) -> None:
    """``test_coverage`` only judges a session that runs every e2e scenario module, unfiltered."""
    ran = {item.path.name for item in session.items if _in_e2e(item)}
    if not {path.name for path in HERE.glob("test_*.py")} <= ran:
        harness.COMPLETE_RUN = False


@pytest.fixture
async def make_api(server: DifyTestServer, mode: str) -> AsyncIterator[Callable[..., Api]]:
    """``make_api("workflow")`` gives an :class:`Api` in this test's mode over a fresh Client for that app;
    ``make_api(client=...)`` wraps a Client of your own. Clients are closed afterwards."""
    clients: list[Client] = []

    def make(app: str = "chat", *, client: Client | None = None) -> Api:
        made = client if client is not None else server.client(app)
        clients.append(made)
        return Api(mode, made)

    yield make
    for client in clients:
        client.close()
        await client.aclose()


@pytest.fixture
def user(request: pytest.FixtureRequest, mode: str, async_backend: str) -> str:
    """An end-user id of its own per test, mode and async backend (the module's server is shared)."""
    return f"{request.node.originalname}-{mode}" + ("" if async_backend == "httpx" else f"-{async_backend}")
