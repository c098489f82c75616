from __future__ import annotations

import httpx

from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest, MessageEvent
from dify_oapi.api.dify.v1.model.file import UploadFileRequest
from tests.support import APP_KEY, Recorder, make_client, transcript_response


def test_blocking_chat_replay(recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_chat_blocking_new"))
    client = make_client(recorder)
    req = ChatMessageRequest.builder().query("Hello").inputs({"name": "Ada"}).user("sdk-fixture-user").build()
    answer = client.chat.v1.message.create(req)
    assert answer.answer == "Echo: Hello (name=Ada)"
    assert recorder.json() == {
        "query": "Hello",
        "inputs": {"name": "Ada"},
        "user": "sdk-fixture-user",
        "response_mode": "blocking",
    }
    assert recorder.last.headers["authorization"] == f"Bearer {APP_KEY}"


def test_stream_chat_replay(recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_chat_streaming_new"))
    client = make_client(recorder)
    req = ChatMessageRequest.builder().query("Stream me").user("u").build()
    events = list(client.chat.v1.message.stream(req))
    text = "".join(e.answer for e in events if isinstance(e, MessageEvent))
    assert text
    assert events[-1].event == "workflow_finished"


async def test_async_upload(recorder: Recorder, tmp_path) -> None:
    recorder.answers.append(transcript_response("cf_files_upload"))
    path = tmp_path / "doc.txt"
    path.write_bytes(b"hello file")
    client = make_client(recorder)
    up = await client.dify.v1.file.aupload(UploadFileRequest.builder().file(path).user("u").build())
    assert up.id
    body = recorder.bodies[-1]
    assert b'filename="doc.txt"' in body and b"hello file" in body and b'name="user"' in body
    assert isinstance(recorder.last, httpx.Request)
