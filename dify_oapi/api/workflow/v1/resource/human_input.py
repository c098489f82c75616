"""``client.workflow.v1.human_input``."""

from __future__ import annotations

from .....core.resource import Resource


class HumanInput(Resource):
    pass
