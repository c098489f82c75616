"""Files: upload a file for use in messages and workflow inputs."""

from __future__ import annotations

from typing import Annotated, Self

from .....core.builder import Builder, Setter
from .....core.files import FileInput
from .....core.model import File, Form, Request, Response, Timestamp, User

__all__ = ["UploadFileRequest", "UploadFileRequestBuilder", "UploadedFile"]


class UploadFileRequest(Request):
    """``POST /files/upload`` (multipart). ``file``: bytes, a binary file object, a path, or
    ``(filename, content[, content_type])``. ``user``: the end user the file belongs to."""

    file: Annotated[FileInput, File()]
    user: Annotated[str, User(), Form()]

    @staticmethod
    def builder() -> UploadFileRequestBuilder:
        return UploadFileRequestBuilder()


class UploadFileRequestBuilder(Builder[UploadFileRequest]):
    file: Setter[Self, FileInput]
    user: Setter[Self, str]


class UploadedFile(Response):
    """The uploaded file (answered with 201)."""

    id: str
    name: str | None = None
    size: int | None = None
    extension: str | None = None
    mime_type: str | None = None
    created_by: str | None = None
    created_at: Timestamp | None = None
    preview_url: str | None = None
    source_url: str | None = None
    original_url: str | None = None
    user_id: str | None = None
    tenant_id: str | None = None
    conversation_id: str | None = None
    file_key: str | None = None
    reference: str | None = None
