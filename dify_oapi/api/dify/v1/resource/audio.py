"""``client.dify.v1.audio``: speech to text and text to speech."""

from __future__ import annotations

from .....core.endpoint import Endpoint
from .....core.resource import Resource, acall, acall_binary, call, call_binary, optional_request
from ..model.audio import AudioToTextRequest, TextToAudioRequest, Transcription

TO_TEXT = Endpoint(
    "POST", "/audio-to-text", AudioToTextRequest, Transcription, summary="Speech to text (multipart upload)."
)
TO_AUDIO = Endpoint(
    "POST", "/text-to-audio", TextToAudioRequest, bytes, kind="binary", summary="Text to speech (audio bytes)."
)


class Audio(Resource):
    """``transcribe`` (speech to text) and ``synthesize`` (text to speech; returns a
    :class:`~dify_oapi.core.streaming.BinaryResponse` to ``read()`` or ``write_to(path)``)."""

    transcribe = call(TO_TEXT)
    atranscribe = acall(TO_TEXT)
    synthesize = optional_request(call_binary(TO_AUDIO))
    asynthesize = optional_request(acall_binary(TO_AUDIO))
