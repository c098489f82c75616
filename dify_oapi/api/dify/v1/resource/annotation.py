"""``client.dify.v1.annotation``."""

from __future__ import annotations

from .....core.resource import Resource


class Annotation(Resource):
    pass
