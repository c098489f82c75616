"""``RequestOption.extra_query`` / ``extra_body`` are encoded on the wire like the SDK's own fields."""

from __future__ import annotations

import datetime as dt
import email.parser
import email.policy
import enum
import json
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, Field

from dify_oapi import InvalidRequestError, RequestOption
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.api.dify.v1.model.file import UploadFileRequest
from dify_oapi.api.knowledge_base.v1.model.dataset import ListDatasetsRequest
from tests.support import MODES, Recorder, call, make_client


class Color(enum.StrEnum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Plain(enum.Enum):
    ON = "on"


class Filter(BaseModel):
    field_name: str = Field(alias="fieldName")
    since: dt.datetime | None = None


WHEN = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
DAY = dt.date(2024, 1, 2)
MODEL = Filter(fieldName="x", since=WHEN)

ANSWER = {"event": "message", "message_id": "m", "conversation_id": "c", "mode": "chat", "answer": "a"}
UPLOADED = {"id": "f", "name": "a.txt", "size": 1, "extension": "txt", "mime_type": "text/plain"}
DATASETS = {"data": [], "has_more": False, "limit": 20, "total": 0, "page": 1}


@pytest.mark.parametrize("mode", MODES)
async def test_extra_query_is_encoded_like_sdk_query_fields(mode: str) -> None:
    rec = Recorder(default=lambda request: httpx.Response(200, json=DATASETS))
    client = make_client(rec)
    # The SDK's own fields first: the reference for bools and lists.
    own = ListDatasetsRequest.builder().include_all(True).tag_ids(["t1", "t2"]).build()
    await call(mode, client.knowledge_base.v1.dataset, "list", own)
    assert list(rec.last.url.params.multi_items()) == [("tag_ids", "t1"), ("tag_ids", "t2"), ("include_all", "true")]
    extra = {
        "include_all": True,
        "off": False,
        "tag_ids": ["t1", "t2"],
        "pair": ("a", "b"),
        "color": Color.RED,
        "level": Level.HIGH,
        "plain": Plain.ON,
        "none": None,
        "when": WHEN,
        "day": DAY,
        "model": MODEL,
        "number": 1.5,
        "mixed": [True, None, Color.RED],
    }
    option = RequestOption.builder().extra_query(extra).build()
    await call(mode, client.knowledge_base.v1.dataset, "list", None, option)
    assert list(rec.last.url.params.multi_items()) == [
        ("include_all", "true"),
        ("off", "false"),
        ("tag_ids", "t1"),
        ("tag_ids", "t2"),
        ("pair", "a"),
        ("pair", "b"),
        ("color", "red"),
        ("level", "3"),
        ("plain", "on"),
        ("when", "2024-01-02T03:04:05+00:00"),
        ("day", "2024-01-02"),
        ("model", json.dumps({"fieldName": "x", "since": "2024-01-02T03:04:05Z"})),
        ("number", "1.5"),
        ("mixed", "true"),
        ("mixed", "red"),
    ]


@pytest.mark.parametrize("mode", MODES)
async def test_extra_body_is_encoded_like_sdk_body_fields(mode: str) -> None:
    rec = Recorder(default=lambda request: httpx.Response(200, json=ANSWER))
    client = make_client(rec)
    extra = {
        "flag": True,
        "color": Color.RED,
        "level": Level.HIGH,
        "plain": Plain.ON,
        "when": WHEN,
        "day": DAY,
        "model": MODEL,
        "models": [MODEL],
        "nested": {"when": WHEN, "colors": (Color.RED,)},
        "nothing": None,
        "query": "replaced",
    }
    option = RequestOption.builder().extra_body(extra).build()
    await call(mode, client.chat.v1.message, "create", ChatMessageRequest.builder().query("q").user("u"), option)
    sent = rec.json()
    dumped = {"fieldName": "x", "since": "2024-01-02T03:04:05Z"}
    assert {k: sent[k] for k in extra} == {
        "flag": True,
        "color": "red",
        "level": 3,
        "plain": "on",
        "when": "2024-01-02T03:04:05Z",
        "day": "2024-01-02",
        "model": dumped,
        "models": [dumped],
        "nested": {"when": "2024-01-02T03:04:05Z", "colors": ["red"]},
        "nothing": None,  # like a field set to None: null
        "query": "replaced",
    }
    assert sent["user"] == "u" and sent["response_mode"] == "blocking"


def _form_fields(request: httpx.Request, body: bytes) -> dict[str, str]:
    raw = b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n" + body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        if part.get_filename() is None:
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            assert isinstance(name, str) and isinstance(payload, bytes)
            fields[name] = payload.decode()
    return fields


@pytest.mark.parametrize("mode", MODES)
async def test_extra_body_in_a_multipart_form_is_encoded_like_sdk_form_fields(mode: str) -> None:
    rec = Recorder(default=lambda request: httpx.Response(201, json=UPLOADED))
    client = make_client(rec)
    extra: dict[str, Any] = {
        "flag": False,
        "text": "plain text",
        "color": Color.RED,
        "level": Level.HIGH,
        "when": WHEN,
        "settings": {"when": WHEN, "on": True},
        "model": MODEL,
        "nothing": None,
    }
    option = RequestOption.builder().extra_body(extra).build()
    request = UploadFileRequest.builder().file(("a.txt", b"x")).user("u").build()
    await call(mode, client.dify.v1.file, "upload", request, option)
    fields = _form_fields(rec.last, rec.bodies[-1])
    assert fields == {
        "user": "u",
        "flag": "false",
        "text": "plain text",
        "color": "red",
        "level": "3",
        "when": "2024-01-02T03:04:05Z",
        "settings": json.dumps({"when": "2024-01-02T03:04:05Z", "on": True}),
        "model": json.dumps({"fieldName": "x", "since": "2024-01-02T03:04:05Z"}),
    }


@pytest.mark.parametrize(
    ("where", "extra"),
    [
        ("body", {"bad": object()}),
        ("body", {"bad": float("nan")}),
        ("body", {"bad": {"deep": [float("inf")]}}),
        ("query", {"bad": object()}),
    ],
)
def test_extras_that_cannot_be_sent_fail_at_build(where: str, extra: dict[str, Any]) -> None:
    key = "extra_body" if where == "body" else "extra_query"
    with pytest.raises(InvalidRequestError, match=key):
        RequestOption.builder().extra_body(extra).build() if where == "body" else RequestOption(extra_query=extra)
