"""Audio: speech to text (multipart upload) and text to speech (audio bytes)."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import model_validator

from .....core.builder import Builder, Setter
from .....core.files import FileInput
from .....core.model import File, Form, Request, Response

__all__ = [
    "AudioToTextRequest",
    "AudioToTextRequestBuilder",
    "TextToAudioRequest",
    "TextToAudioRequestBuilder",
    "Transcription",
]


class AudioToTextRequest(Request):
    """``POST /audio-to-text`` (multipart). ``file``: the audio (bytes, a binary file object, a path, or
    ``(filename, content[, content_type])``), at most 30 MB. The server reads the format from the part's content type
    (guessed from the file name: ``.mp3`` gives ``audio/mpeg``); the documented types are ``audio/mp3``, ``audio/m4a``,
    ``audio/wav``, ``audio/amr`` and ``audio/mpga``: pass the tuple form to choose one. ``user``: optional."""

    file: Annotated[FileInput, File()]
    user: Annotated[str | None, Form()] = None

    @staticmethod
    def builder() -> AudioToTextRequestBuilder:
        return AudioToTextRequestBuilder()


class AudioToTextRequestBuilder(Builder[AudioToTextRequest]):
    file: Setter[Self, FileInput]
    user: Setter[Self, str | None]


class Transcription(Response):
    """The recognised text."""

    text: str = ""


class TextToAudioRequest(Request):
    """``POST /text-to-audio``: voice ``text``, or the answer of ``message_id`` (which wins when both are given).
    ``voice``: one of the app's TTS provider voices (default: ``text_to_speech.voice`` of the app parameters).
    ``streaming`` is accepted by the server for compatibility and has no effect."""

    message_id: str | None = None
    text: str | None = None
    user: str | None = None
    voice: str | None = None
    streaming: bool | None = None

    @model_validator(mode="after")
    def _check_source(self) -> Self:
        if not self.message_id and not self.text:
            raise ValueError("give text or message_id")
        return self

    @staticmethod
    def builder() -> TextToAudioRequestBuilder:
        return TextToAudioRequestBuilder()


class TextToAudioRequestBuilder(Builder[TextToAudioRequest]):
    message_id: Setter[Self, str | None]
    text: Setter[Self, str | None]
    user: Setter[Self, str | None]
    voice: Setter[Self, str | None]
    streaming: Setter[Self, bool | None]
