"""Shapes every app type uses: files given as inputs, token usage, retriever resources."""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any, Literal, Self

from pydantic import model_validator

from .....core.builder import Builder, Setter
from .....core.errors import InvalidRequestError
from .....core.model import Request, Response, Timestamp

if TYPE_CHECKING:
    from .file import UploadedFile

__all__ = ["FileType", "InputFile", "InputFileBuilder", "RetrieverResource", "TransferMethod", "Usage", "file_type_of"]


FileType = Literal["document", "image", "audio", "video", "custom"]
"""The kinds of file Dify takes as a message or workflow input."""

TransferMethod = Literal["local_file", "remote_url"]
"""How a file input reaches Dify: an upload (``local_file``) or a link (``remote_url``)."""

# Dify's extensions per kind (its FILE_EXTENSIONS per FileType); anything else is "custom".
_KIND_EXTENSIONS: tuple[tuple[FileType, str], ...] = (
    ("document", "txt md mdx markdown pdf html htm xlsx xls vtt properties doc docx csv eml msg pptx ppt xml epub"),
    ("image", "jpg jpeg png gif webp svg"),
    ("audio", "mp3 m4a wav amr mpga"),
    ("video", "mp4 mov mpeg webm"),
)
_EXTENSIONS: dict[str, FileType] = {ext: kind for kind, exts in _KIND_EXTENSIONS for ext in exts.split()}
_FILE_TYPES: frozenset[str] = frozenset(("document", "image", "audio", "video", "custom"))


def file_type_of(name_or_extension: str | None, mime_type: str | None = None) -> FileType:
    """The :data:`FileType` of a file from its extension (``"pdf"``, ``".pdf"`` or a name ``"report.pdf"``), else
    from its MIME type's major part (``image/*``, ``audio/*``, ``video/*``, ``text/*``); else ``"custom"``."""
    extension = (name_or_extension or "").rsplit(".", 1)[-1].strip().lower()
    if extension in _EXTENSIONS:
        return _EXTENSIONS[extension]
    major = (mime_type or "").split("/", 1)[0].strip().lower()
    if major in ("image", "audio", "video"):
        return typing.cast(FileType, major)
    if major == "text" or (mime_type or "").lower().startswith("application/pdf"):
        return "document"
    return "custom"


def _checked_type(kind: object) -> FileType:
    if kind not in _FILE_TYPES:
        raise InvalidRequestError(
            f"file type must be one of {', '.join(sorted(_FILE_TYPES))} (got {kind!r}); "
            "InputFile.from_upload(upload) infers it"
        )
    return typing.cast(FileType, kind)


class InputFile(Request):
    """A file given to a chat message or a workflow input: an uploaded file (``transfer_method="local_file"`` with
    ``upload_file_id``) or a link (``"remote_url"`` with ``url``). ``type``: ``document``, ``image``, ``audio``,
    ``video`` or ``custom``."""

    type: FileType
    transfer_method: TransferMethod
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
    def local(upload_file_id: str, type: FileType) -> InputFile:
        """An uploaded file (``client.dify.v1.file.upload``), by its id, with its kind: ``"document"``, ``"image"``,
        ``"audio"``, ``"video"`` or ``"custom"`` (the app checks it against its allowed file types). Given the upload
        answer itself, :meth:`from_upload` infers the kind."""
        return InputFile(type=_checked_type(type), transfer_method="local_file", upload_file_id=upload_file_id)

    @staticmethod
    def from_upload(upload: UploadedFile, type: FileType | None = None) -> InputFile:
        """The file answered by ``client.dify.v1.file.upload``, its kind inferred from its extension (or MIME type):
        ``report.pdf`` is a document, ``photo.png`` an image; an extension Dify does not list is ``"custom"``.
        ``type`` overrides the inference."""
        kind = (
            _checked_type(type) if type is not None else file_type_of(upload.extension or upload.name, upload.mime_type)
        )
        return InputFile(type=kind, transfer_method="local_file", upload_file_id=upload.id)

    @staticmethod
    def remote(url: str, type: FileType = "document") -> InputFile:
        """A file the server downloads from ``url``."""
        return InputFile(type=type, transfer_method="remote_url", url=url)

    @staticmethod
    def builder() -> InputFileBuilder:
        return InputFileBuilder()


class InputFileBuilder(Builder[InputFile]):
    type: Setter[Self, FileType]
    transfer_method: Setter[Self, TransferMethod]
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
