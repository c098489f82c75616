"""What every app type shares: app info and input form, file upload and preview, feedback, annotations, audio.

Run with DIFY_BASE_URL (e.g. http://localhost/v1) and DIFY_API_KEY (any app's key) set:
    python examples/dify_example.py
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from dify_oapi import Client
from dify_oapi.api.dify.v1.model.annotation import CreateAnnotationRequest, DeleteAnnotationRequest
from dify_oapi.api.dify.v1.model.audio import TextToAudioRequest
from dify_oapi.api.dify.v1.model.feedback import ListFeedbacksRequest
from dify_oapi.api.dify.v1.model.file import UploadFileRequest
from dify_oapi.core.errors import APIStatusError

USER = "example-user"


def main() -> None:
    with Client(default_user=USER) as client:
        dify = client.dify.v1
        info = dify.app.info()
        print(f"app {info.name!r} ({info.mode})")
        for control in dify.app.parameters().input_controls:
            print(f"  input {control.variable} ({control.type}), required={control.required}")

        # Upload: a path (streamed), bytes, an open file or a (name, content, content_type) tuple.
        upload = dify.file.upload(UploadFileRequest.builder().file(("hello.txt", b"Hello Dify", "text/plain")))
        print("uploaded", upload.id, upload.mime_type)

        for feedback in dify.feedback.list(ListFeedbacksRequest.builder().limit(5).build()).data:
            print("feedback", feedback.rating, feedback.content)

        # Annotations: create, walk every page, delete.
        created = dify.annotation.create(
            CreateAnnotationRequest.builder().question("What is Dify?").answer("An LLM app platform.").build()
        )
        for item in dify.annotation.iter():
            print("annotation", item.question, "->", item.answer)
        dify.annotation.delete(DeleteAnnotationRequest.builder().annotation_id(created.id).build())


async def amain() -> None:
    async with Client() as client:
        site = await client.dify.v1.app.asite()
        print("site title:", site.title)
        try:  # text to speech, streamed to a file (fails with a 400 when the app has TTS off)
            audio = await client.dify.v1.audio.asynthesize(TextToAudioRequest.builder().text("Hi!").user(USER).build())
            target = Path(tempfile.gettempdir()) / "hi.mp3"
            print("audio bytes written:", await audio.write_to(target), "to", target)
        except APIStatusError as err:
            print("text to speech unavailable:", err)


if __name__ == "__main__":
    main()
    asyncio.run(amain())
