"""Error answers become typed exceptions carrying status, Dify code, message, body and request id."""

from __future__ import annotations

import pickle
import re

import httpx
import pytest

from dify_oapi import APIStatusError
from dify_oapi.core import errors
from dify_oapi.core.errors import CODE_CLASSES, error_class_for_code, status_error_from_body
from tests.support import Recorder, make_client, spec, transcript_response


def spec_codes() -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for item in spec()["paths"].values():
        for op in item.values():
            if not isinstance(op, dict):
                continue
            for status, response in op.get("responses", {}).items():
                text = str(response)
                for code in re.findall(r"'code': '([a-z_0-9]+)'", text):
                    if status.isdigit():
                        found.setdefault(code, set()).add(int(status))
    return found


def test_every_spec_error_code_has_its_class_under_its_status_class() -> None:
    codes = spec_codes()
    assert len(codes) == 38
    for code, statuses in codes.items():
        for status in statuses:
            cls = error_class_for_code(code, status)
            assert cls is CODE_CLASSES[code], code
            status_cls = error_class_for_code(None, status)
            assert issubclass(cls, status_cls), (code, status)


def test_error_from_dify_json() -> None:
    err = status_error_from_body(
        409,
        '{"code": "dataset_name_duplicate", "message": "The dataset name already exists.", "status": 409}',
        headers=httpx.Headers({"x-request-id": "r-9", "retry-after": "3"}),
        retry_after=3.0,
    )
    assert isinstance(err, errors.DatasetNameDuplicateError) and isinstance(err, errors.ConflictError)
    assert (err.status_code, err.code, err.request_id, err.retry_after) == (409, "dataset_name_duplicate", "r-9", 3.0)
    assert str(err) == "409 dataset_name_duplicate: The dataset name already exists. (request id r-9)"
    assert isinstance(err.body, dict)
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is type(err) and clone.code == err.code and clone.status_code == 409


def test_html_404_from_the_real_server() -> None:
    rec = Recorder(answers=[transcript_response("err_unknown_route")])
    with pytest.raises(errors.NotFoundError) as info:
        make_client(rec).dify.v1.app.info()
    assert info.value.status_code == 404 and info.value.code is None
    assert "Not Found" in info.value.message and "<" not in info.value.message


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("err_wrong_key", errors.AuthenticationError),
        ("err_no_auth_header", errors.AuthenticationError),
        ("err_missing_user", errors.InvalidParamError),
        ("err_no_json_content_type", errors.UnsupportedMediaTypeError),
        ("err_wrong_method", errors.MethodNotAllowedError),
        ("err_chat_on_workflow_app", errors.NotChatAppError),
        ("err_completion_on_chatflow", errors.AppUnavailableError),
        ("err_unknown_conversation", errors.NotFoundError),
    ],
)
def test_recorded_errors_raise_their_class(name: str, cls: type[APIStatusError]) -> None:
    rec = Recorder(answers=[transcript_response(name)])
    with pytest.raises(cls) as info:
        make_client(rec).dify.v1.app.info()
    assert info.value.message
    assert len(rec.requests) == 1


@pytest.mark.parametrize(
    ("status", "text", "cls"),
    [
        (500, "", errors.InternalServerError),
        (502, "<html><body><h1>502 Bad Gateway</h1></body></html>", errors.InternalServerError),
        (418, "I'm a teapot", APIStatusError),
        (400, '{"code": "some_future_code", "message": "new"}', errors.BadRequestError),
        (400, '{"message": "no code"}', errors.BadRequestError),
        (413, '{"code": "file_too_large", "message": ""}', errors.FileTooLargeError),
        (400, '{"code": "not_found", "message": "reused code"}', errors.BadRequestError),
    ],
)
def test_odd_bodies_still_give_typed_errors(status: int, text: str, cls: type[APIStatusError]) -> None:
    err = status_error_from_body(status, text)
    assert type(err) is cls
    assert err.status_code == status and err.message


def test_truncated_and_invalid_json_answers_raise_validation_errors() -> None:
    rec = Recorder(answers=[httpx.Response(200, content=b'{"name": "ap'), httpx.Response(200, content=b"<html>")])
    client = make_client(rec)
    for _ in range(2):
        with pytest.raises(errors.APIResponseValidationError) as info:
            client.dify.v1.app.info()
        assert info.value.status_code == 200


def test_answers_keep_their_raw_body_and_request_id() -> None:
    body = b'{"name": "app", "future_field": {"x": 1}}'
    rec = Recorder(answers=[httpx.Response(200, headers={"x-request-id": "req-7"}, content=body)])
    info = make_client(rec).dify.v1.app.info()
    assert info.raw_body == body and info.request_id == "req-7"
    assert info.model_extra == {"future_field": {"x": 1}}
