"""``client.knowledge_base.v1.pipeline``."""

from __future__ import annotations

from .....core.resource import Resource


class Pipeline(Resource):
    pass
