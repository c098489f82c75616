"""``client.dify.v1``: what every app type shares."""

from __future__ import annotations

from functools import cached_property

from ....core.service import Version
from .resource.app import App
from .resource.file import File

__all__ = ["V1"]


class V1(Version):
    @cached_property
    def app(self) -> App:
        return App(self._transport)

    @cached_property
    def file(self) -> File:
        return File(self._transport)
