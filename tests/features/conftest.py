from __future__ import annotations

from collections.abc import Iterator

import pytest

from dify_oapi.testing import DifyTestServer
from tests.support import mode, server, servers

__all__ = ["mode", "server", "servers"]  # the fixtures shared with tests/e2e


@pytest.fixture
def user(request: pytest.FixtureRequest) -> str:
    """An end user of its own per test (the module's server is shared)."""
    return request.node.name.replace("[", "-").rstrip("]")


@pytest.fixture
def faulty(server: DifyTestServer) -> Iterator[DifyTestServer]:
    """The module's server, for a test that injects faults (latency, failed indexing): removed after it."""
    yield server
    server.reset_faults()
