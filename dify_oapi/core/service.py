"""Base classes for services (``client.chat``) and API versions (``client.chat.v1``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._transport import Transport

__all__ = ["Service", "Version"]


class Service:
    """A service: ``v1`` (a cached property in each subclass) gives its resources."""

    __slots__ = ("__dict__", "_transport")

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class Version:
    """One API version of a service: one cached property per resource."""

    __slots__ = ("__dict__", "_transport")

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__name__}>"
