"""``client.knowledge_base.v1.child_chunk``."""

from __future__ import annotations

from .....core.resource import Resource


class ChildChunk(Resource):
    pass
