"""``client.chat.v1.conversation``."""

from __future__ import annotations

from .....core.resource import Resource


class Conversation(Resource):
    pass
