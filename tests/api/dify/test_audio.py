"""client.dify.v1.audio: transcribe (multipart upload) and synthesize (audio bytes streamed to a file); sync and
async. Dify 1.14.1 was recorded without a speech model: only the "TTS disabled" answer is a transcript."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from dify_oapi.api.dify.v1.model.audio import AudioToTextRequest, TextToAudioRequest, Transcription
from dify_oapi.core.errors import (
    AudioTooLargeError,
    InvalidParamError,
    InvalidRequestError,
    SpeechToTextDisabledError,
    UnsupportedAudioTypeError,
)
from dify_oapi.core.streaming import AsyncBinaryResponse, BinaryResponse
from tests.api.dify._util import check_file_part, check_form_field, check_sent, parts, recorded, run
from tests.support import Recorder, make_client, transcript_response

AUDIO = b"ID3\x03\x00fake-mp3-frames" * 100


def _audio(rec: Recorder, **options: Any) -> Any:
    return make_client(rec, **options).dify.v1.audio


# ---- speech to text -------------------------------------------------------------------------------------------


async def test_transcribe_a_path(mode: str, recorder: Recorder, tmp_path: Path) -> None:
    path = tmp_path / "question.mp3"
    path.write_bytes(AUDIO)
    recorder.answers.append(httpx.Response(200, json={"text": "Hello, what is Dify?"}))
    req = AudioToTextRequest.builder().file(path).user("u-1").build()
    result = await run(mode, _audio(recorder), "transcribe", req)
    check_sent(recorder, "POST", "/audio-to-text", body=...)
    assert set(parts(recorder)) == {"file", "user"}
    check_file_part(recorder, filename="question.mp3", content_type="audio/mpeg", content=AUDIO)
    check_form_field(recorder, "user", "u-1")
    assert isinstance(result, Transcription) and result.text == "Hello, what is Dify?"


async def test_transcribe_a_tuple_with_an_accepted_type_and_no_user(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"text": "ok"}))
    req = AudioToTextRequest.builder().file(("q.mp3", AUDIO, "audio/mp3")).build()
    result = await run(mode, _audio(recorder), "transcribe", req)
    assert set(parts(recorder)) == {"file"}  # user is optional: not sent when not set
    check_file_part(recorder, filename="q.mp3", content_type="audio/mp3", content=AUDIO)
    assert result.text == "ok"


async def test_transcribe_ignores_the_client_default_user(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"text": "ok"}))
    req = AudioToTextRequest.builder().file(("q.wav", b"RIFF", "audio/wav")).user("explicit").build()
    await run(mode, _audio(recorder, default_user="default-u"), "transcribe", req)
    check_form_field(recorder, "user", "explicit")


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (400, "speech_to_text_disabled", SpeechToTextDisabledError),
        (413, "audio_too_large", AudioTooLargeError),
        (415, "unsupported_audio_type", UnsupportedAudioTypeError),
    ],
)
async def test_transcribe_errors(mode: str, recorder: Recorder, status: int, code: str, error: type[Exception]) -> None:
    recorder.answers.append(httpx.Response(status, json={"status": status, "code": code, "message": "no"}))
    req = AudioToTextRequest.builder().file(("q.mp3", AUDIO, "audio/mpeg")).build()
    with pytest.raises(error):
        await run(mode, _audio(recorder), "transcribe", req)


def test_transcribe_needs_a_file() -> None:
    with pytest.raises(InvalidRequestError, match="file is required"):
        AudioToTextRequest.builder().user("u").build()


# ---- text to speech -------------------------------------------------------------------------------------------


async def test_synthesize_streams_audio_to_a_file(mode: str, recorder: Recorder, tmp_path: Path) -> None:
    recorder.answers.append(httpx.Response(200, headers={"content-type": "audio/mpeg"}, content=AUDIO))
    req = TextToAudioRequest.builder().text("Hello").user("u-1").voice("alloy").build()
    answer = await run(mode, _audio(recorder), "synthesize", req)
    check_sent(recorder, "POST", "/text-to-audio", body={"text": "Hello", "user": "u-1", "voice": "alloy"})
    assert answer.content_type == "audio/mpeg"
    target = tmp_path / "hello.mp3"
    if mode == "sync":
        assert isinstance(answer, BinaryResponse)
        written = answer.write_to(target)
    else:
        assert isinstance(answer, AsyncBinaryResponse)
        written = await answer.write_to(target)
    assert written == len(AUDIO) and target.read_bytes() == AUDIO


async def test_synthesize_a_message(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, headers={"content-type": "audio/wav"}, content=b"RIFFdata"))
    req = TextToAudioRequest.builder().message_id("m-1").streaming(False).build()
    answer = await run(mode, _audio(recorder), "synthesize", req)
    check_sent(recorder, "POST", "/text-to-audio", body={"message_id": "m-1", "streaming": False})
    assert (answer.read() if mode == "sync" else await answer.read()) == b"RIFFdata"


async def test_synthesize_tts_disabled_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("err_tts_disabled"))
    req = TextToAudioRequest.builder().text("hi").user("sdk-fixture-user").build()
    with pytest.raises(InvalidParamError) as info:
        await run(mode, _audio(recorder), "synthesize", req)
    assert info.value.status_code == 400 and info.value.message == "TTS is not enabled"
    check_sent(recorder, "POST", "/text-to-audio", body=recorded("err_tts_disabled")["body"])
    assert len(recorder.requests) == 1


def test_synthesize_needs_text_or_a_message() -> None:
    with pytest.raises(InvalidRequestError, match="text or message_id"):
        TextToAudioRequest.builder().user("u").voice("alloy").build()
