"""client.dify.v1.app: info, parameters, meta, site; sync and async, replayed from Dify 1.14.1 and from the
documented examples (whose shapes differ: file_upload, text_to_speech.autoPlay, tool icons)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from dify_oapi.api.dify.v1.model.app import (
    AppInfo,
    AppMeta,
    AppParameters,
    AppSite,
    GetAppInfoRequest,
    GetAppParametersRequest,
    ToolIcon,
)
from dify_oapi.core.errors import AppUnavailableError, ForbiddenError
from tests.api.dify._util import check_sent, run
from tests.support import Recorder, make_client, spec, transcript_response


def _app(rec: Recorder) -> Any:
    return make_client(rec).dify.v1.app


def _spec_example(path: str) -> Any:
    content = spec()["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    return next(iter(content["examples"].values()))["value"]


@pytest.mark.parametrize(
    ("name", "app_name", "mode_"),
    [("cf_info", "Echo Chatflow", "advanced-chat"), ("wf_info", "Echo Workflow", "workflow")],
)
async def test_info_replay(mode: str, recorder: Recorder, name: str, app_name: str, mode_: str) -> None:
    recorder.answers.append(transcript_response(name))
    info = await run(mode, _app(recorder), "info")
    check_sent(recorder, "GET", "/info")
    assert isinstance(info, AppInfo)
    assert (info.name, info.mode, info.tags, info.author_name) == (app_name, mode_, [], "admin")


async def test_info_takes_a_built_request_or_its_builder(mode: str, recorder: Recorder) -> None:
    recorder.default = lambda _: transcript_response("wf_info")
    app = _app(recorder)
    assert (await run(mode, app, "info", GetAppInfoRequest.builder().build())).name == "Echo Workflow"
    assert (await run(mode, app, "info", GetAppInfoRequest.builder())).name == "Echo Workflow"
    assert len(recorder.requests) == 2


async def test_parameters_chatflow_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_parameters"))
    params = await run(mode, _app(recorder), "parameters", GetAppParametersRequest())
    check_sent(recorder, "GET", "/parameters")
    assert isinstance(params, AppParameters)
    assert params.opening_statement == "" and params.suggested_questions == []
    assert params.retriever_resource is not None and params.retriever_resource.enabled is True
    assert params.speech_to_text is not None and params.speech_to_text.enabled is False
    tts = params.text_to_speech
    assert tts is not None and (tts.enabled, tts.voice, tts.language) == (False, "", "")
    (control,) = params.input_controls
    assert (control.variable, control.type, control.required, control.max_length) == ("name", "text-input", False, 48)
    assert params.user_input_form[0]["text-input"] is control
    upload = params.file_upload
    assert upload is not None and upload.enabled is True and upload.number_limits == 3
    assert upload.allowed_file_types == ["document", "image"]
    assert upload.allowed_file_upload_methods == ["local_file", "remote_url"]
    assert upload.file_upload_config == {} and upload.image is None
    system = params.system_parameters
    assert system is not None and system.file_size_limit == 15 and system.workflow_file_upload_limit == 10


async def test_parameters_workflow_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_parameters"))
    params = await run(mode, _app(recorder), "parameters")
    check_sent(recorder, "GET", "/parameters")
    assert params.opening_statement is None
    (control,) = params.input_controls
    assert (control.variable, control.label, control.required, control.max_length) == ("text", "text", True, 256)
    assert control.options == []


async def test_parameters_documented_shape_and_every_control_kind(mode: str, recorder: Recorder) -> None:
    body = _spec_example("/parameters")
    body["user_input_form"] += [
        {"paragraph": {"label": "Bio", "variable": "bio", "required": False, "default": ""}},
        {"select": {"label": "Size", "variable": "size", "required": True, "options": ["S", "M"], "default": "S"}},
        {"file": {"label": "Doc", "variable": "doc", "allowed_file_types": ["document"], "future": 1}},
    ]
    recorder.answers.append(httpx.Response(200, json=body))
    params = await run(mode, _app(recorder), "parameters")
    assert [(c.type, c.variable) for c in params.input_controls] == [
        ("text-input", "city"),
        ("paragraph", "bio"),
        ("select", "size"),
        ("file", "doc"),
    ]
    select = params.input_controls[2]
    assert select.options == ["S", "M"] and select.default == "S" and select.required is True
    assert params.input_controls[3].allowed_file_types == ["document"]
    assert params.input_controls[3].model_extra == {"future": 1}
    assert params.text_to_speech is not None and params.text_to_speech.auto_play == "disabled"
    image = params.file_upload.image
    assert image is not None and image.enabled is True and image.transfer_methods == ["remote_url", "local_file"]
    assert image.detail == "high" and image.number_limits == 3
    assert params.suggested_questions == ["What can you do?", "Tell me about your features."]


async def test_parameters_app_unavailable(mode: str, recorder: Recorder) -> None:
    answer = {
        "status": 400,
        "code": "app_unavailable",
        "message": "App unavailable, please check your app configurations.",
    }
    recorder.answers.append(httpx.Response(400, json=answer))
    with pytest.raises(AppUnavailableError) as info:
        await run(mode, _app(recorder), "parameters")
    assert info.value.status_code == 400 and info.value.code == "app_unavailable"


async def test_meta_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_meta"))
    meta = await run(mode, _app(recorder), "meta")
    check_sent(recorder, "GET", "/meta")
    assert isinstance(meta, AppMeta) and meta.tool_icons == {}


async def test_meta_icons_are_urls_or_emoji(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json=_spec_example("/meta")))
    meta = await run(mode, _app(recorder), "meta")
    assert meta.tool_icons["dalle3"] == "https://example.com/icons/dalle3.png"
    calc = meta.tool_icons["calculator"]
    assert isinstance(calc, ToolIcon) and calc.background == "#4A90D9" and calc.content == "\U0001f9ee"


async def test_site_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_site"))
    site = await run(mode, _app(recorder), "site")
    check_sent(recorder, "GET", "/site")
    assert isinstance(site, AppSite)
    assert site.title == "Echo Workflow" and site.icon == "\U0001f916" and site.icon_type == "emoji"
    assert site.chat_color_theme is None and site.show_workflow_steps is True and site.default_language == "en-US"
    assert site.input_placeholder is None and site.icon_url is None


async def test_site_forbidden(mode: str, recorder: Recorder) -> None:
    answer = {"status": 403, "code": "forbidden", "message": "You don't have the permission."}
    recorder.answers.append(httpx.Response(403, json=answer))
    with pytest.raises(ForbiddenError):
        await run(mode, _app(recorder), "site")
