"""client.dify.v1 (what every app shares) end to end against the built-in server, sync and async."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dify_oapi import AuthenticationError, Client, NotFoundError
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.api.dify.v1.model.annotation import (
    ConfigureAnnotationReplyRequest,
    CreateAnnotationRequest,
    DeleteAnnotationRequest,
    GetAnnotationReplyStatusRequest,
    ListAnnotationsRequest,
    UpdateAnnotationRequest,
)
from dify_oapi.api.dify.v1.model.audio import AudioToTextRequest, TextToAudioRequest
from dify_oapi.api.dify.v1.model.end_user import GetEndUserRequest
from dify_oapi.api.dify.v1.model.feedback import CreateFeedbackRequest, ListFeedbacksRequest
from dify_oapi.api.dify.v1.model.file import PreviewFileRequest, UploadFileRequest
from dify_oapi.api.dify.v1.model.shared import InputFile
from dify_oapi.core.errors import (
    DifyFileNotFoundError,
    EndUserNotFoundError,
    InvalidParamError,
    InvalidRequestError,
)
from dify_oapi.testing import DifyTestServer

from .harness import Api

MakeApi = Callable[..., Api]


@pytest.mark.parametrize("app", ["chat", "completion", "workflow"])
async def test_app_info_parameters_meta_site(make_api: MakeApi, app: str) -> None:
    api = make_api(app)
    resource = api.client.dify.v1.app
    info = await api.call(resource, "info")
    assert info.name and info.mode == {"chat": "advanced-chat", "completion": "completion", "workflow": "workflow"}[app]
    parameters = await api.call(resource, "parameters")
    variables = {control.variable: control for control in parameters.input_controls}
    wanted = {"chat": "name", "completion": "query", "workflow": "text"}[app]
    assert wanted in variables and variables[wanted].type
    assert parameters.system_parameters is not None and parameters.system_parameters.file_size_limit
    meta = await api.call(resource, "meta")
    assert isinstance(meta.tool_icons, dict)
    site = await api.call(resource, "site")
    assert site.title == info.name and site.default_language


async def test_upload_preview_and_files_in_messages(make_api: MakeApi, user: str) -> None:
    api = make_api("chat")
    files = api.client.dify.v1.file
    content = f"notes of {user}\n".encode()
    uploaded = await api.call(
        files, "upload", UploadFileRequest.builder().file(("notes.txt", content, "text/plain")).user(user)
    )
    assert uploaded.id and uploaded.name == "notes.txt" and uploaded.size == len(content)
    assert uploaded.mime_type == "text/plain" and uploaded.extension == "txt"

    with pytest.raises(DifyFileNotFoundError):  # not used in a message yet: Dify answers 404
        await api.binary(files, "preview", PreviewFileRequest.builder().file_id(uploaded.id).build())

    answer = await api.call(
        api.client.chat.v1.message, "create",
        ChatMessageRequest.builder().query("read this").user(user).files([InputFile.from_upload(uploaded)]).build(),
    )  # fmt: skip
    assert answer.answer == "Echo: read this"

    body, response = await api.binary(files, "preview", PreviewFileRequest.builder().file_id(uploaded.id).build())
    assert body == content and (response.content_type or "").startswith("text/plain")
    attached, download = await api.binary(
        files, "preview", PreviewFileRequest.builder().file_id(uploaded.id).as_attachment(True).user(user).build()
    )
    assert attached == content and download.filename == "notes.txt"


async def test_audio(make_api: MakeApi, user: str) -> None:
    api = make_api("chat")
    audio = api.client.dify.v1.audio
    heard = await api.call(
        audio,
        "transcribe",
        AudioToTextRequest.builder().file(("question.mp3", b"ID3 fake audio", "audio/mpeg")).user(user).build(),
    )
    assert "question.mp3" in heard.text and "14 bytes" in heard.text

    speech, response = await api.binary(
        audio, "synthesize", TextToAudioRequest.builder().text(heard.text).user(user).build()
    )
    assert speech.startswith(b"ID3") and len(speech) > 3 and response.content_type == "audio/mpeg"

    answer = await api.call(
        api.client.chat.v1.message, "create", ChatMessageRequest.builder().query("say it").user(user).build()
    )
    spoken, _ = await api.binary(
        audio, "synthesize", TextToAudioRequest.builder().message_id(answer.id).user(user).build()
    )  # the message's answer, read out
    assert spoken.startswith(b"ID3")

    with pytest.raises(InvalidRequestError):  # neither text nor message_id: refused before any I/O
        TextToAudioRequest.builder().user(user).build()
    with DifyTestServer(tts_enabled=False) as tts_off:
        off = make_api(client=tts_off.client())
        with pytest.raises(InvalidParamError) as raised:
            await off.binary(off.client.dify.v1.audio, "synthesize", TextToAudioRequest(text="hi", user=user))
    assert raised.value.message == "TTS is not enabled"


async def test_feedback_and_end_user(make_api: MakeApi, user: str) -> None:
    api = make_api("chat")
    feedback = api.client.dify.v1.feedback
    liked = await api.call(
        api.client.chat.v1.message, "create", ChatMessageRequest.builder().query("good").user(user).build()
    )
    disliked = await api.call(
        api.client.chat.v1.message, "create", ChatMessageRequest.builder().query("bad").user(user).build()
    )

    done = await api.call(
        feedback, "create", CreateFeedbackRequest.builder().message_id(liked.id).rating("like").user(user)
    )
    assert done.result == "success"
    await api.call(
        feedback, "create",
        CreateFeedbackRequest.builder().message_id(disliked.id).rating("dislike").content("wrong").user(user).build(),
    )  # fmt: skip
    page = await api.call(feedback, "list", ListFeedbacksRequest.builder().limit(1).build())
    assert [(f.message_id, f.rating, f.content) for f in page.data] == [(disliked.id, "dislike", "wrong")]
    every = await api.items(feedback, "iter", ListFeedbacksRequest.builder().limit(1).build())
    mine = {f.message_id: f for f in every if f.message_id in (liked.id, disliked.id)}
    assert {m: f.rating for m, f in mine.items()} == {liked.id: "like", disliked.id: "dislike"}

    # revoking removes the feedback
    await api.call(
        feedback, "create", CreateFeedbackRequest.builder().message_id(liked.id).rating(None).user(user).build()
    )
    after = await api.items(feedback, "iter", ListFeedbacksRequest.builder().build())
    assert liked.id not in {f.message_id for f in after} and disliked.id in {f.message_id for f in after}

    end_user_id = mine[disliked.id].from_end_user_id
    assert end_user_id
    end_user = await api.call(
        api.client.dify.v1.end_user, "get", GetEndUserRequest.builder().end_user_id(end_user_id).build()
    )
    assert end_user.id == end_user_id and end_user.session_id == user and end_user.external_user_id == user
    with pytest.raises(EndUserNotFoundError):
        await api.call(
            api.client.dify.v1.end_user, "get",
            GetEndUserRequest.builder().end_user_id("00000000-0000-0000-0000-000000000000").build(),
        )  # fmt: skip


async def test_annotations_and_reply_switch(make_api: MakeApi, mode: str) -> None:
    api = make_api("completion")
    notes = api.client.dify.v1.annotation
    tag = f"[{mode}]"
    created = [
        await api.call(
            notes, "create", CreateAnnotationRequest.builder().question(f"{tag} Q{i}?").answer(f"A{i}").build()
        )
        for i in range(3)
    ]
    assert [n.question for n in created] == [f"{tag} Q{i}?" for i in range(3)] and created[0].hit_count == 0

    page = await api.call(notes, "list", ListAnnotationsRequest.builder().keyword(tag).limit(2).build())
    assert page.total == 3 and page.has_more and [n.id for n in page.data] == [created[2].id, created[1].id]
    every = await api.items(notes, "iter", ListAnnotationsRequest.builder().keyword(tag).limit(2).build())
    assert [n.id for n in every] == [n.id for n in reversed(created)]

    updated = await api.call(
        notes, "update",
        UpdateAnnotationRequest.builder().annotation_id(created[0].id).question(f"{tag} Hours?").answer("9 to 5.").build(),
    )  # fmt: skip
    assert (updated.id, updated.question, updated.answer) == (created[0].id, f"{tag} Hours?", "9 to 5.")
    deleted = await api.call(notes, "delete", DeleteAnnotationRequest.builder().annotation_id(created[1].id).build())
    assert deleted.result == "success"
    left = await api.items(notes, "iter", ListAnnotationsRequest.builder().keyword(tag).build())
    assert {(n.id, n.answer) for n in left} == {(created[0].id, "9 to 5."), (created[2].id, "A2")}
    with pytest.raises(NotFoundError):
        await api.call(notes, "delete", DeleteAnnotationRequest.builder().annotation_id(created[1].id).build())

    job = await api.call(
        notes, "configure_reply",
        ConfigureAnnotationReplyRequest.builder().action("enable").embedding_provider_name("openai")
        .embedding_model_name("text-embedding-3-small").score_threshold(0.9).build(),
    )  # fmt: skip
    assert job.job_id and job.job_status == "waiting"
    status = await api.call(
        notes, "get_reply_status", GetAnnotationReplyStatusRequest.builder().action("enable").job_id(job.job_id).build()
    )
    assert status.job_id == job.job_id and status.job_status in ("waiting", "completed")
    final = await api.call(notes, "wait_for_reply", "enable", job.job_id, timeout=10, interval=0.01)
    assert final.job_id == job.job_id and final.job_status == "completed" and final.is_completed
    with pytest.raises(InvalidParamError):
        await api.call(
            notes, "get_reply_status",
            GetAnnotationReplyStatusRequest.builder().action("disable").job_id("no-such-job").build(),
        )  # fmt: skip


async def test_bad_key(make_api: MakeApi, server: DifyTestServer) -> None:
    wrong = make_api(client=Client(base_url=server.url, api_key="app-nope", max_retries=0))
    with pytest.raises(AuthenticationError):
        await wrong.call(wrong.client.dify.v1.app, "info")
    dataset_key_on_app_api = make_api(client=Client(base_url=server.url, api_key=server.dataset_key, max_retries=0))
    with pytest.raises(AuthenticationError):
        await dataset_key_on_app_api.call(dataset_key_on_app_api.client.dify.v1.app, "parameters")
