"""``client.dify.v1``: one cached property per resource."""

from __future__ import annotations

from functools import cached_property

from ....core.service import Version
from .resource.annotation import Annotation
from .resource.app import App
from .resource.audio import Audio
from .resource.end_user import EndUser
from .resource.feedback import Feedback
from .resource.file import File

__all__ = ["V1"]


class V1(Version):
    @cached_property
    def app(self) -> App:
        return App(self._transport)

    @cached_property
    def file(self) -> File:
        return File(self._transport)

    @cached_property
    def audio(self) -> Audio:
        return Audio(self._transport)

    @cached_property
    def feedback(self) -> Feedback:
        return Feedback(self._transport)

    @cached_property
    def annotation(self) -> Annotation:
        return Annotation(self._transport)

    @cached_property
    def end_user(self) -> EndUser:
        return EndUser(self._transport)
