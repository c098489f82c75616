from __future__ import annotations

from collections.abc import Iterator

import pytest

from dify_oapi.testing import DifyTestServer
from tests.support import MODES


@pytest.fixture(scope="module")
def server() -> Iterator[DifyTestServer]:
    with DifyTestServer(indexing_seconds=0.05) as started:
        yield started


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def user(request: pytest.FixtureRequest) -> str:
    """An end user of its own per test (the module's server is shared)."""
    return request.node.name.replace("[", "-").rstrip("]")
