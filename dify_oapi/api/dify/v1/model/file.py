"""Files: upload a file for use in messages and workflow inputs."""

from __future__ import annotations

from typing import Annotated, Self

from .....core.builder import Builder, Setter
from .....core.files import FileInput
from .....core.model import File, Form, Path, Query, Request, Response, Timestamp, User

__all__ = [
    "PreviewFileRequest",
    "PreviewFileRequestBuilder",
    "UploadFileRequest",
    "UploadFileRequestBuilder",
    "UploadedFile",
]


class UploadFileRequest(Request):
    """``POST /files/upload`` (multipart). ``file``: bytes, a binary file object, a path, or
    ``(filename, content[, content_type])``. ``user``: the end user the file belongs to.

    The server would attribute a file sent without ``user`` to a shared ``DEFAULT-USER``; messages of your end users
    refer to their own uploads, so ``user`` is required here (or taken from the Client's ``default_user``)."""

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


class PreviewFileRequest(Request):
    """``GET /files/{file_id}/preview``: the content of a file uploaded through the API, once a message of this app
    used it. ``as_attachment=True`` asks for a download (``Content-Disposition: attachment`` with the file name).
    ``user`` is optional and has no effect on access."""

    file_id: Annotated[str, Path()]
    as_attachment: Annotated[bool | None, Query()] = None
    user: Annotated[str | None, Query()] = None

    @staticmethod
    def builder() -> PreviewFileRequestBuilder:
        return PreviewFileRequestBuilder()


class PreviewFileRequestBuilder(Builder[PreviewFileRequest]):
    file_id: Setter[Self, str]
    as_attachment: Setter[Self, bool | None]
    user: Setter[Self, str | None]
