"""``client.dify.v1.feedback``."""

from __future__ import annotations

from .....core.resource import Resource


class Feedback(Resource):
    pass
