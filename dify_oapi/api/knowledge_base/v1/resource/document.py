"""``client.knowledge_base.v1.document``."""

from __future__ import annotations

from .....core.resource import Resource


class Document(Resource):
    pass
