"""``client.dify.v1.file``: upload files for messages and workflow inputs."""

from __future__ import annotations

from .....core.endpoint import Endpoint
from .....core.resource import Resource, acall, call
from ..model.file import UploadedFile, UploadFileRequest

UPLOAD = Endpoint("POST", "/files/upload", UploadFileRequest, UploadedFile, summary="Upload a file (multipart).")


class File(Resource):
    upload = call(UPLOAD)
    aupload = acall(UPLOAD)
