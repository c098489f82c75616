"""File inputs for multipart uploads.

Accepted everywhere a file goes:

- ``bytes``                                   sent as ``file`` with ``application/octet-stream``
- a binary file object (``open(p, "rb")``, ``io.BytesIO``)   streamed; rewound before a retry when seekable
- a path (``str`` or ``os.PathLike``)         opened per attempt and streamed from disk, never read into memory
- ``(filename, content)`` or ``(filename, content, content_type)`` with content any of the above
"""

from __future__ import annotations

import mimetypes
import os
import stat
import typing
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, TYPE_CHECKING, Annotated, Any, TypeAlias

from pydantic import PlainValidator

from .errors import UploadChangedError

__all__ = ["FileContent", "FileInput", "OpenedFile", "is_file_input", "open_file", "rewindable"]

if TYPE_CHECKING:
    FileContent: TypeAlias = bytes | IO[bytes] | str | os.PathLike[str]
    FileInput: TypeAlias = (
        bytes | IO[bytes] | str | os.PathLike[str] | tuple[str, FileContent] | tuple[str, FileContent, str | None]
    )
else:

    def _validate_file_input(value: Any) -> Any:
        if not is_file_input(value):
            raise ValueError("a file is bytes, a binary file object, a path, or (filename, content[, content_type])")
        return value

    FileContent = Annotated[Any, PlainValidator(_validate_file_input)]
    FileInput = Annotated[Any, PlainValidator(_validate_file_input)]


def is_file_input(value: object) -> bool:
    if isinstance(value, tuple):
        return len(value) in (2, 3) and isinstance(value[0], str) and _is_content(value[1])  # pyright: ignore
    return _is_content(value)


def _is_content(value: object) -> bool:
    return isinstance(value, bytes | bytearray | memoryview | str | os.PathLike) or hasattr(value, "read")


@dataclass(slots=True)
class OpenedFile:
    """One file part ready for httpx: ``(filename, stream-or-bytes, content_type)``."""

    filename: str
    content: bytes | IO[bytes]
    content_type: str
    rewindable: bool

    def as_httpx(self) -> tuple[str, Any, str]:
        return (self.filename, self.content, self.content_type)


def open_file(value: FileInput, stack: ExitStack) -> OpenedFile:
    """Open ``value`` for one attempt; files opened here are closed by ``stack``."""
    name: str | None = None
    content_type: str | None = None
    content: Any = value
    if isinstance(value, tuple):
        name = value[0]
        content = value[1]
        if len(value) == 3:
            content_type = value[2]
    rewindable = True
    data: bytes | IO[bytes]
    if isinstance(content, bytes | bytearray | memoryview):
        data = bytes(typing.cast(bytes, content))
    elif isinstance(content, str | os.PathLike):
        path: str = os.fspath(typing.cast(str, content))
        data = stack.enter_context(open(path, "rb"))  # noqa: SIM115
        name = name or PurePath(str(path)).name
    else:
        data = content
        raw_name = getattr(content, "name", None)
        if name is None and isinstance(raw_name, str) and raw_name and not raw_name.startswith("<"):
            name = PurePath(raw_name).name
        rewindable = _seekable(content)
    name = name or "file"
    if content_type is None:
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if not isinstance(data, bytes):
        size = _size_of(data)
        if size is not None:
            data = typing.cast(IO[bytes], _ExactSize(data, size, name))
    return OpenedFile(name, data, content_type, rewindable)


def _size_of(obj: Any) -> int | None:
    """The size httpx announces for a file part (it sends from offset 0): a regular file's size on disk, else the end
    of a seekable object; None when it cannot be known without reading (then httpx sends the body chunked)."""
    try:
        info = os.fstat(obj.fileno())
    except (AttributeError, OSError, ValueError):
        pass
    else:
        return info.st_size if stat.S_ISREG(info.st_mode) else None
    if not _seekable(obj):
        return None
    try:
        here = obj.tell()
        end = int(obj.seek(0, os.SEEK_END))
        obj.seek(here)
    except (AttributeError, OSError, ValueError):
        return None
    return end


class _ExactSize:
    """A file part read through for httpx: exactly ``size`` bytes, the size announced in the request's
    ``Content-Length``. A file that ends sooner (it shrank) or goes on after (it grew) raises
    :class:`~dify_oapi.core.errors.UploadChangedError` while the body is sent: the request stops there, incomplete,
    instead of going out malformed (or failing deep in httpx/h11). httpx measures the part with ``tell``/``seek``
    and reads it with ``seek(0)`` then ``read(n)``; nothing else is offered."""

    __slots__ = ("_inner", "_name", "_pos", "_size")

    def __init__(self, inner: IO[bytes], size: int, name: str) -> None:
        self._inner = inner
        self._size = size
        self._name = name
        self._pos = 0

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_END:
            self._pos = self._size + offset  # measuring only: the next read seeks for real
            return self._pos
        target = offset if whence == os.SEEK_SET else self._pos + offset
        self._pos = int(self._inner.seek(target))
        return self._pos

    def read(self, n: int = -1) -> bytes:
        left = self._size - self._pos
        if left <= 0:
            if self._inner.read(1):
                raise self._changed("grew")
            return b""
        data = self._inner.read(left if n < 0 else min(n, left))
        if not data:
            raise self._changed("shrank")
        self._pos += len(data)
        if self._pos >= self._size and self._inner.read(1):
            raise self._changed("grew")
        return data

    def _changed(self, how: str) -> UploadChangedError:
        return UploadChangedError(
            f"the file {self._name!r} {how} while it was being uploaded (announced {self._size} bytes): the upload "
            "was stopped and is not sent again; upload it once it no longer changes",
            filename=self._name, expected=self._size,
        )  # fmt: skip


def _seekable(obj: Any) -> bool:
    try:
        return bool(obj.seekable())
    except Exception:
        return False


def file_objects(values: list[tuple[str, FileInput]]) -> Iterator[Any]:
    """The caller-owned file objects among ``values`` (not bytes, not paths)."""
    for _, value in values:
        content: Any = value[1] if isinstance(value, tuple) else value
        if hasattr(content, "read") and not isinstance(content, bytes | str | os.PathLike):
            yield content


def file_positions(values: list[tuple[str, FileInput]]) -> Iterator[tuple[Any, int]]:
    """Where each caller-owned, seekable file object stands now, to rewind it before a retry."""
    for content in file_objects(values):
        if _seekable(content):
            yield content, int(content.tell())


def rewindable(values: list[tuple[str, FileInput]]) -> bool:
    """False when a caller's file object cannot be rewound: such an upload is never sent twice."""
    return all(_seekable(content) for content in file_objects(values))
