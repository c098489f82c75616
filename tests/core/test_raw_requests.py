"""Client.request / arequest / stream / astream: raw calls through the same transport as modelled endpoints."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from dify_oapi import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    BadRequestError,
    InvalidRequestError,
    NotFoundError,
    RequestOption,
    StreamIncompleteError,
)
from dify_oapi.core.events import StreamEvent
from dify_oapi.core.model import Response
from tests.support import APP_KEY, DATASET_KEY, MODES, Recorder, make_client, multipart_parts, sse_response


async def raw(mode: str, client: Any, method: str, path: str, **kwargs: Any) -> Any:
    if mode == "sync":
        return client.request(method, path, **kwargs)
    return await client.arequest(method, path, **kwargs)


async def raw_events(mode: str, client: Any, method: str, path: str, into: list[Any], **kwargs: Any) -> list[Any]:
    if mode == "sync":
        with client.stream(method, path, **kwargs) as stream:
            for event in stream:
                into.append(event)
    else:
        async with client.astream(method, path, **kwargs) as astream:
            async for event in astream:
                into.append(event)
    return into


class Thing(Response):
    id: str
    name: str = ""


class Plain(BaseModel):
    id: str


@pytest.mark.parametrize("mode", MODES)
async def test_get_with_params_returns_a_dict(mode: str) -> None:
    rec = Recorder(answers=[httpx.Response(200, json={"id": "t1", "items": [1, 2]}, headers={"x-request-id": "r1"})])
    client = make_client(rec)
    answer = await raw(
        mode, client, "GET", "/things/t1", params={"tag": ["a", "b"], "flag": True, "skip": None, "limit": 5}
    )
    assert answer == {"id": "t1", "items": [1, 2]}
    sent = rec.last
    assert sent.method == "GET" and sent.url.path == "/v1/things/t1"
    assert sent.url.params.multi_items() == [("tag", "a"), ("tag", "b"), ("flag", "true"), ("limit", "5")]
    assert sent.headers["authorization"] == f"Bearer {APP_KEY}"
    assert sent.headers["user-agent"].startswith("dify-oapi/")
    assert rec.bodies[-1] == b""
    # a path without its leading slash is the same path, relative to base_url
    await raw(mode, client, "get", "things/t1")
    assert rec.last.url.path == "/v1/things/t1" and rec.last.method == "GET"


@pytest.mark.parametrize("mode", MODES)
async def test_cast_to_a_model_and_204_gives_none(mode: str) -> None:
    rec = Recorder(
        answers=[
            httpx.Response(200, json={"id": "t1", "name": "n", "extra": 1}, headers={"x-request-id": "req-9"}),
            httpx.Response(200, json={"id": "t2"}),
            httpx.Response(204),
        ]
    )
    client = make_client(rec)
    thing = await raw(mode, client, "GET", "/things/t1", cast_to=Thing)
    assert isinstance(thing, Thing) and thing.name == "n" and thing.model_extra == {"extra": 1}
    assert thing.request_id == "req-9" and thing.raw_body == b'{"id":"t1","name":"n","extra":1}'
    plain = await raw(mode, client, "GET", "/things/t2", cast_to=Plain)
    assert plain == Plain(id="t2")
    assert await raw(mode, client, "DELETE", "/things/t2", cast_to=Thing) is None
    rec.answers[:] = [httpx.Response(200, json={"unexpected": True})]
    with pytest.raises(APIResponseValidationError) as info:
        await raw(mode, client, "GET", "/things/t1", cast_to=Thing)
    assert "unexpected answer" in str(info.value)


@pytest.mark.parametrize("mode", MODES)
async def test_keys_follow_the_path_or_auth_and_the_option(mode: str) -> None:
    rec = Recorder()
    client = make_client(rec)
    await raw(mode, client, "GET", "/datasets/d1/new-thing")
    assert rec.last.headers["authorization"] == f"Bearer {DATASET_KEY}"
    await raw(mode, client, "GET", "/workspaces/current/x")
    assert rec.last.headers["authorization"] == f"Bearer {DATASET_KEY}"
    await raw(mode, client, "GET", "/datasets/d1", auth="app")
    assert rec.last.headers["authorization"] == f"Bearer {APP_KEY}"
    await raw(mode, client, "GET", "/new", auth="dataset")
    assert rec.last.headers["authorization"] == f"Bearer {DATASET_KEY}"
    option = RequestOption.builder().api_key("app-other").headers({"X-Extra": "1"}).extra_query({"q": "v"}).build()
    await raw(mode, client, "GET", "/new", option=option)
    assert rec.last.headers["authorization"] == "Bearer app-other" and rec.last.headers["x-extra"] == "1"
    assert rec.last.url.params["q"] == "v"
    without = make_client(rec, dataset_api_key=None)
    before = len(rec.requests)
    with pytest.raises(InvalidRequestError, match="dataset_api_key"):
        await raw(mode, without, "GET", "/datasets")
    assert len(rec.requests) == before


@pytest.mark.parametrize("mode", MODES)
async def test_post_json_and_the_retry_rule_by_method(mode: str) -> None:
    server_error = httpx.Response(500, json={"code": "internal_server_error", "message": "oops", "status": 500})
    ok = httpx.Response(200, json={"result": "success"})
    rec = Recorder(answers=[server_error, ok])
    client = make_client(rec)
    # a POST the server may have processed is never sent twice
    with pytest.raises(APIStatusError) as info:
        await raw(mode, client, "POST", "/runs", json={"inputs": {"x": 1}, "user": "u"})
    assert info.value.status_code == 500 and len(rec.requests) == 1
    assert rec.json() == {"inputs": {"x": 1}, "user": "u"}
    assert rec.last.headers["content-type"] == "application/json"
    # unless the caller says it is safe
    rec.answers[:] = [server_error, ok]
    assert await raw(mode, client, "POST", "/search", json={}, retry_safe=True) == {"result": "success"}
    assert len(rec.requests) == 3
    # GET, PUT and DELETE are retried
    for method in ("GET", "PUT", "DELETE"):
        rec.answers[:] = [server_error, ok]
        before = len(rec.requests)
        assert await raw(mode, client, method, "/things/t") == {"result": "success"}
        assert len(rec.requests) - before == 2
    # a connection that was never made is retried for a POST too
    rec.answers[:] = [httpx.ConnectError("refused"), ok]
    before = len(rec.requests)
    assert await raw(mode, client, "POST", "/runs", json={}) == {"result": "success"}
    assert len(rec.requests) - before == 2
    rec.answers[:] = [httpx.ConnectError("refused")] * 3
    with pytest.raises(APIConnectionError):
        await raw(mode, client, "POST", "/runs", json={})


@pytest.mark.parametrize("mode", MODES)
async def test_typed_errors_without_the_key(mode: str) -> None:
    rec = Recorder(
        answers=[
            httpx.Response(404, json={"code": "not_found", "message": f"no such thing for {APP_KEY}", "status": 404}),
            httpx.Response(400, json={"code": "invalid_param", "message": "bad", "status": 400}),
        ]
    )
    client = make_client(rec)
    with pytest.raises(NotFoundError) as info:
        await raw(mode, client, "GET", "/things/none")
    assert info.value.code == "not_found" and APP_KEY not in str(info.value) and APP_KEY not in repr(info.value)
    with pytest.raises(BadRequestError) as bad:
        await raw(mode, client, "POST", "/things", json={"x": 1})
    assert bad.value.code == "invalid_param" and bad.value.message == "bad"


@pytest.mark.parametrize("mode", MODES)
async def test_multipart_files_and_data(mode: str) -> None:
    rec = Recorder(answers=[httpx.Response(201, json={"id": "f1"})])
    client = make_client(rec)
    answer = await raw(
        mode, client, "POST", "/files/new-upload",
        files={"file": ("a.txt", b"hello", "text/plain")}, data={"user": "u", "meta": {"k": 1}},
    )  # fmt: skip
    assert answer == {"id": "f1"}
    parts = multipart_parts(rec)
    assert parts["file"].get_content() in ("hello", b"hello")
    assert parts["file"].get_param("filename", header="content-disposition") == "a.txt"
    assert parts["user"].get_content().strip() == "u"
    assert parts["meta"].get_content().strip() == '{"k": 1}'


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "message"),
    [
        ("GET", "/datasets/../apps", {}, "'..'"),
        ("GET", "/datasets/%2E%2E/apps", {}, "'..'"),
        ("GET", "/a/./b", {}, "'..'"),
        ("GET", "https://evil.test/v1/info", {}, "not a URL"),
        ("GET", "//evil.test/info", {}, "not a URL"),
        ("GET", "/info?user=u", {}, "params="),
        ("GET", "/datasets//documents", {}, "empty segment"),
        ("GET", "", {}, "relative to base_url"),
        ("GET", "/in\r\nfo", {}, "control characters"),
        ("TRACE", "/info", {}, "method must be"),
        ("POST", "/files", {"json": {"a": 1}, "files": {"f": b"x"}}, "not both"),
        ("POST", "/files", {"files": {"f": 12}}, "not a file input"),
        ("POST", "/x", {"json": [1, 2]}, "mapping"),
        ("GET", "/x", {"auth": "admin"}, "auth must be"),
        ("GET", "/x", {"params": "a=b"}, "pairs"),
    ],
)
@pytest.mark.parametrize("mode", MODES)
async def test_bad_input_fails_before_any_io(mode: str, method: str, path: str, kwargs: Any, message: str) -> None:
    rec = Recorder()
    client = make_client(rec)
    with pytest.raises(InvalidRequestError, match=message.replace("?", r"\?").replace(".", r"\.")):
        await raw(mode, client, method, path, **kwargs)
    opener = client.stream if mode == "sync" else client.astream
    with pytest.raises(InvalidRequestError):
        opener(method, path, **kwargs)
    assert rec.requests == []


@pytest.mark.parametrize("mode", MODES)
async def test_stream_yields_stream_events(mode: str) -> None:
    rec = Recorder(
        default=lambda r: sse_response(
            {"event": "new_thing", "delta": "a", "n": 1}, {"event": "thing_end", "id": "t"}, ping=True
        )
    )
    client = make_client(rec)
    events = await raw_events(mode, client, "POST", "/things/run", [], json={"q": 1}, terminal={"thing_end"})
    assert [type(e) for e in events] == [StreamEvent, StreamEvent]
    assert [e.event for e in events] == ["new_thing", "thing_end"]
    assert events[0].model_extra == {"delta": "a", "n": 1}
    sent = rec.last
    assert sent.headers["accept"] == "text/event-stream" and sent.headers["authorization"] == f"Bearer {APP_KEY}"
    assert rec.json() == {"q": 1}
    if mode == "sync":
        with client.stream("GET", "/things/run") as stream:
            list(stream)
            assert stream.status_code == 200 and stream.headers["content-type"] == "text/event-stream"


@pytest.mark.parametrize("mode", MODES)
async def test_stream_errors_are_typed(mode: str) -> None:
    error = {"event": "error", "status": 400, "code": "invalid_param", "message": "broken input"}
    rec = Recorder(answers=[sse_response({"event": "a"}, error)])
    client = make_client(rec)
    got: list[Any] = []
    with pytest.raises(BadRequestError, match="broken input"):
        await raw_events(mode, client, "POST", "/things/run", got, json={})
    assert [e.event for e in got] == ["a"]
    rec.answers[:] = [sse_response({"event": "a"})]
    with pytest.raises(StreamIncompleteError):
        await raw_events(mode, client, "POST", "/things/run", [], json={}, terminal=["done"])
    rec.answers[:] = [sse_response({"event": "a"})]
    assert len(await raw_events(mode, client, "POST", "/things/run", [], json={})) == 1  # no terminal: any end
    rec.answers[:] = [httpx.Response(404, json={"code": "not_found", "message": "gone", "status": 404})]
    with pytest.raises(NotFoundError, match="gone"):
        await raw_events(mode, client, "GET", "/things/run", [])


@pytest.mark.parametrize("mode", MODES)
async def test_logged_like_every_call_without_keys(mode: str, caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder(answers=[httpx.Response(200, json={})])
    client = make_client(rec)
    with caplog.at_level(logging.INFO, logger="dify_oapi"):
        await raw(mode, client, "GET", "/new-endpoint", params={"k": "v"})
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("dify_oapi")]
    assert any("GET /new-endpoint" in line and "200" in line for line in lines), lines
    assert not any(APP_KEY in line or DATASET_KEY in line for line in lines)


async def test_derived_clients_send_raw_requests_with_their_options() -> None:
    rec = Recorder()
    child = make_client(rec).with_options(api_key="app-child", headers={"X-Team": "t"})
    child.request("GET", "/new")
    await child.arequest("GET", "/new")
    assert [r.headers["authorization"] for r in rec.requests] == ["Bearer app-child"] * 2
    assert all(r.headers["x-team"] == "t" for r in rec.requests)


@pytest.mark.parametrize("mode", MODES)
async def test_a_misspelt_keyword_is_a_clear_type_error_before_io(mode: str) -> None:
    """The raw calls share one keyword list (RawCall); a keyword outside it fails at once, naming what is taken."""
    rec = Recorder()
    client = make_client(rec)
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'parms': a raw call takes params, json"):
        await raw(mode, client, "GET", "/x", parms={"a": 1})
    with pytest.raises(TypeError, match="'jsn'"):
        client.stream("POST", "/x", jsn={}) if mode == "sync" else client.astream("POST", "/x", jsn={})
    assert rec.requests == []
