"""Keys and header values that cannot be sent fail before any I/O, never quoting the key; a key read from a file with
its newline works; one Authorization header on the wire, always the SDK's key."""

from __future__ import annotations

import pickle
import traceback
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from dify_oapi import Client, InvalidRequestError, RequestOption
from tests.support import APP_KEY, DATASET_KEY, MODES, Recorder, call, make_client

# Each bad key carries two planted fragments, one on each side of the bad character: neither may show anywhere.
BAD_KEYS = {
    "lf": "app-LEAKA\nLEAKB",
    "crlf-injection": "app-LEAKA\r\nX-Injected: LEAKB",
    "nul": "app-LEAKA\x00LEAKB",
    "non-ascii": "app-LEAKA\u00e9LEAKB",
    "inner space": "app-LEAKA LEAKB",
    "tab": "app-LEAKA\tLEAKB",
}
BAD_VALUES = {
    "crlf-injection": "LEAKA\r\nX-Injected: LEAKB",
    "lf": "LEAKA\nLEAKB",
    "nul": "LEAKA\x00LEAKB",
    "non-ascii": "LEAKA\u00e9LEAKB",
    "del": "LEAKA\x7fLEAKB",
}


def assert_no_leak(err: BaseException) -> None:
    texts = [str(err), repr(err), repr(err.args), "".join(traceback.format_exception(err))]
    cause: BaseException | None = err.__cause__ or err.__context__
    while cause is not None:
        texts.append(repr(cause))
        cause = cause.__cause__ or cause.__context__
    texts.append(repr(pickle.dumps(err)))
    for text in texts:
        assert "LEAKA" not in text and "LEAKB" not in text, text


@pytest.mark.parametrize("key", BAD_KEYS.values(), ids=BAD_KEYS.keys())
@pytest.mark.parametrize(
    "make",
    [
        lambda rec, key: make_client(rec, api_key=key),
        lambda rec, key: make_client(rec, dataset_api_key=key),
        lambda rec, key: make_client(rec).with_options(api_key=key),
        lambda rec, key: make_client(rec).with_options(dataset_api_key=key),
    ],
    ids=["Client(api_key)", "Client(dataset_api_key)", "with_options(api_key)", "with_options(dataset_api_key)"],
)
def test_a_bad_key_fails_before_any_io_without_quoting_it(make: Callable[[Recorder, str], Client], key: str) -> None:
    rec = Recorder()
    with pytest.raises(InvalidRequestError) as info:
        make(rec, key)
    assert "key" in str(info.value)
    assert_no_leak(info.value)
    assert rec.requests == []


ENV_KEYS = {name: key for name, key in BAD_KEYS.items() if name != "nul"}  # an environment cannot hold NUL


@pytest.mark.parametrize("key", ENV_KEYS.values(), ids=ENV_KEYS.keys())
@pytest.mark.parametrize("env", ["DIFY_API_KEY", "DIFY_DATASET_API_KEY"])
def test_a_bad_key_from_the_environment_fails_before_any_io(
    monkeypatch: pytest.MonkeyPatch, env: str, key: str
) -> None:
    monkeypatch.setenv(env, key)
    rec = Recorder()
    with pytest.raises(InvalidRequestError) as info:
        Client(base_url="http://dify.test/v1", http_client=httpx.Client(transport=httpx.MockTransport(rec)))
    assert env in str(info.value)
    assert_no_leak(info.value)
    assert rec.requests == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("key", BAD_KEYS.values(), ids=BAD_KEYS.keys())
async def test_a_bad_per_call_key_fails_before_any_io(mode: str, key: str) -> None:
    rec = Recorder()
    client = make_client(rec)
    option = RequestOption.builder().api_key(key).build()
    with pytest.raises(InvalidRequestError) as info:
        await call(mode, client.dify.v1.app, "info", None, option)
    assert_no_leak(info.value)
    assert rec.requests == []


def _sent_auth(rec: Recorder, index: int = -1) -> list[str]:
    return [v for k, v in rec.requests[index].headers.multi_items() if k.lower() == "authorization"]


@pytest.mark.parametrize("mode", MODES)
async def test_a_key_read_from_a_file_with_its_newline_is_sent_stripped(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = Recorder()
    client = make_client(rec, api_key=f"  {APP_KEY}\n", dataset_api_key=f"{DATASET_KEY}\r\n")
    await call(mode, client.dify.v1.app, "info")
    assert _sent_auth(rec) == [f"Bearer {APP_KEY}"]
    await call(mode, client.knowledge_base.v1.dataset, "list")
    assert _sent_auth(rec) == [f"Bearer {DATASET_KEY}"]
    await call(mode, client.dify.v1.app, "info", None, RequestOption.builder().api_key("app-per-call\n").build())
    assert _sent_auth(rec) == ["Bearer app-per-call"]
    await call(mode, client.with_options(api_key="\tapp-derived\n").dify.v1.app, "info")
    assert _sent_auth(rec) == ["Bearer app-derived"]
    monkeypatch.setenv("DIFY_API_KEY", "app-from-env\n")
    monkeypatch.setenv("DIFY_DATASET_API_KEY", "dataset-from-env\n")
    env_client = make_client(rec, api_key=None, dataset_api_key=None)
    await call(mode, env_client.dify.v1.app, "info")
    assert _sent_auth(rec) == ["Bearer app-from-env"]
    await call(mode, env_client.knowledge_base.v1.dataset, "list")
    assert _sent_auth(rec) == ["Bearer dataset-from-env"]
    # Only keys are stripped: a header value keeps its inner spacing.
    await call(mode, client.dify.v1.app, "info", None, RequestOption.builder().headers({"X-Note": "a  b"}).build())
    assert rec.last.headers["x-note"] == "a  b"


def test_a_key_of_whitespace_only_is_no_key() -> None:
    rec = Recorder()
    client = make_client(rec, api_key=" \n")
    with pytest.raises(InvalidRequestError, match="no API key"):
        client.dify.v1.app.info()
    assert rec.requests == []


@pytest.mark.parametrize("value", BAD_VALUES.values(), ids=BAD_VALUES.keys())
@pytest.mark.parametrize(
    "make",
    [
        lambda rec, value: make_client(rec, headers={"X-Custom": value}),
        lambda rec, value: make_client(rec).with_options(headers={"X-Custom": value}),
    ],
    ids=["Client(headers)", "with_options(headers)"],
)
def test_a_bad_client_header_value_fails_before_any_io(make: Callable[[Recorder, str], Client], value: str) -> None:
    rec = Recorder()
    with pytest.raises(InvalidRequestError, match="X-Custom") as info:
        make(rec, value)
    assert_no_leak(info.value)
    assert rec.requests == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("value", BAD_VALUES.values(), ids=BAD_VALUES.keys())
async def test_a_bad_per_call_header_value_fails_before_any_io(mode: str, value: str) -> None:
    rec = Recorder()
    client = make_client(rec)
    option = RequestOption.builder().headers({"X-Custom": value}).build()
    with pytest.raises(InvalidRequestError, match="X-Custom") as info:
        await call(mode, client.dify.v1.app, "info", None, option)
    assert_no_leak(info.value)
    # A stream fails the same way, before it opens.
    if mode == "sync":
        with pytest.raises(InvalidRequestError):
            client.chat.v1.message.stream(_chat_request(), option)
    else:
        with pytest.raises(InvalidRequestError):
            await _open_astream(client, option)
    assert rec.requests == []


@pytest.mark.parametrize("name", ["X Custom", "X-Custom\r\nX-Injected", "X-Cüstom", ""])
def test_a_bad_header_name_fails_before_any_io(name: str) -> None:
    rec = Recorder()
    with pytest.raises(InvalidRequestError, match="header name"):
        make_client(rec, headers={name: "v"})
    client = make_client(rec)
    with pytest.raises(InvalidRequestError, match="header name"):
        client.dify.v1.app.info(None, RequestOption.builder().headers({name: "v"}).build())
    assert rec.requests == []


# ---- Authorization: one header, always the SDK's key ---------------------------------------------------------------

USER_AUTH = "Bearer app-USER-HEADER-key"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["Authorization", "authorization", "AUTHORIZATION", "aUtHoRiZaTiOn"])
async def test_one_authorization_header_on_the_wire_and_it_is_the_sdk_key(mode: str, name: str) -> None:
    rec = Recorder()
    client = make_client(rec, headers={name: USER_AUTH})
    await call(mode, client.dify.v1.app, "info")
    assert _sent_auth(rec) == [f"Bearer {APP_KEY}"]
    await call(mode, client.knowledge_base.v1.dataset, "list")
    assert _sent_auth(rec) == [f"Bearer {DATASET_KEY}"]
    plain = make_client(rec)
    await call(mode, plain.dify.v1.app, "info", None, RequestOption.builder().headers({name: USER_AUTH}).build())
    assert _sent_auth(rec) == [f"Bearer {APP_KEY}"]
    both = RequestOption.builder().api_key("app-per-call").headers({name: USER_AUTH}).build()
    await call(mode, plain.dify.v1.app, "info", None, both)
    assert _sent_auth(rec) == ["Bearer app-per-call"]
    derived = plain.with_options(headers={name: USER_AUTH})
    await call(mode, derived.dify.v1.app, "info")
    assert _sent_auth(rec) == [f"Bearer {APP_KEY}"]
    rec.default = lambda request: httpx.Response(
        200, headers={"content-type": "text/event-stream"}, content=b'data: {"event": "message_end"}\n\n'
    )
    if mode == "sync":
        list(derived.chat.v1.message.stream(_chat_request()))
    else:
        async with derived.chat.v1.message.astream(_chat_request()) as events:
            [e async for e in events]
    assert _sent_auth(rec) == [f"Bearer {APP_KEY}"]


@pytest.mark.parametrize("mode", MODES)
async def test_a_header_given_again_in_another_case_replaces_it(mode: str) -> None:
    rec = Recorder()
    client = make_client(rec, headers={"X-Trace": "client", "user-agent": "mine/1"})
    option = RequestOption.builder().headers({"x-trace": "call", "ACCEPT": "application/json"}).build()
    await call(mode, client.dify.v1.app, "info", None, option)
    items = rec.last.headers.multi_items()
    assert [v for k, v in items if k.lower() == "x-trace"] == ["call"]
    assert [v for k, v in items if k.lower() == "user-agent"] == ["mine/1"]
    assert [v for k, v in items if k.lower() == "accept"] == ["application/json"]


def _chat_request() -> Any:
    from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest

    return ChatMessageRequest.builder().query("q").user("u").build()


async def _open_astream(client: Client, option: RequestOption) -> None:
    async with client.chat.v1.message.astream(_chat_request(), option):
        pass
