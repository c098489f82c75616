"""Helpers for the ``dify`` service tests (the shared ones live in tests.support)."""

from __future__ import annotations

from tests.support import MODES, Recorder, check_sent, recorded
from tests.support import call as run
from tests.support import multipart_parts as parts

__all__ = ["MODES", "check_file_part", "check_form_field", "check_sent", "parts", "recorded", "run"]


def check_file_part(rec: Recorder, *, filename: str, content_type: str, content: bytes, index: int = -1) -> None:
    """The ``file`` part: its name, file name, content type and exact bytes."""
    part = parts(rec, index)["file"]
    assert part.get_filename() == filename
    assert part.get_content_type() == content_type
    assert part.get_payload(decode=True) == content
    raw = rec.bodies[index]
    assert f'Content-Disposition: form-data; name="file"; filename="{filename}"'.encode() in raw


def check_form_field(rec: Recorder, name: str, value: str, index: int = -1) -> None:
    """A plain multipart field: no file name, no content type, exactly ``value``."""
    part = parts(rec, index)[name]
    assert part.get_filename() is None and "content-type" not in part
    assert part.get_payload(decode=True) == value.encode()
