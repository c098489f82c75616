"""``client.dify.v1.end_user``."""

from __future__ import annotations

from .....core.resource import Resource


class EndUser(Resource):
    pass
