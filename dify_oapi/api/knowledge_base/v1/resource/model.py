"""``client.knowledge_base.v1.model``."""

from __future__ import annotations

from .....core.resource import Resource


class Model(Resource):
    pass
