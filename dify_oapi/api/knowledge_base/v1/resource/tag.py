"""``client.knowledge_base.v1.tag``."""

from __future__ import annotations

from .....core.resource import Resource


class Tag(Resource):
    pass
