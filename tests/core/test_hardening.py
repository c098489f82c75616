"""Issue 11/12 edges of the core: safe download names, hostile numbers and values in requests, errors you can use,
answers that carry their HTTP facts, builders that never alias. Through the real transport (httpx.MockTransport)."""

from __future__ import annotations

import json
import math
import os
import pickle
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

import dify_oapi
from dify_oapi import APIStatusError, DifyError, InvalidRequestError, UnauthorizedError
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.api.chat.v1.model.conversation import Conversation, RenameConversationRequest
from dify_oapi.api.dify.v1.model.file import PreviewFileRequest
from dify_oapi.core import errors
from dify_oapi.core.errors import status_error_from_body
from tests.support import APP_KEY, MODES, Recorder, call, make_client

# ---- BinaryResponse.filename and write_to(dir) -----------------------------------------------------------------------

HOSTILE_NAMES = [
    ('attachment; filename="../../etc/passwd"', "passwd"),
    ('attachment; filename="/etc/cron.d/evil"', "evil"),
    ('attachment; filename="..\\..\\windows\\system.ini"', "system.ini"),
    ('attachment; filename=".."', None),
    ("attachment; filename*=UTF-8''..%2F..%2Fsecret.txt", "secret.txt"),
    ("attachment; filename*=UTF-8''a%0Ab%0D%00c.txt", "abc.txt"),
    ("attachment; filename*=UTF-8''%E2%80%AEfdp.exe", "fdp.exe"),
    ("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf", "résumé.pdf"),
    ('attachment; filename="C:report.pdf"', "Creport.pdf"),
    ('attachment; filename="report.pdf"', "report.pdf"),
    ("inline", None),
]


def _preview(rec: Recorder) -> Any:
    return make_client(rec).dify.v1.file


def _binary(disposition: str, body: bytes = b"PDF") -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "application/pdf", "content-disposition": disposition},
                          content=body)  # fmt: skip


@pytest.mark.parametrize(("disposition", "expected"), HOSTILE_NAMES)
async def test_binary_filename_is_a_safe_base_name(mode: str, disposition: str, expected: str | None) -> None:
    rec = Recorder(answers=[_binary(disposition)])
    answer = await call(mode, _preview(rec), "preview", PreviewFileRequest.builder().file_id("f").build())
    name = answer.filename
    assert name == expected
    if name is not None:
        assert "/" not in name and "\\" not in name and name not in (".", "..") and name.isprintable()
        assert not os.path.isabs(name)
    if mode == "sync":
        answer.close()
    else:
        await answer.close()


async def test_write_to_a_directory_writes_inside_it_under_the_safe_name(mode: str, tmp_path: Path) -> None:
    target = tmp_path / "downloads"
    target.mkdir()
    rec = Recorder(answers=[_binary('attachment; filename="../../escape.pdf"', b"%PDF-1"),
                            _binary("inline", b"anon"), _binary("inline", b"file")])  # fmt: skip
    files = _preview(rec)
    request = PreviewFileRequest.builder().file_id("f").build()
    for expected_name, body in (("escape.pdf", b"%PDF-1"), ("download", b"anon")):
        answer = await call(mode, files, "preview", request)
        written = answer.write_to(target) if mode == "sync" else await answer.write_to(target)
        assert written == len(body) and (target / expected_name).read_bytes() == body
    assert sorted(os.listdir(tmp_path)) == ["downloads"] and sorted(os.listdir(target)) == ["download", "escape.pdf"]
    answer = await call(mode, files, "preview", request)  # a file path keeps working
    written = answer.write_to(tmp_path / "x.bin") if mode == "sync" else await answer.write_to(tmp_path / "x.bin")
    assert written == 4 and (tmp_path / "x.bin").read_bytes() == b"file"


# ---- hostile numbers and values ------------------------------------------------------------------------------------

OUT_OF_RANGE = [1e400, "1e400", "nan", "-inf", float("nan"), "1e999999"]


@pytest.mark.parametrize("value", OUT_OF_RANGE, ids=repr)
async def test_out_of_range_timestamps_read_as_none(mode: str, value: Any) -> None:
    body = b'{"id": "c1", "name": "n", "created_at": %s, "updated_at": 5}' % (
        (b'"%s"' % value.encode()) if isinstance(value, str) else (b"1e400" if value == 1e400 else b"NaN")
    )
    rec = Recorder(answers=[httpx.Response(200, content=body, headers={"content-type": "application/json"})])
    client = make_client(rec)
    req = RenameConversationRequest.builder().conversation_id("c1").name("n").user("u").build()
    got = await call(mode, client.chat.v1.conversation, "rename", req)
    assert isinstance(got, Conversation) and got.created_at is None and got.updated_at == 5


LENIENT = [("1795387544", 1795387544), ("1.9", 1), ('"12"', 12), ('" 12.5 "', 12), ("true", 1), ("null", None),
           ('"2026-01-01T00:00:00Z"', 1767225600), ('"2026-01-01T01:00:00+01:00"', 1767225600),
           ('"2026-01-01T00:00:00"', 1767225600), ('""', None), ('"soon"', None), ("99999999999999999999", 10**20 - 1)]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), LENIENT)
def test_a_timestamp_is_an_int_or_none_whatever_the_server_sent(text: str, expected: int | None) -> None:
    got = Conversation.model_validate_json('{"id": "c", "created_at": ' + text + "}")
    assert got.created_at == expected and type(got.created_at) is type(expected)
    value = json.loads(text)
    assert Conversation.model_validate({"id": "c", "created_at": value}).created_at == expected


@pytest.mark.parametrize("text", ["[1]", '{"a": 1}'])
def test_a_timestamp_of_another_json_type_is_one_int_error(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        Conversation.model_validate_json('{"id": "c", "created_at": ' + text + "}")
    [error] = info.value.errors()
    assert error["loc"] == ("created_at",) and error["type"] == "int_type"


def test_dates_far_from_now_are_lenient_values_never_raw_errors() -> None:
    for text in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-14:00", "2026-13-45"):
        got = Conversation.model_validate({"id": "c", "created_at": text})
        assert got.created_at is None or isinstance(got.created_at, int)


NOT_JSON: list[Any] = [
    {"x": math.nan},
    {"x": [1, {"y": math.inf}]},
    {"x": -math.inf},
    {"x": object()},
    {"x": lambda: 0},
    {"x": b"\xff\xfe"},
]


@pytest.mark.parametrize("inputs", NOT_JSON, ids=repr)
async def test_inputs_that_are_not_json_fail_at_build_before_any_io(mode: str, inputs: dict[str, Any]) -> None:
    rec = Recorder()
    builder = ChatMessageRequest.builder().query("q").user("u").inputs(inputs)
    with pytest.raises(InvalidRequestError) as info:
        builder.build()
    assert str(info.value).startswith("invalid ChatMessageRequest: inputs")
    assert "0x" not in str(info.value) and "object" not in str(info.value)
    with pytest.raises(InvalidRequestError):
        ChatMessageRequest(query="q", user="u", inputs=inputs)
    request = ChatMessageRequest(query="q", user="u")
    with pytest.raises(InvalidRequestError):
        request.inputs = inputs
    with pytest.raises(InvalidRequestError):  # the builder passed unbuilt is built (and refused) before any I/O
        await call(mode, make_client(rec).chat.v1.message, "create", builder)
    assert rec.requests == []


def test_typed_float_fields_refuse_nan() -> None:
    from dify_oapi.api.knowledge_base.v1.model.retrieval import RetrievalModel

    with pytest.raises(InvalidRequestError, match="score_threshold"):
        RetrievalModel.builder().score_threshold(math.nan).build()


# ---- errors you can use ------------------------------------------------------------------------------------------


def test_every_error_class_is_importable_from_dify_oapi_and_pickles() -> None:
    classes = [getattr(errors, n) for n in errors.__all__ if isinstance(getattr(errors, n), type)]
    assert len(classes) > 50
    for cls in classes:
        assert getattr(dify_oapi, cls.__name__) is cls, cls.__name__
        assert cls.__name__ in dify_oapi.__all__
        if issubclass(cls, APIStatusError):
            err: DifyError = cls("m", status_code=cls.status or 500, code=cls.dify_code, body={"a": 1}, request_id="r")
        else:
            err = cls("m")
        clone = pickle.loads(pickle.dumps(err))
        assert type(clone) is cls and str(clone) == str(err) and clone.args == err.args
        assert clone.__dict__.keys() == err.__dict__.keys()


def test_import_dify_oapi_stays_light() -> None:
    import subprocess
    import sys

    code = "import sys, dify_oapi; print(sorted(m for m in sys.modules if m.startswith('dify_oapi.api')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


async def test_error_headers_are_case_insensitive_and_repr_shows_class_status_code(mode: str) -> None:
    body = b'{"code": "unauthorized", "message": "Invalid key %s", "status": 401}' % APP_KEY.encode()
    rec = Recorder(
        answers=[httpx.Response(401, content=body, headers={"X-Request-Id": "r-1", "WWW-Authenticate": "B"})]
    )
    with pytest.raises(UnauthorizedError) as info:
        await call(mode, make_client(rec).dify.v1.app, "info")
    err = info.value
    assert isinstance(err.headers, httpx.Headers)
    assert err.headers["www-authenticate"] == "B" and err.headers["WWW-AUTHENTICATE"] == "B"
    text = repr(err)
    assert text.startswith("UnauthorizedError(status_code=401, code='unauthorized', ")
    assert "request_id='r-1'" in text and APP_KEY not in text and APP_KEY not in str(err.args)
    assert err.request is not None and err.request.headers["authorization"] == "Bearer ***"
    assert err.request.url == rec.last.url and err.request.method == "GET"


def test_a_request_built_directly_with_bad_fields_raises_invalid_request_error() -> None:
    with pytest.raises(InvalidRequestError) as info:
        ChatMessageRequest(usr="secret-user-value", query="q")  # type: ignore[call-arg]
    assert isinstance(info.value, ValueError) and isinstance(info.value, DifyError)
    built = ChatMessageRequest.builder()
    with pytest.raises(InvalidRequestError) as from_builder:
        built.build()
    message = str(info.value)
    assert message.startswith("invalid ChatMessageRequest: ") and "usr is not a field of ChatMessageRequest" in message
    assert "secret-user-value" not in message
    assert str(from_builder.value).startswith("invalid ChatMessageRequest: ")
    request = ChatMessageRequest(query="q", user="u")
    with pytest.raises(InvalidRequestError, match="query"):
        request.query = 5  # type: ignore[assignment]


def test_a_non_json_error_body_is_scrubbed_as_text() -> None:
    err = status_error_from_body(502, f"<html><title>Bad gateway {APP_KEY}</title></html>",
                                 scrub=lambda t: t.replace(APP_KEY, "***"))  # fmt: skip
    assert APP_KEY not in err.message and APP_KEY not in str(err.body) and "***" in err.message


# ---- answers carry their HTTP facts ----------------------------------------------------------------------------------


async def test_every_json_answer_has_status_code_and_headers(mode: str) -> None:
    body = b'{"name": "app", "future_field": 1}'
    rec = Recorder(answers=[httpx.Response(201, headers={"X-Request-Id": "req-7", "X-Other": "o"}, content=body)])
    info = await call(mode, make_client(rec).dify.v1.app, "info")
    assert info.status_code == 201 and isinstance(info.headers, httpx.Headers)
    assert info.headers["x-other"] == "o" and info.headers["X-OTHER"] == "o"
    assert info.request_id == "req-7" and info.raw_body == body
    dumped = info.model_dump()
    assert not {"status_code", "headers", "raw_body", "request_id"} & dumped.keys()
    same = type(info).model_validate_json(body)
    assert same == info and same.status_code is None and len(same.headers) == 0 and same.raw_body is None
    clone = pickle.loads(pickle.dumps(info))
    assert clone == info and clone.status_code == 201 and clone.headers["x-other"] == "o"


# ---- builders never alias --------------------------------------------------------------------------------------------


def test_builders_never_alias() -> None:
    base = ChatMessageRequest.builder().user("u")
    a = base.query("one")
    b = base.query("two")
    assert a.build().query == "one" and b.build().query == "two"
    assert a is not base and b is not base
    with pytest.raises(InvalidRequestError, match="query is required"):
        base.build()  # the base was left as it was
    c = a.inputs({"k": "v"})
    assert c.build().inputs == {"k": "v"} and a.build().inputs == {}


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)
