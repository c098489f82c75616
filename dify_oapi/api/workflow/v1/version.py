"""``client.workflow.v1``."""

from __future__ import annotations

from ....core.service import Version

__all__ = ["V1"]


class V1(Version):
    pass
