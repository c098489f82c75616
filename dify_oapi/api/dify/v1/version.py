"""``client.dify.v1``: one cached property per resource."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from ....core.service import Version

if TYPE_CHECKING:  # resources are imported on first use
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
        from .resource.app import App

        return App(self._transport)

    @cached_property
    def file(self) -> File:
        from .resource.file import File

        return File(self._transport)

    @cached_property
    def audio(self) -> Audio:
        from .resource.audio import Audio

        return Audio(self._transport)

    @cached_property
    def feedback(self) -> Feedback:
        from .resource.feedback import Feedback

        return Feedback(self._transport)

    @cached_property
    def annotation(self) -> Annotation:
        from .resource.annotation import Annotation

        return Annotation(self._transport)

    @cached_property
    def end_user(self) -> EndUser:
        from .resource.end_user import EndUser

        return EndUser(self._transport)
