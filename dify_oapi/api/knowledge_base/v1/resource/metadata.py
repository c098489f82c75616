"""``client.knowledge_base.v1.metadata``."""

from __future__ import annotations

from .....core.resource import Resource


class Metadata(Resource):
    pass
