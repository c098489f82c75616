"""``client.knowledge_base.v1.dataset``."""

from __future__ import annotations

from .....core.resource import Resource


class Dataset(Resource):
    pass
