"""``client.dify.v1.file``: upload files for messages and workflow inputs; read them back."""

from __future__ import annotations

from .....core.endpoint import Endpoint
from .....core.resource import Resource, acall, acall_binary, call, call_binary
from ..model.file import PreviewFileRequest, UploadedFile, UploadFileRequest

UPLOAD = Endpoint("POST", "/files/upload", UploadFileRequest, UploadedFile, summary="Upload a file (multipart).")
PREVIEW = Endpoint(
    "GET", "/files/{file_id}/preview", PreviewFileRequest, bytes, kind="binary",
    summary="The content of an uploaded file (once a message used it), inline or as an attachment.",
)  # fmt: skip


class File(Resource):
    """Uploads. ``preview`` returns a :class:`~dify_oapi.core.streaming.BinaryResponse`: ``read()`` it or
    ``write_to(path)``; ``filename`` and ``content_type`` come from the answer's headers."""

    upload = call(UPLOAD)
    aupload = acall(UPLOAD)
    preview = call_binary(PREVIEW)
    apreview = acall_binary(PREVIEW)
