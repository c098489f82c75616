"""The ``completion`` service: ``client.completion.v1``."""

from __future__ import annotations

from functools import cached_property

from ...core.service import Service
from .v1.version import V1

__all__ = ["CompletionService"]


class CompletionService(Service):
    @cached_property
    def v1(self) -> V1:
        return V1(self._transport)
