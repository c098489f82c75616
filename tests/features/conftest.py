from __future__ import annotations

import pytest

from tests.support import mode, server, servers

__all__ = ["mode", "server", "servers"]  # the fixtures shared with tests/e2e


@pytest.fixture
def user(request: pytest.FixtureRequest) -> str:
    """An end user of its own per test (the module's server is shared)."""
    return request.node.name.replace("[", "-").rstrip("]")
