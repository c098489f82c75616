"""pytest plugin (registered through the ``pytest11`` entry point): fixtures for the built-in Dify server.

Importing this module must stay cheap and must not need the ``testing`` extra: the server is imported by the
fixtures, on use."""

from __future__ import annotations
