"""pytest plugin (registered through the ``pytest11`` entry point): fixtures for the built-in Dify server.

Importing this module must stay cheap and must not need the ``testing`` extra: the server is imported by the
fixtures, on use.

- ``dify_server``: a started :class:`dify_oapi.testing.DifyTestServer` (fresh per test, stopped afterwards).
  Parametrise it indirectly to pass settings: ``@pytest.mark.parametrize("dify_server", [{"pause_workflows": True}],
  indirect=True)``.
- ``dify_client``: ``dify_server.client()`` (the chatflow app's key and the dataset key), closed afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from dify_oapi import Client
    from dify_oapi.testing import DifyTestServer

__all__ = ["dify_client", "dify_server"]


@pytest.fixture
def dify_server(request: pytest.FixtureRequest) -> Iterator[DifyTestServer]:
    """A started Dify test server, stopped after the test."""
    from dify_oapi.testing import DifyTestServer

    options: dict[str, Any] = getattr(request, "param", None) or {}
    server = DifyTestServer(**options)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def dify_client(dify_server: DifyTestServer) -> Iterator[Client]:
    """A Client for ``dify_server`` (chatflow app key + dataset key, no retries), closed after the test."""
    client = dify_server.client()
    try:
        yield client
    finally:
        client.close()
