"""client.dify.v1.file: upload (multipart, from a path, bytes, a file object or a tuple) and preview (a binary
answer, inline or as an attachment, written to a file); sync and async, replayed from Dify 1.14.1."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest

from dify_oapi.api.dify.v1.model.file import PreviewFileRequest, UploadedFile, UploadFileRequest
from dify_oapi.core.errors import (
    BadRequestError,
    DifyFileNotFoundError,
    FileAccessDeniedError,
    InvalidRequestError,
    NoFileUploadedError,
    NotFoundError,
)
from dify_oapi.core.streaming import AsyncBinaryResponse, BinaryResponse
from tests.api.dify._util import check_file_part, check_form_field, check_sent, parts, recorded, run
from tests.support import Recorder, make_client, transcript, transcript_response

CF_FILE = "ad09b2fb-0c43-4c3f-9256-ac93771270c0"
WF_FILE = "0912eec5-1dcc-41cf-8c46-74e4356ce2ed"


def _file(rec: Recorder, **options: Any) -> Any:
    return make_client(rec, **options).dify.v1.file


def _recorded_file(name: str) -> tuple[str, bytes, str, str]:
    """(filename, content, content type, user) of the transcript's upload."""
    file_part, user_part = recorded(name)["body"]["parts"]
    assert file_part["name"] == "file" and user_part["name"] == "user"
    return file_part["filename"], file_part["content"].encode(), file_part["content_type"], user_part["value"]


# ---- upload ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "file_id"), [("cf_files_upload", CF_FILE), ("wf_files_upload", WF_FILE)])
async def test_upload_from_a_path_replay(
    mode: str, recorder: Recorder, tmp_path: Path, name: str, file_id: str
) -> None:
    filename, content, content_type, user = _recorded_file(name)
    path = tmp_path / filename
    path.write_bytes(content)
    recorder.answers.append(transcript_response(name))
    up = await run(mode, _file(recorder), "upload", UploadFileRequest.builder().file(path).user(user).build())
    check_sent(recorder, "POST", "/files/upload", body=...)
    assert set(parts(recorder)) == {"file", "user"}
    check_file_part(recorder, filename=filename, content_type=content_type, content=content)
    check_form_field(recorder, "user", user)
    assert isinstance(up, UploadedFile)
    assert up.id == file_id and up.name == filename and up.size == len(content) and up.extension == "txt"
    assert up.mime_type == "text/plain" and isinstance(up.created_at, int) and up.source_url
    assert up.preview_url is None and up.reference is None


async def test_upload_from_a_str_path(mode: str, recorder: Recorder, tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.4 tiny")
    recorder.answers.append(transcript_response("cf_files_upload"))
    await run(mode, _file(recorder), "upload", UploadFileRequest.builder().file(str(path)).user("u-1").build())
    check_file_part(recorder, filename="report.pdf", content_type="application/pdf", content=b"%PDF-1.4 tiny")
    check_form_field(recorder, "user", "u-1")


async def test_upload_bytes(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_files_upload"))
    await run(mode, _file(recorder), "upload", UploadFileRequest.builder().file(b"raw bytes").user("u-2").build())
    check_file_part(recorder, filename="file", content_type="application/octet-stream", content=b"raw bytes")
    check_form_field(recorder, "user", "u-2")


async def test_upload_a_file_object(mode: str, recorder: Recorder, tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    recorder.answers.append(transcript_response("cf_files_upload"))
    with path.open("rb") as fh:
        await run(mode, _file(recorder), "upload", UploadFileRequest.builder().file(fh).user("u-3").build())
        assert not fh.closed  # the caller's file stays the caller's
    check_file_part(recorder, filename="photo.png", content_type="image/png", content=b"\x89PNG\r\n\x1a\nfake")


async def test_upload_a_nameless_file_object_with_a_tuple(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_files_upload"))
    req = UploadFileRequest.builder().file(("notes.md", io.BytesIO(b"# notes"), "text/markdown")).user("u-4").build()
    await run(mode, _file(recorder), "upload", req)
    check_file_part(recorder, filename="notes.md", content_type="text/markdown", content=b"# notes")


async def test_upload_a_tuple_of_bytes(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_files_upload"))
    req = UploadFileRequest.builder().file(("hello.txt", b"Hello", "text/plain")).user("u-5").build()
    await run(mode, _file(recorder), "upload", req)
    check_file_part(recorder, filename="hello.txt", content_type="text/plain", content=b"Hello")
    check_form_field(recorder, "user", "u-5")


async def test_upload_user_from_the_client_default(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_files_upload"))
    file = make_client(recorder, default_user="default-u").dify.v1.file
    await run(mode, file, "upload", UploadFileRequest.builder().file(("a.txt", b"a", "text/plain")))
    check_form_field(recorder, "user", "default-u")


def test_upload_needs_a_file_and_a_user() -> None:
    with pytest.raises(InvalidRequestError, match="file is required"):
        UploadFileRequest.builder().user("u").build()
    with pytest.raises(InvalidRequestError, match="user is required"):
        UploadFileRequest.builder().file(b"x").build()
    with pytest.raises(InvalidRequestError, match="file"):
        UploadFileRequest.builder().file(12345).user("u").build()  # type: ignore[arg-type]


async def test_upload_no_file_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_files_upload_no_file"))
    with pytest.raises(NoFileUploadedError) as info:
        await run(mode, _file(recorder), "upload", UploadFileRequest.builder().file(b"").user("u").build())
    err = info.value
    assert isinstance(err, BadRequestError) and err.status_code == 400 and err.code == "no_file_uploaded"
    assert err.message == "Please upload your file."
    assert len(recorder.requests) == 1  # a 400 is never retried


# ---- preview --------------------------------------------------------------------------------------------------


async def _read(mode: str, answer: Any) -> bytes:
    if mode == "sync":
        assert isinstance(answer, BinaryResponse)
        return answer.read()
    assert isinstance(answer, AsyncBinaryResponse)
    return await answer.read()


async def test_preview_inline_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_file_preview"))
    req = PreviewFileRequest.builder().file_id(CF_FILE).user("sdk-fixture-user").build()
    answer = await run(mode, _file(recorder), "preview", req)
    check_sent(recorder, "GET", f"/files/{CF_FILE}/preview", query=[("user", "sdk-fixture-user")])
    assert answer.status_code == 200 and answer.content_type == "text/plain; charset=utf-8"
    assert answer.filename is None
    assert await _read(mode, answer) == transcript("cf_file_preview")["response"]["body"]


async def test_preview_download_to_a_file_replay(mode: str, recorder: Recorder, tmp_path: Path) -> None:
    recorder.answers.append(transcript_response("cf_file_preview_download"))
    req = PreviewFileRequest.builder().file_id(CF_FILE).as_attachment(True).user("sdk-fixture-user").build()
    answer = await run(mode, _file(recorder), "preview", req)
    check_sent(
        recorder, "GET", f"/files/{CF_FILE}/preview", query=[("as_attachment", "true"), ("user", "sdk-fixture-user")]
    )
    assert recorded("cf_file_preview_download")["query"] == {"user": "sdk-fixture-user", "as_attachment": "true"}
    assert answer.filename == "notes.txt" and answer.content_type == "application/octet-stream"
    target = tmp_path / answer.filename
    written = answer.write_to(target) if mode == "sync" else await answer.write_to(target)
    assert target.read_bytes() == b"Some notes for the chat.\n" and written == 25


async def test_preview_streams_in_chunks(mode: str, recorder: Recorder) -> None:
    big = bytes(range(256)) * 1024
    recorder.answers.append(httpx.Response(200, headers={"content-type": "image/png"}, content=big))
    answer = await run(mode, _file(recorder), "preview", PreviewFileRequest.builder().file_id("f-1").build())
    check_sent(recorder, "GET", "/files/f-1/preview")
    if mode == "sync":
        chunks = list(answer.iter_bytes(4096))
    else:
        chunks = [c async for c in answer.iter_bytes(4096)]
    assert b"".join(chunks) == big and len(chunks) > 1


async def test_preview_as_attachment_false_is_sent(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, content=b"x"))
    req = PreviewFileRequest.builder().file_id("f 1/..").as_attachment(False).build()
    answer = await run(mode, _file(recorder), "preview", req)
    assert recorder.last.url.raw_path == b"/v1/files/f%201%2F../preview?as_attachment=false"
    await _read(mode, answer)


async def test_preview_unused_file_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_file_preview_unused"))
    req = PreviewFileRequest.builder().file_id(WF_FILE).user("sdk-fixture-user").build()
    with pytest.raises(DifyFileNotFoundError) as info:
        await run(mode, _file(recorder), "preview", req)
    assert isinstance(info.value, NotFoundError) and info.value.code == "file_not_found"
    assert info.value.message == "File not found in message context"


async def test_preview_access_denied(mode: str, recorder: Recorder) -> None:
    body = {"status": 403, "code": "file_access_denied", "message": "Access to the requested file is denied."}
    recorder.answers.append(httpx.Response(403, json=body))
    with pytest.raises(FileAccessDeniedError):
        await run(mode, _file(recorder), "preview", PreviewFileRequest.builder().file_id("f").build())


def test_preview_needs_a_file_id() -> None:
    with pytest.raises(InvalidRequestError, match="file_id is required"):
        PreviewFileRequest.builder().build()
