"""``client.workflow.v1``: one cached property per resource."""

from __future__ import annotations

from functools import cached_property

from ....core.service import Version
from .resource.human_input import HumanInput
from .resource.log import Log
from .resource.workflow import Workflow

__all__ = ["V1"]


class V1(Version):
    @cached_property
    def workflow(self) -> Workflow:
        return Workflow(self._transport)

    @cached_property
    def human_input(self) -> HumanInput:
        return HumanInput(self._transport)

    @cached_property
    def log(self) -> Log:
        return Log(self._transport)
