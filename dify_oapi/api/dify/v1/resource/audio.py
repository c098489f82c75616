"""``client.dify.v1.audio``."""

from __future__ import annotations

from .....core.resource import Resource


class Audio(Resource):
    pass
