"""The e2e harness: one scenario, two modes.

``Api(mode, client)`` calls a resource method by its sync name: in ``"sync"`` mode ``getattr(resource, name)(...)``,
in ``"async"`` mode ``await getattr(resource, "a" + name)(...)`` (``wait_for_indexing`` -> ``await_for_indexing``).
Streams, pagers, resumable generators and binary answers each have their helper (``events``, ``items``, ``binary``).
Every call is recorded as ``"<service>.v1.<resource>.<method>"`` in :data:`CALLED`, so that ``test_coverage`` can
check that the scenarios together call every public method of every resource, in both modes.
"""

from __future__ import annotations

import inspect
from typing import Any

import httpx

from dify_oapi import Client
from dify_oapi.client import SERVICES
from dify_oapi.core.resource import Method, Resource, iter_endpoints

__all__ = ["CALLED", "COMPLETE_RUN", "MODES", "Api", "all_public_methods"]

MODES = ("sync", "async")

CALLED: set[str] = set()

# False when this session does not run every e2e scenario (a file, -k...): the coverage check then skips.
COMPLETE_RUN = True


def _resources(client: Client) -> dict[int, str]:
    """id(resource instance) -> ``"<service>.v1.<resource>"`` for every resource of a Client."""
    found: dict[int, str] = {}
    for service in SERVICES:
        version: object = getattr(client, service).v1
        for attr in dir(type(version)):
            if attr.startswith("_"):
                continue
            resource = getattr(version, attr)
            if isinstance(resource, Resource):
                found[id(resource)] = f"{service}.v1.{attr}"
    return found


def all_public_methods(client: Client) -> set[str]:
    """Every method of every resource: the endpoint methods (``iter_endpoints``) and the helpers written by hand on
    the resource classes (``resume``, ``wait_for_indexing``, ``run_via_stream``...), sync and async twins."""
    names = {name for name, _ in iter_endpoints(client)}
    for resource_id, prefix in _resources(client).items():
        del resource_id
        service, _, attr = prefix.split(".")
        cls = type(getattr(getattr(client, service).v1, attr))
        for name in dir(cls):
            value = inspect.getattr_static(cls, name, None)
            if not name.startswith("_") and inspect.isfunction(value) and not isinstance(value, Method):
                names.add(f"{prefix}.{name}")
    return names


class Api:
    """Calls resource methods in one mode (``"sync"`` or ``"async"``) and records what it called."""

    def __init__(self, mode: str, client: Client) -> None:
        assert mode in MODES
        self.mode = mode
        self.client = client
        self._names = _resources(client)

    @property
    def is_async(self) -> bool:
        return self.mode == "async"

    def _method(self, resource: object, name: str) -> Any:
        actual = "a" + name if self.is_async else name
        prefix = self._names.get(id(resource))
        assert prefix is not None, f"{resource!r} is not a resource of this Api's client"
        CALLED.add(f"{prefix}.{actual}")
        return getattr(resource, actual)

    async def call(self, resource: object, name: str, *args: Any, **kwargs: Any) -> Any:
        """The answer of a plain method (``create`` / ``await acreate``)."""
        result = self._method(resource, name)(*args, **kwargs)
        if self.is_async:
            result = await result
        return result

    async def events(self, resource: object, name: str, *args: Any, **kwargs: Any) -> list[Any]:
        """Every event of a stream (``stream`` / ``astream``) or an event generator (``resume`` / ``aresume``)."""
        opened = self._method(resource, name)(*args, **kwargs)
        if not self.is_async:
            if hasattr(opened, "__enter__"):
                with opened as stream:
                    return list(stream)
            return list(opened)
        if hasattr(opened, "__aenter__"):
            async with opened as astream:
                return [event async for event in astream]
        return [event async for event in opened]

    async def items(self, resource: object, name: str, *args: Any, **kwargs: Any) -> list[Any]:
        """Every item of every page (``iter`` / ``aiter``; ``iter_messages`` / ``aiter_messages``...)."""
        pager = self._method(resource, name)(*args, **kwargs)
        if not self.is_async:
            return list(pager)
        return [item async for item in pager]

    async def binary(self, resource: object, name: str, *args: Any, **kwargs: Any) -> tuple[bytes, Any]:
        """The bytes of a binary answer and the response (its ``content_type``, ``filename``, ``headers``)."""
        if not self.is_async:
            with self._method(resource, name)(*args, **kwargs) as response:
                return response.read(), response
        aresponse = await self._method(resource, name)(*args, **kwargs)
        async with aresponse:
            return await aresponse.read(), aresponse

    async def fetch(self, url: str) -> bytes:
        """GET a plain URL (a signed download link) in this mode, outside the SDK."""
        if not self.is_async:
            return _get(url)
        async with httpx.AsyncClient() as http:
            response = await http.get(url)
            response.raise_for_status()
            return response.content


def _get(url: str) -> bytes:
    response = httpx.get(url)
    response.raise_for_status()
    return response.content
