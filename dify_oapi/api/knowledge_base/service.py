"""The ``knowledge_base`` service: ``client.knowledge_base.v1``."""

from __future__ import annotations

from functools import cached_property

from ...core.service import Service
from .v1.version import V1

__all__ = ["KnowledgeBaseService"]


class KnowledgeBaseService(Service):
    @cached_property
    def v1(self) -> V1:
        return V1(self._transport)
