"""Security over real sockets (tests/core/test_security.py covers the same rules through httpx.MockTransport):
planted keys in no log, repr, message or traceback; path parameters never reach another route; no redirect carries
the key to another host; TLS verification on by default; os.environ and logging left alone."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import pickle
import shutil
import ssl
import subprocess
import traceback
from pathlib import Path
from urllib.parse import quote, unquote

import httpx
import pytest

from dify_oapi import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    Client,
    DatasetNameDuplicateError,
    DifyError,
    InvalidParamError,
    InvalidRequestError,
    UnauthorizedError,
)
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest, SuggestedQuestionsRequest
from dify_oapi.api.dify.v1.model.annotation import AnnotationReplyJob
from dify_oapi.api.dify.v1.resource.annotation import AnnotationReplyJobError, AnnotationReplyTimeoutError
from dify_oapi.api.knowledge_base.v1.indexing import IndexingError, IndexingTimeoutError
from dify_oapi.api.knowledge_base.v1.model.dataset import CreateDatasetRequest

from .faultserver import SILENT, Act, FaultServer, Refused, Seen
from .matrix import (
    CLIENT_KEY,
    FAULTS,
    PER_CALL_KEY,
    SECRETS,
    SSE_HEADERS,
    Cell,
    _record_text,
    error_texts,
    logging_state,
    ok,
    pickle_problems,
    run_matrix,
    sse,
)

SUGGESTED = Act(200, b'{"result": "success", "data": ["q1"]}')


def test_planted_keys_never_logged_with_dify_oapi_log_debug(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every fault once, sync (client-wide key) and async (per-call key), with DIFY_OAPI_LOG=debug and caplog at
    DEBUG on every logger (root, dify_oapi, httpx, httpcore)."""
    monkeypatch.setenv("DIFY_OAPI_LOG", "debug")
    for name in ("", "dify_oapi", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    selected = [Cell(mode, "blocking" if not isinstance(f.script("blocking"), str) else "stream", f)
                for f in FAULTS if not f.heavy for mode in ("sync", "async")]  # fmt: skip
    run = run_matrix(selected)
    assert run.figures()["cells passing"] == len(selected), [r.failures for r in run.results if not r.passed]
    texts = [_record_text(r) for r in caplog.records] + [caplog.text]
    assert any("attempt=" in t for t in texts), "the SDK logged its attempts"
    assert any(r.name.startswith("httpcore") for r in caplog.records), "httpcore logged at DEBUG"
    assert [t for t in texts if any(s in t for s in SECRETS)] == []


# ---- path parameters ----------------------------------------------------------------------------------------------

ENCODED = [
    "a/b",
    "../info",
    "../../v1/info",
    "a?b=c",
    "?user=other",
    "#frag",
    "50%",
    "%2F",
    "%2e%2e",
    "a b",
    "ünï",
    "a;b",
]
REJECTED = ["", ".", "..", "a\nb", "a\r\nHost: evil.test", "a\x00b"]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_path_parameters_reach_only_their_own_route(mode: str) -> None:
    with FaultServer([SUGGESTED]) as server, Client(base_url=server.url, api_key=CLIENT_KEY) as client:
        message = client.chat.v1.message

        def call(value: str) -> object:
            request = SuggestedQuestionsRequest.builder().message_id(value).user("u").build()
            if mode == "sync":
                return message.suggested(request)
            return asyncio.run(message.asuggested(request))

        for value in ENCODED:
            before = len(server.seen)
            call(value)
            assert len(server.seen) == before + 1, value
            seen = server.seen[-1]
            path, _, query = seen.target.partition("?")
            parts = path.split("/")
            assert parts[:3] == ["", "v1", "messages"] and parts[4:] == ["suggested"], (value, seen.target)
            assert parts[3] == quote(value, safe="") and unquote(parts[3]) == value, (value, seen.target)
            assert query == "user=u", (value, seen.target)
        for value in REJECTED:
            before = len(server.seen)
            with pytest.raises(InvalidRequestError):
                call(value)
            assert len(server.seen) == before, value


# ---- redirects ----------------------------------------------------------------------------------------------------


def _redirect_to(target: str, status: int) -> Act:
    return Act(status, b"", headers=(("location", target),))


@pytest.mark.parametrize("status", [302, 307])
def test_redirects_are_not_followed_by_default(status: int) -> None:
    with FaultServer([ok("get")]) as other:
        with FaultServer([_redirect_to(other.url + "/info", status)]) as server:
            with Client(base_url=server.url, api_key=CLIENT_KEY) as client:
                with pytest.raises(APIStatusError) as info:
                    client.dify.v1.app.info()
                assert info.value.status_code == status

                async def acall() -> None:
                    async with Client(base_url=server.url, api_key=CLIENT_KEY) as aclient:
                        with pytest.raises(APIStatusError):
                            await aclient.dify.v1.app.ainfo()

                asyncio.run(acall())
            assert len(server.seen) == 2
        assert other.seen == []


@pytest.mark.parametrize("status", [302, 307])
def test_a_redirect_followed_by_the_users_own_httpx_client_never_carries_the_key(status: int) -> None:
    with FaultServer([ok("get")]) as other:
        with FaultServer([_redirect_to(other.url + "/info", status)]) as server:
            http = httpx.Client(follow_redirects=True)
            with Client(base_url=server.url, api_key=CLIENT_KEY, http_client=http) as client:
                assert client.dify.v1.app.info().name == "app"
            http.close()

            async def acall() -> None:
                async with httpx.AsyncClient(follow_redirects=True) as ahttp:
                    aclient = Client(base_url=server.url, api_key=PER_CALL_KEY, async_http_client=ahttp)
                    assert (await aclient.dify.v1.app.ainfo()).name == "app"

            asyncio.run(acall())
        assert [s.headers.get("authorization") for s in server.seen] == [
            f"Bearer {CLIENT_KEY}",
            f"Bearer {PER_CALL_KEY}",
        ]
    assert len(other.seen) == 2
    assert all("authorization" not in s.headers for s in other.seen)


# ---- TLS ----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def test_tls_verification_is_on_by_default(self_signed: tuple[Path, Path]) -> None:
    cert, key = self_signed
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with FaultServer([ok("get")], ssl_context=context) as server:
        with Client(base_url=server.url, api_key=CLIENT_KEY, max_retries=0) as client:
            with pytest.raises(APIConnectionError) as info:
                client.dify.v1.app.info()
            assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)

            async def acall() -> None:
                with pytest.raises(APIConnectionError) as ainfo:
                    await client.dify.v1.app.ainfo()
                assert "CERTIFICATE_VERIFY_FAILED" in str(ainfo.value)
                await client.aclose()

            asyncio.run(acall())
        assert server.seen == [], "no request may be sent over an unverified connection"
        # The same server is fine once its certificate is trusted: it was the verification that refused.
        trusted = httpx.Client(verify=ssl.create_default_context(cafile=str(cert)))
        with Client(base_url=server.url, api_key=CLIENT_KEY, http_client=trusted) as client:
            assert client.dify.v1.app.info().name == "app"
        trusted.close()
        assert len(server.seen) == 1


# ---- os.environ and logging -----------------------------------------------------------------------------------------


def test_environment_and_logging_untouched_over_real_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIFY_OAPI_LOG", raising=False)
    env_before = dict(os.environ)
    logging_before = logging_state()
    dify_before = (logging.getLogger("dify_oapi").level, list(logging.getLogger("dify_oapi").handlers))
    with FaultServer([ok("get")]) as server, Client(base_url=server.url, api_key=CLIENT_KEY) as client:
        client.dify.v1.app.info()

        async def acall() -> None:
            await client.dify.v1.app.ainfo()
            await client.aclose()

        asyncio.run(acall())
    assert dict(os.environ) == env_before
    after = logging_state()
    assert {k: after.get(k) for k in logging_before} == logging_before
    assert (logging.getLogger("dify_oapi").level, list(logging.getLogger("dify_oapi").handlers)) == dify_before


# ---- error objects: no key anywhere, and they pickle ----------------------------------------------------------------

ONE_LETTER_KEY = "e"


def _leaks(err: BaseException, key: str) -> list[str]:
    """Where ``key`` shows in ``err``: str, repr, args, kept request, chain, pickle."""
    texts = {"str": str(err), "repr": repr(err), "traceback": "".join(traceback.format_exception(err))}
    texts.update({f"more {i}": t for i, t in enumerate(error_texts(err))})
    return [where for where, text in texts.items() if key in text]


def _planted_calls(mode: str, url: str, key: str) -> BaseException:
    async def acall(client: Client) -> None:
        async with client:
            if url.endswith("/stream"):
                async for _ in await client.chat.v1.message.astream(_chat()):
                    pass
            else:
                await client.dify.v1.app.ainfo()

    client = Client(base_url=url.removesuffix("/stream"), api_key=key, max_retries=0, timeout=0.5)
    try:
        if mode == "sync":
            with client:
                if url.endswith("/stream"):
                    for _ in client.chat.v1.message.stream(_chat()):
                        pass
                else:
                    client.dify.v1.app.info()
        else:
            asyncio.run(acall(client))
    except DifyError as exc:
        return exc
    raise AssertionError("no error raised")


def _chat() -> ChatMessageRequest:
    return ChatMessageRequest.builder().query("q").user("u").build()


def _quote_key(seen: Seen) -> bytes:
    return json.dumps({"code": "unauthorized", "message": f"bad key {seen.headers.get('authorization')}"}).encode()


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("case", ["status", "connection", "timeout", "stream error event"])
def test_no_error_object_carries_the_key_and_every_one_pickles(mode: str, case: str) -> None:
    key = f"app-PLANTED-{case.replace(' ', '-')}-{mode}"
    with contextlib.ExitStack() as stack:
        if case == "connection":
            url = stack.enter_context(Refused()).url
        else:
            act = {
                "status": Act(401, _quote_key),
                "timeout": SILENT,
                "stream error event": Act(200, lambda s: sse({"event": "error", "status": 400, "code": "invalid_param",
                                                             "message": f"echo {s.headers.get('authorization')}"}),
                                          headers=SSE_HEADERS, framing="chunked"),
            }[case]  # fmt: skip
            url = stack.enter_context(FaultServer([act])).url
        err = _planted_calls(mode, url + ("/stream" if case == "stream error event" else ""), key)
    expected = {"status": UnauthorizedError, "connection": APIConnectionError, "timeout": APITimeoutError,
                "stream error event": InvalidParamError}[case]  # fmt: skip
    assert type(err) is expected, repr(err)
    assert _leaks(err, key) == []
    assert pickle_problems(err) == []
    request = getattr(err, "request", None)
    assert isinstance(request, httpx.Request) and request.headers["authorization"] == "Bearer ***"
    assert err.__context__ is None and err.__cause__ is None
    if isinstance(err, APIStatusError):
        assert isinstance(err.headers, httpx.Headers)
        clone = pickle.loads(pickle.dumps(err))
        assert (clone.status_code, clone.code, clone.body, clone.request_id) == (
            err.status_code, err.code, err.body, err.request_id)  # fmt: skip
        assert "***" in clone.message and key not in clone.message


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("status", ["error", "indexing"])
def test_indexing_errors_carry_no_key_and_pickle(mode: str, status: str) -> None:
    key = f"dataset-PLANTED-indexing-{mode}"
    answer = Act(200, json.dumps({"data": [{"id": "d1", "indexing_status": status, "error": "parse failed"}]}).encode())
    cls = IndexingError if status == "error" else IndexingTimeoutError
    # The wait bounds each poll by the time left: enough of it that a loaded machine still answers the first poll.
    wait = 10.0 if status == "error" else 0.5
    with FaultServer([answer]) as server, Client(base_url=server.url, dataset_api_key=key) as client:
        document = client.knowledge_base.v1.document

        def call() -> object:
            if mode == "sync":
                return document.wait_for_indexing("ds", "b1", timeout=wait, interval=0.01)
            return asyncio.run(document.await_for_indexing("ds", "b1", timeout=wait, interval=0.01))

        with pytest.raises(cls) as info:
            call()
        assert len(server.seen) >= 1 and server.seen[0].headers["authorization"] == f"Bearer {key}"
    err = info.value
    assert _leaks(err, key) == []
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is cls and str(clone) == str(err)
    assert (clone.dataset_id, clone.batch, clone.status) == ("ds", "b1", err.status)


def test_annotation_reply_errors_pickle() -> None:
    job = AnnotationReplyJob.model_validate({"job_id": "j1", "job_status": "error", "error_msg": "boom"})
    for err in (AnnotationReplyJobError("failed", job=job), AnnotationReplyTimeoutError("late", job=job, timeout=2.0)):
        clone = pickle.loads(pickle.dumps(err))
        assert type(clone) is type(err) and str(clone) == str(err) and clone.job == job
    assert pickle.loads(pickle.dumps(AnnotationReplyTimeoutError("late", job=job, timeout=2.0))).timeout == 2.0


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_one_letter_key_never_corrupts_an_error_body(mode: str) -> None:
    """Scrubbing works on the parsed body: a key that is a letter of the JSON syntax keeps the typed class."""
    body = json.dumps({"code": "dataset_name_duplicate", "message": "The dataset name already exists.", "status": 409})
    with FaultServer([Act(409, body.encode())]) as server:
        client = Client(base_url=server.url, dataset_api_key=ONE_LETTER_KEY, max_retries=0)
        request = CreateDatasetRequest.builder().name("n").build()
        datasets = client.knowledge_base.v1.dataset

        def call() -> object:
            return datasets.create(request) if mode == "sync" else asyncio.run(datasets.acreate(request))

        with pytest.raises(DatasetNameDuplicateError) as info:
            call()
        client.close()
    err = info.value
    assert err.code == "dataset_name_duplicate" and err.status_code == 409
    assert isinstance(err.body, dict) and set(err.body) == {"cod***", "m***ssag***", "status"}
    assert ONE_LETTER_KEY not in err.message
