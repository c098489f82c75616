"""client.dify.v1.feedback: create (like, dislike, revoke) and list; sync and async, replayed from Dify 1.14.1."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from dify_oapi import RequestOption
from dify_oapi.api.dify.v1.model.feedback import (
    AppFeedback,
    AppFeedbackList,
    CreateFeedbackRequest,
    ListFeedbacksRequest,
)
from dify_oapi.core.errors import InvalidParamError, InvalidRequestError, NotFoundError
from dify_oapi.core.model import SimpleResult
from tests.api.dify._util import check_sent, recorded, run
from tests.support import Recorder, make_client, transcript_response

MESSAGE = "6e6d5f1a-3fd4-4036-a7dd-c60cbea2e737"
UNKNOWN = "00000000-0000-0000-0000-000000000000"


def _feedback(rec: Recorder, **options: Any) -> Any:
    return make_client(rec, **options).dify.v1.feedback


async def test_like_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_message_feedback"))
    req = (
        CreateFeedbackRequest.builder()
        .message_id(MESSAGE)
        .rating("like")
        .user("sdk-fixture-user")
        .content("nice echo")
        .build()
    )
    result = await run(mode, _feedback(recorder), "create", req)
    check_sent(recorder, "POST", f"/messages/{MESSAGE}/feedbacks", body=recorded("cf_message_feedback")["body"])
    assert isinstance(result, SimpleResult) and result.result == "success"


async def test_revoke_sends_null_and_user_from_the_client(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"result": "success"}))
    builder = CreateFeedbackRequest.builder().message_id(MESSAGE).rating(None)
    await run(mode, _feedback(recorder, default_user="u-default"), "create", builder)
    check_sent(recorder, "POST", f"/messages/{MESSAGE}/feedbacks", body={"rating": None, "user": "u-default"})


async def test_unknown_message_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_message_feedback_unknown"))
    req = CreateFeedbackRequest.builder().message_id(UNKNOWN).rating("like").user("sdk-fixture-user").build()
    with pytest.raises(NotFoundError) as info:
        await run(mode, _feedback(recorder), "create", req)
    assert info.value.code == "not_found" and info.value.message == "Message Not Exists."
    check_sent(recorder, "POST", f"/messages/{UNKNOWN}/feedbacks", body=recorded("cf_message_feedback_unknown")["body"])


def test_bad_rating_fails_before_sending(recorder: Recorder) -> None:
    with pytest.raises(InvalidRequestError, match="rating"):
        CreateFeedbackRequest.builder().message_id(MESSAGE).rating("awesome").user("u").build()  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="user is required"):
        CreateFeedbackRequest.builder().message_id(MESSAGE).rating("like").build()
    assert recorder.requests == []


async def test_bad_rating_forced_through_replay(mode: str, recorder: Recorder) -> None:
    """What the server says when a rating the model refuses is forced through ``extra_body``."""
    recorder.answers.append(transcript_response("err_bad_rating"))
    req = CreateFeedbackRequest.builder().message_id(UNKNOWN).user("sdk-fixture-user").build()
    option = RequestOption.builder().extra_body({"rating": "awesome"}).build()
    with pytest.raises(InvalidParamError) as info:
        await run(mode, _feedback(recorder), "create", req, option)
    assert info.value.status_code == 400 and "rating" in info.value.message
    check_sent(recorder, "POST", f"/messages/{UNKNOWN}/feedbacks", body=recorded("err_bad_rating")["body"])


async def test_list_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_app_feedbacks"))
    req = ListFeedbacksRequest.builder().page(1).limit(20).build()
    page = await run(mode, _feedback(recorder), "list", req)
    check_sent(recorder, "GET", "/app/feedbacks", query=[("page", "1"), ("limit", "20")])
    assert recorded("cf_app_feedbacks")["query"] == {"page": "1", "limit": "20"}
    assert isinstance(page, AppFeedbackList) and page.has_more is None
    (item,) = page.data
    assert isinstance(item, AppFeedback)
    assert item.message_id == MESSAGE and item.rating == "like" and item.content == "nice echo"
    assert item.from_source == "user" and item.from_account_id is None
    assert item.created_at == int(datetime(2026, 11, 22, 22, 45, 48, tzinfo=UTC).timestamp())


async def test_list_without_parameters(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"data": []}))
    page = await run(mode, _feedback(recorder), "list")
    check_sent(recorder, "GET", "/app/feedbacks")
    assert page.data == []


def test_list_limit_is_bounded() -> None:
    with pytest.raises(InvalidRequestError, match="limit"):
        ListFeedbacksRequest.builder().limit(102).build()
    with pytest.raises(InvalidRequestError, match="page"):
        ListFeedbacksRequest.builder().page(0).build()
