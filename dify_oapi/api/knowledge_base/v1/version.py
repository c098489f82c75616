"""``client.knowledge_base.v1``: one cached property per resource."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from ....core.service import Version

if TYPE_CHECKING:  # resources are imported on first use
    from .resource.child_chunk import ChildChunk
    from .resource.dataset import Dataset
    from .resource.document import Document
    from .resource.metadata import Metadata
    from .resource.model import Model
    from .resource.pipeline import Pipeline
    from .resource.segment import Segment
    from .resource.tag import Tag

__all__ = ["V1"]


class V1(Version):
    @cached_property
    def dataset(self) -> Dataset:
        from .resource.dataset import Dataset

        return Dataset(self._transport)

    @cached_property
    def document(self) -> Document:
        from .resource.document import Document

        return Document(self._transport)

    @cached_property
    def segment(self) -> Segment:
        from .resource.segment import Segment

        return Segment(self._transport)

    @cached_property
    def child_chunk(self) -> ChildChunk:
        from .resource.child_chunk import ChildChunk

        return ChildChunk(self._transport)

    @cached_property
    def tag(self) -> Tag:
        from .resource.tag import Tag

        return Tag(self._transport)

    @cached_property
    def metadata(self) -> Metadata:
        from .resource.metadata import Metadata

        return Metadata(self._transport)

    @cached_property
    def model(self) -> Model:
        from .resource.model import Model

        return Model(self._transport)

    @cached_property
    def pipeline(self) -> Pipeline:
        from .resource.pipeline import Pipeline

        return Pipeline(self._transport)
