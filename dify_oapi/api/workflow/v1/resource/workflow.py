"""``client.workflow.v1.workflow``."""

from __future__ import annotations

from .....core.resource import Resource


class Workflow(Resource):
    pass
