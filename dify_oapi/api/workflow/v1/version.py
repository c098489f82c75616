"""``client.workflow.v1``: one cached property per resource."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from ....core.service import Version

if TYPE_CHECKING:  # resources are imported on first use
    from .resource.human_input import HumanInput
    from .resource.log import Log
    from .resource.workflow import Workflow

__all__ = ["V1"]


class V1(Version):
    @cached_property
    def workflow(self) -> Workflow:
        from .resource.workflow import Workflow

        return Workflow(self._transport)

    @cached_property
    def human_input(self) -> HumanInput:
        from .resource.human_input import HumanInput

        return HumanInput(self._transport)

    @cached_property
    def log(self) -> Log:
        from .resource.log import Log

        return Log(self._transport)
