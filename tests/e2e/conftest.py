from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from dify_oapi import Client
from dify_oapi.testing import DifyTestServer

from .harness import MODES, Api

E2E_ITEMS: list[str] = []


def pytest_collection_finish(session: pytest.Session) -> None:
    """Remember which e2e tests run in this session (``test_coverage`` only judges a full e2e run)."""
    E2E_ITEMS[:] = [item.nodeid for item in session.items if "/e2e/" in item.nodeid.replace("\\", "/")]


@pytest.fixture(scope="module")
def server() -> Iterator[DifyTestServer]:
    """One server per test module (tests use names unique per mode, so state never collides)."""
    with DifyTestServer(indexing_seconds=0.05) as started:
        yield started


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


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
def user(request: pytest.FixtureRequest, mode: str) -> str:
    """An end-user id of its own per test and mode (the module's server is shared)."""
    return f"{request.node.originalname}-{mode}"
