"""Secrets never leak; path parameters cannot reach another route; no redirect carries the key; TLS on."""

from __future__ import annotations

import logging
import os
import ssl
import traceback
from typing import Annotated

import httpx
import pytest

from dify_oapi import APIStatusError, Client, DifyError, InvalidRequestError, RequestOption
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.core._log import configure_from_env
from dify_oapi.core.endpoint import Endpoint
from dify_oapi.core.model import Path, Request, SimpleResult
from dify_oapi.core.resource import Resource, acall, call
from tests.support import APP_KEY, DATASET_KEY, Recorder, make_client

PER_CALL_KEY = "app-PER-CALL-secret-5555"


class ThingRequest(Request):
    thing_id: Annotated[str, Path()]


THING = Endpoint("GET", "/things/{thing_id}", ThingRequest, SimpleResult)


class Things(Resource):
    get = call(THING)
    aget = acall(THING)


def leaks(text: str) -> bool:
    return any(secret in text for secret in (APP_KEY, DATASET_KEY, PER_CALL_KEY))


def echo_auth(request: httpx.Request) -> httpx.Response:
    auth = request.headers.get("authorization", "")
    return httpx.Response(401, json={"code": "unauthorized", "message": f"bad token {auth}", "status": 401})


def test_planted_keys_never_reach_logs_reprs_or_errors(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIFY_OAPI_LOG", "debug")
    caplog.set_level(logging.DEBUG)
    rec = Recorder(default=echo_auth)
    client = make_client(rec)
    option = RequestOption.builder().api_key(PER_CALL_KEY).headers({"Authorization": f"Bearer {PER_CALL_KEY}"}).build()
    texts: list[str] = [repr(client), str(client), repr(option), str(option), repr(client.config)]
    for opt in (None, option):
        with pytest.raises(APIStatusError) as info:
            client.chat.v1.message.create(ChatMessageRequest.builder().query("q").user("u").build(), opt)
        err = info.value
        texts += [str(err), repr(err), err.message, str(err.body), "".join(traceback.format_exception(err))]
    rec.default = lambda request: (_ for _ in ()).throw(
        httpx.ConnectError(f"refused {request.headers['authorization']}")
    )
    with pytest.raises(DifyError) as conn:
        client.dify.v1.app.info()
    texts += [str(conn.value), "".join(traceback.format_exception(conn.value))]
    texts += [record.getMessage() for record in caplog.records]
    assert any("status=401" in t for t in texts), "the requests were logged"
    assert [t for t in texts if leaks(t)] == []


def test_log_records_carry_method_template_status_attempt_and_elapsed(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="dify_oapi")
    rec = Recorder(answers=[httpx.Response(503), httpx.Response(200, json={"name": "n"})])
    make_client(rec).dify.v1.app.info()
    lines = [r.getMessage() for r in caplog.records if r.name == "dify_oapi"]
    assert lines[0].startswith("GET /info status=503 attempt=1 elapsed=")
    assert lines[1].startswith("GET /info status=200 attempt=2 elapsed=")


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        ("a/b", "/v1/things/a%2Fb"),
        ("a?b=c", "/v1/things/a%3Fb%3Dc"),
        ("a#frag", "/v1/things/a%23frag"),
        ("50%", "/v1/things/50%25"),
        ("../info", "/v1/things/..%2Finfo"),
        ("naïve id", "/v1/things/na%C3%AFve%20id"),
    ],
)
def test_path_parameters_are_encoded(value: str, sent: str) -> None:
    rec = Recorder()
    things = Things(make_client(rec)._transport)
    things.get(ThingRequest(thing_id=value))
    assert rec.last.url.raw_path.decode() == sent


@pytest.mark.parametrize("value", ["", ".", "..", "a\nb", "a\rb"])
async def test_bad_path_parameters_are_rejected_before_sending(value: str) -> None:
    rec = Recorder()
    things = Things(make_client(rec)._transport)
    with pytest.raises(InvalidRequestError):
        things.get(ThingRequest(thing_id=value))
    with pytest.raises(InvalidRequestError):
        await things.aget(ThingRequest(thing_id=value))
    assert rec.requests == []


def test_redirects_are_not_followed_and_never_carry_the_key() -> None:
    rec = Recorder(answers=[httpx.Response(302, headers={"location": "http://evil.test/steal"})])
    with pytest.raises(APIStatusError) as info:
        make_client(rec).dify.v1.app.info()
    assert info.value.status_code == 302
    assert [str(r.url.host) for r in rec.requests] == ["dify.test"]


def test_tls_verification_is_on_by_default() -> None:
    client = Client(api_key="k", base_url="https://dify.example/v1")
    pool = client._transport.client._transport._pool  # type: ignore[attr-defined]
    context: ssl.SSLContext = pool._ssl_context
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    client.close()


def test_sdk_changes_neither_environment_nor_global_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIFY_OAPI_LOG", "info")
    env_before = dict(os.environ)
    root = logging.getLogger()
    root_before = (root.level, list(root.handlers))
    others = {name: (lg.level, list(lg.handlers)) for name, lg in logging.root.manager.loggerDict.items()
              if isinstance(lg, logging.Logger) and not name.startswith("dify_oapi")}  # fmt: skip
    configure_from_env()
    client = make_client(Recorder())
    client.dify.v1.app.info()
    assert dict(os.environ) == env_before
    assert (root.level, list(root.handlers)) == root_before
    for name, state in others.items():
        lg = logging.getLogger(name)
        assert (lg.level, list(lg.handlers)) == state, name
