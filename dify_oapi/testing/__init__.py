"""dify_oapi.testing: a built-in Dify-compatible server for tests and the demo (the ``testing`` extra).

>>> from dify_oapi.testing import DifyTestServer
>>> with DifyTestServer() as server:
...     client = server.client()          # a dify_oapi.Client for the chatflow app and the knowledge base

Importing this package does not import starlette or uvicorn; starting a server does. With pytest, the ``dify_server``
and ``dify_client`` fixtures (registered by the package's pytest plugin) give a fresh started server per test.
"""

from __future__ import annotations

from ._faults import RecordedRequest
from .server import DifyTestServer

__all__ = ["DifyTestServer", "RecordedRequest"]
