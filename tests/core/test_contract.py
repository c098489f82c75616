"""Checks over the whole package: every builder matches its model; every Endpoint sends what it declares, sync and
async; every Endpoint is in the OpenAPI file and every spec operation has one."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import typing
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, ValidationError

import dify_oapi
from dify_oapi.core.builder import Builder
from dify_oapi.core.endpoint import Endpoint, _plan
from dify_oapi.core.errors import DifyError
from dify_oapi.core.resource import Method, iter_endpoints
from tests.support import APP_KEY, BASE_URL, DATASET_KEY, Recorder, make_client, spec


def _import_everything() -> None:
    for info in pkgutil.walk_packages(dify_oapi.__path__, "dify_oapi."):
        if ".testing" in info.name or info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)


def _all_builders() -> list[type[Builder[Any]]]:
    _import_everything()
    found: list[type[Builder[Any]]] = []
    todo: list[type[Any]] = list(Builder.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if "_model" in cls.__dict__:
            found.append(cls)
    return sorted(found, key=lambda c: c.__qualname__)


BUILDERS = _all_builders()


def test_there_are_builders() -> None:
    assert len(BUILDERS) >= 5


@pytest.mark.parametrize("builder", BUILDERS, ids=[b.__qualname__ for b in BUILDERS])
def test_builder_matches_its_model(builder: type[Builder[Any]]) -> None:
    model: type[BaseModel] = builder._model
    assert set(builder._setters) == set(model.model_fields), f"{builder.__name__} vs {model.__name__}"
    module = importlib.import_module(builder.__module__)
    hints = typing.get_type_hints(builder, localns=vars(module))
    for name, field in model.model_fields.items():
        setter_type = typing.get_args(hints[name])[1]
        assert setter_type == field.annotation, f"{builder.__name__}.{name}: {setter_type} != {field.annotation}"
    # the model's builder() gives this builder
    factory = getattr(model, "builder", None)
    if factory is not None and model.__name__ != "ClientOptions":
        assert type(factory()) is builder


def test_build_fails_before_io_with_a_clear_message() -> None:
    from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest

    with pytest.raises(dify_oapi.InvalidRequestError) as info:
        ChatMessageRequest.builder().inputs({"a": 1}).build()
    assert "query is required" in str(info.value) and "user is required" in str(info.value)
    with pytest.raises(ValidationError, match="quuery"):
        ChatMessageRequest.model_validate({"query": "q", "user": "u", "quuery": 1})


# ---- the endpoint table ---------------------------------------------------------------------------------------


def _client() -> Any:
    return make_client(Recorder(), max_retries=0)


METHODS = list(iter_endpoints(_client()))


def dummy(annotation: Any, name: str) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return dummy(typing.get_args(annotation)[0], name)
    if origin is typing.Union or type(annotation).__name__ == "UnionType":
        for arg in typing.get_args(annotation):
            if arg is not type(None):
                return dummy(arg, name)
    if origin is typing.Literal:
        return typing.get_args(annotation)[0]
    if annotation is bool:
        return True
    if annotation is int:
        return 1
    if annotation is float:
        return 0.5
    if annotation is str:
        return f"{name}-1"
    if origin is list or annotation is list:
        return []
    if origin is dict or annotation is dict:
        return {}
    return f"{name}-1"


def minimal(model: type[BaseModel]) -> Any:
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if not field.is_required():
            continue
        kinds = {type(m).__name__ for m in field.metadata}
        values[name] = ("a.txt", b"hello", "text/plain") if "File" in kinds else dummy(field.annotation, name)
    try:
        return model.model_validate(values)
    except Exception:
        return model.model_construct(**values)


def _answer(endpoint: Endpoint[Any, Any]) -> httpx.Response:
    if endpoint.kind == "stream":
        terminal = sorted(endpoint.terminal)[0] if endpoint.terminal else "message_end"
        body = f'event: ping\n\ndata: {{"event": "{terminal}"}}\n\n'.encode()
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)
    if endpoint.kind == "binary":
        return httpx.Response(200, headers={"content-type": "application/octet-stream"}, content=b"\x00\x01")
    return httpx.Response(200, json={})


def _check_request(name: str, method: Method[Any, Any], request: Any, sent: httpx.Request, body: bytes) -> None:
    ep = method.endpoint
    assert sent.method == ep.method, name
    pattern = (
        "^"
        + re.escape(BASE_URL.split("://")[1].split("/", 1)[1] and "/v1")
        + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(ep.path))
        + "$"
    )
    assert re.match(pattern, sent.url.path), (name, sent.url.path, ep.path)
    key = DATASET_KEY if ep.key_kind == "dataset" else APP_KEY
    assert sent.headers["authorization"] == f"Bearer {key}", name
    plan = _plan(type(request))
    wheres = {where for _, _, where in plan}
    content_type = sent.headers.get("content-type", "")
    if "file" in wheres:
        assert content_type.startswith("multipart/form-data"), name
    elif ep.method in ("POST", "PUT", "PATCH"):
        assert content_type == "application/json", name
        payload = json.loads(body)
        for key_, value in ep.fixed.items():
            assert payload[key_] == value, name
        for field_name, alias, where in plan:
            if where == "body" and field_name in request.model_fields_set and getattr(request, field_name) is not None:
                assert alias in payload, (name, alias)
    for field_name, alias, where in plan:
        if where == "query" and getattr(request, field_name, None) not in (None, [], ""):
            assert alias in sent.url.params, (name, alias)
    if ep.kind == "stream":
        assert sent.headers["accept"] == "text/event-stream"


def _consume(out: Any) -> None:
    if hasattr(out, "read") and not hasattr(out, "__aiter__"):
        out.read()
    elif hasattr(out, "__iter__") and not isinstance(out, dict | str | bytes | BaseModel):
        for _ in out:
            break


async def _aconsume(out: Any) -> None:
    if hasattr(out, "__await__") and not hasattr(out, "__aiter__"):
        out = await out
    if hasattr(out, "read") and hasattr(out, "aclose") is False and hasattr(out, "iter_bytes"):
        await out.read()
    elif hasattr(out, "__aiter__"):
        async for _ in out:
            break


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning")
@pytest.mark.parametrize(("name", "method"), METHODS, ids=[n for n, _ in METHODS])
async def test_every_endpoint_sends_what_it_declares(name: str, method: Method[Any, Any]) -> None:
    ep = method.endpoint
    rec = Recorder(default=lambda request: _answer(ep))
    client = make_client(rec, max_retries=0)
    resource = getattr(getattr(client, name.split(".")[0]).v1, name.split(".")[2])
    request = minimal(ep.request)
    bound = getattr(resource, name.split(".")[-1])
    try:
        out = bound(request)
        if method.kind.startswith("async"):
            await _aconsume(out)
        else:
            _consume(out)
    except DifyError:
        pass  # an empty {} answer may not fit the response model: the request is what is checked here
    assert rec.requests, f"{name} sent nothing"
    _check_request(name, method, request, rec.requests[0], rec.bodies[0])


def test_sync_and_async_twins_share_their_endpoint() -> None:
    by_resource: dict[str, dict[str, Method[Any, Any]]] = {}
    for name, method in METHODS:
        resource, method_name = name.rsplit(".", 1)
        by_resource.setdefault(resource, {})[method_name] = method
    for resource, methods in by_resource.items():
        for method_name, method in methods.items():
            if method.kind.startswith("async"):
                continue
            twin = methods.get("a" + method_name)
            assert twin is not None, f"{resource}.{method_name} has no async twin"
            assert twin.endpoint is method.endpoint, f"{resource}.{method_name}"


# ---- the spec contract ----------------------------------------------------------------------------------------


def _norm(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path.rstrip("/"))


def spec_operations() -> dict[tuple[str, str], str]:
    ops: dict[tuple[str, str], str] = {}
    for path, item in spec()["paths"].items():
        for verb, op in item.items():
            if verb in ("get", "post", "put", "patch", "delete"):
                ops[(verb.upper(), _norm(path))] = op.get("operationId", "")
    return ops


def test_every_endpoint_is_in_the_spec() -> None:
    ops = spec_operations()
    unknown = sorted(
        {
            (m.endpoint.method, m.endpoint.path)
            for _, m in METHODS
            if (m.endpoint.method, _norm(m.endpoint.path)) not in ops
        }
    )
    assert unknown == []


def test_every_spec_operation_has_an_endpoint() -> None:
    ops = spec_operations()
    assert len(ops) == 82
    declared = {(m.endpoint.method, _norm(m.endpoint.path)) for _, m in METHODS}
    missing = sorted(f"{m} {p} ({ops[(m, p)]})" for m, p in set(ops) - declared)
    assert missing == [], f"{len(missing)} spec operations have no endpoint"
