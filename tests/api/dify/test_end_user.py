"""client.dify.v1.end_user: get, sync and async, replayed from Dify 1.14.1."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from dify_oapi.api.dify.v1.model.end_user import EndUserDetail, GetEndUserRequest
from dify_oapi.core.errors import EndUserNotFoundError, InvalidRequestError
from tests.api.dify._util import check_sent, run
from tests.support import Recorder, make_client, transcript_response

END_USER = "531b1471-64ed-409b-8350-41ffe66cd293"


async def test_get_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_end_user_get"))
    req = GetEndUserRequest.builder().end_user_id(END_USER).build()
    user = await run(mode, make_client(recorder).dify.v1.end_user, "get", req)
    check_sent(recorder, "GET", f"/end-users/{END_USER}")
    assert isinstance(user, EndUserDetail)
    assert user.id == END_USER and user.external_user_id == "sdk-fixture-user" and user.session_id == "sdk-fixture-user"
    assert user.type == "service-api" and user.is_anonymous is False and user.name is None
    # the server sends naive ISO times (UTC); they are read as Unix seconds
    assert user.created_at == int(datetime(2026, 11, 22, 22, 45, 19, tzinfo=UTC).timestamp())
    assert user.updated_at == user.created_at


async def test_get_unknown(mode: str, recorder: Recorder) -> None:
    body = {"status": 404, "code": "end_user_not_found", "message": "End user not found."}
    recorder.answers.append(httpx.Response(404, json=body))
    req = GetEndUserRequest.builder().end_user_id("nobody").build()
    with pytest.raises(EndUserNotFoundError) as info:
        await run(mode, make_client(recorder).dify.v1.end_user, "get", req)
    assert info.value.status_code == 404
    check_sent(recorder, "GET", "/end-users/nobody")


def test_get_rejects_an_empty_id_before_sending(recorder: Recorder) -> None:
    with pytest.raises(InvalidRequestError, match="end_user_id"):
        make_client(recorder).dify.v1.end_user.get(GetEndUserRequest.builder().end_user_id("").build())
    assert recorder.requests == []
