"""``client.knowledge_base.v1.segment``."""

from __future__ import annotations

from .....core.resource import Resource


class Segment(Resource):
    pass
