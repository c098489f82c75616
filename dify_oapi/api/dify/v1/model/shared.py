"""Shapes every app type uses: files given as inputs, token usage, retriever resources."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import model_validator

from .....core.builder import Builder, Setter
from .....core.model import Request, Response, Timestamp

__all__ = ["InputFile", "InputFileBuilder", "RetrieverResource", "Usage"]


class InputFile(Request):
    """A file given to a chat message or a workflow input: an uploaded file (``transfer_method="local_file"`` with
    ``upload_file_id``) or a link (``"remote_url"`` with ``url``). ``type``: ``document``, ``image``, ``audio``,
    ``video`` or ``custom``."""

    type: str
    transfer_method: Literal["local_file", "remote_url"] | str
    upload_file_id: str | None = None
    url: str | None = None

    @model_validator(mode="after")
    def _check_source(self) -> Self:
        if self.transfer_method == "local_file" and not self.upload_file_id:
            raise ValueError("a local_file needs upload_file_id (the id answered by files/upload)")
        if self.transfer_method == "remote_url" and not self.url:
            raise ValueError("a remote_url file needs url")
        return self

    @staticmethod
    def local(upload_file_id: str, type: str = "document") -> InputFile:
        """An uploaded file (``client.dify.v1.file.upload``), by its id."""
        return InputFile(type=type, transfer_method="local_file", upload_file_id=upload_file_id)

    @staticmethod
    def remote(url: str, type: str = "document") -> InputFile:
        """A file the server downloads from ``url``."""
        return InputFile(type=type, transfer_method="remote_url", url=url)

    @staticmethod
    def builder() -> InputFileBuilder:
        return InputFileBuilder()


class InputFileBuilder(Builder[InputFile]):
    type: Setter[Self, str]
    transfer_method: Setter[Self, Literal["local_file", "remote_url"] | str]
    upload_file_id: Setter[Self, str | None]
    url: Setter[Self, str | None]


class Usage(Response):
    """Token usage and price of a run. Prices are decimal strings, as the server sends them."""

    prompt_tokens: int | None = None
    prompt_unit_price: str | None = None
    prompt_price_unit: str | None = None
    prompt_price: str | None = None
    completion_tokens: int | None = None
    completion_unit_price: str | None = None
    completion_price_unit: str | None = None
    completion_price: str | None = None
    total_tokens: int | None = None
    total_price: str | None = None
    currency: str | None = None
    latency: float | None = None


class RetrieverResource(Response):
    """A knowledge chunk the answer cited."""

    position: int | None = None
    dataset_id: str | None = None
    dataset_name: str | None = None
    document_id: str | None = None
    document_name: str | None = None
    segment_id: str | None = None
    score: float | None = None
    content: str | None = None
    created_at: Timestamp | None = None


class MessageMetadata(Response):
    """``metadata`` of an answer: usage and the knowledge it cited."""

    usage: Usage | None = None
    retriever_resources: list[RetrieverResource] = []
    annotation_reply: dict[str, Any] | None = None


__all__ += ["MessageMetadata"]
