"""``client.completion.v1.message``."""

from __future__ import annotations

from .....core.resource import Resource


class Message(Resource):
    pass
