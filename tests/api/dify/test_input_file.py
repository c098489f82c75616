"""InputFile.local needs the file's kind; InputFile.from_upload infers it from the upload answer (extension, then
MIME type), instead of silently calling every file a document."""

from __future__ import annotations

import httpx
import pytest

from dify_oapi import InvalidRequestError
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.api.dify.v1.model.file import UploadedFile, UploadFileRequest
from dify_oapi.api.dify.v1.model.shared import InputFile, file_type_of
from tests.support import Recorder, call, make_client


def test_local_needs_a_valid_type() -> None:
    with pytest.raises(TypeError):
        InputFile.local("f-1")  # type: ignore[call-arg]
    with pytest.raises(InvalidRequestError, match="from_upload"):
        InputFile.local("f-1", "documnt")  # type: ignore[arg-type]
    assert InputFile.local("f-1", "image").model_dump(exclude_unset=True) == {
        "type": "image", "transfer_method": "local_file", "upload_file_id": "f-1",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("extension", "name", "mime", "expected"),
    [
        ("pdf", "report.pdf", "application/pdf", "document"),
        ("md", "notes.md", "text/markdown", "document"),
        ("PNG", "photo.PNG", "image/png", "image"),
        ("m4a", "question.m4a", "audio/mp4", "audio"),
        ("mp4", "clip.mp4", "video/mp4", "video"),
        (None, "photo.jpeg", None, "image"),
        (None, None, "image/heic", "image"),
        (None, None, "text/x-rst", "document"),
        ("xyz", "data.xyz", "application/octet-stream", "custom"),
        (None, None, None, "custom"),
    ],
)
def test_from_upload_infers_the_kind(extension: str | None, name: str | None, mime: str | None, expected: str) -> None:
    upload = UploadedFile(id="f-9", name=name, extension=extension, mime_type=mime)
    made = InputFile.from_upload(upload)
    assert (made.type, made.transfer_method, made.upload_file_id) == (expected, "local_file", "f-9")
    assert InputFile.from_upload(upload, "custom").type == "custom"
    assert file_type_of(extension or name, mime) == expected


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_an_uploaded_image_is_sent_as_an_image(mode: str) -> None:
    uploaded = {"id": "f-img", "name": "photo.png", "extension": "png", "mime_type": "image/png", "size": 3}
    rec = Recorder(
        answers=[
            httpx.Response(201, json=uploaded),
            httpx.Response(200, json={"event": "message", "answer": "ok", "id": "m", "conversation_id": "c"}),
        ]
    )
    client = make_client(rec)
    upload = await call(
        mode,
        client.dify.v1.file,
        "upload",
        UploadFileRequest.builder().file(("photo.png", b"png", "image/png")).user("u"),
    )
    request = ChatMessageRequest.builder().query("what is this?").user("u").files([InputFile.from_upload(upload)])
    await call(mode, client.chat.v1.message, "create", request.build())
    assert rec.json()["files"] == [{"type": "image", "transfer_method": "local_file", "upload_file_id": "f-img"}]
