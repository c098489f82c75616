"""Closed enums are closed: every request field whose values the spec lists (``enum`` in the OpenAPI file, in a body
property at any depth or in a path/query parameter) is a closed ``Literal`` of exactly those values (plus the ones a
real Dify accepts beyond the spec, see ``REAL_SERVER_EXTRAS``) in the request model and in its builder's setter, so a
typo is a type error and a ``build()`` error. Responses stay open: no response field is a ``Literal`` (the ``event``
discriminators of stream events aside)."""

from __future__ import annotations

import importlib
import types
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from dify_oapi.core.errors import InvalidRequestError
from dify_oapi.core.model import Request, Response
from dify_oapi.core.resource import iter_endpoints
from tests.core.test_contract import BUILDERS, _norm
from tests.support import SPEC_MISSING, SPEC_PATH, Recorder, make_client, spec

REAL_SERVER_EXTRAS: dict[tuple[str, ...], set[str]] = {}
"""Values a real Dify 1.14.1 accepts that the spec does not list, by field path (none known: REAL-SERVER.md and the
transcripts show only listed values)."""

Path = tuple[str, ...]


def _resolve(node: Any, root: dict[str, Any]) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        ref: str = typing.cast(dict[str, Any], node)["$ref"]
        target: Any = root
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _enums(schema: Any, root: dict[str, Any], at: Path, out: dict[Path, set[Any]]) -> None:
    """Every ``enum`` under ``schema`` by field path (``[]`` for list items); the alternatives of
    ``anyOf``/``oneOf``/``allOf`` at one path are merged."""
    schema = _resolve(schema, root)
    if not isinstance(schema, dict):
        return
    node = typing.cast(dict[str, Any], schema)
    if "enum" in node:
        out.setdefault(at, set()).update(node["enum"])
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in node.get(key, []):
            _enums(sub, root, at, out)
    for name, sub in node.get("properties", {}).items():
        _enums(sub, root, (*at, name), out)
    if "items" in node:
        _enums(node["items"], root, (*at, "[]"), out)


def spec_enums() -> dict[tuple[str, str], dict[Path, set[Any]]]:
    """``(METHOD, normalised path)`` -> the enum'd request fields of that operation."""
    root = spec()
    found: dict[tuple[str, str], dict[Path, set[Any]]] = {}
    for path, item in root["paths"].items():
        for verb, op in item.items():
            if verb not in ("get", "post", "put", "patch", "delete"):
                continue
            fields: dict[Path, set[Any]] = {}
            for param in op.get("parameters", []):
                param = _resolve(param, root)
                _enums(param.get("schema", {}), root, (param["name"],), fields)
            for media in op.get("requestBody", {}).get("content", {}).values():
                _enums(media.get("schema", {}), root, (), fields)
            if fields:
                found[(verb.upper(), _norm(path))] = fields
    return found


def _members(annotation: Any) -> tuple[Any, ...]:
    """The members of a union (Annotated unwrapped), or the annotation itself."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return tuple(m for arg in typing.get_args(annotation) for m in _members(arg))
    return (annotation,)


def _field(model: type[BaseModel], name: str) -> tuple[str, Any] | None:
    for field_name, info in model.model_fields.items():
        if name in (field_name, info.alias):
            return field_name, info.annotation
    return None


def _locate(model: type[BaseModel], at: Path) -> tuple[type[BaseModel], str, Any] | None:
    """The model, field name and annotation that hold the spec field ``at`` (None: not modelled)."""
    found = _field(model, at[0])
    if found is None:
        return None
    name, annotation = found
    rest = at[1:]
    if not rest:
        return model, name, annotation
    if rest[0] == "[]":
        items = [typing.get_args(m)[0] for m in _members(annotation) if typing.get_origin(m) is list]
        annotation, rest = (items[0] if items else annotation), rest[1:]
    for member in _members(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel) and rest:
            located = _locate(member, rest)
            if located is not None:
                return located
    return None


def closed_values(annotation: Any) -> tuple[set[Any], bool] | None:
    """The values of a closed Literal annotation and whether None is allowed; None when it is not closed (a plain
    ``str`` member, or no Literal at all)."""
    values: set[Any] = set()
    nullable = False
    for member in _members(annotation):
        if member is type(None):
            nullable = True
        elif typing.get_origin(member) is typing.Literal:
            values.update(typing.get_args(member))
        else:
            return None
    return (values, nullable) if values else None


def _setter_type(model: type[BaseModel], name: str) -> Any:
    builder = next(b for b in BUILDERS if b._model is model)
    hints = typing.get_type_hints(builder, localns=vars(importlib.import_module(builder.__module__)))
    return typing.get_args(hints[name])[1]


def _cases() -> Iterator[tuple[str, type[BaseModel], Path, set[Any]]]:
    enums = spec_enums()
    seen: set[tuple[type[BaseModel], Path]] = set()
    for _, method in iter_endpoints(make_client(Recorder())):
        ep = method.endpoint
        for at, values in enums.get((ep.method, _norm(ep.path)), {}).items():
            if at[0] in ep.fixed or (ep.request, at) in seen:  # response_mode: set by the method, not a field
                continue
            seen.add((ep.request, at))
            yield f"{ep.method} {ep.path} {'.'.join(at)}", ep.request, at, values


# Without the OpenAPI file (a bare clone) the cases are one skip that says where the file goes.
CASES: list[Any] = (
    sorted(_cases(), key=lambda case: case[0])
    if SPEC_PATH.exists()
    else [pytest.param("", None, (), set(), id="spec-missing", marks=pytest.mark.skip(reason=SPEC_MISSING))]
)


def test_the_spec_has_enum_request_fields() -> None:
    spec()  # a skip when the file is absent
    assert len(CASES) >= 25


@pytest.mark.parametrize(
    ("where", "model", "at", "values"), CASES, ids=[c[0] if isinstance(c, tuple) else "spec-missing" for c in CASES]
)
def test_spec_enum_request_field_is_a_closed_literal(
    where: str, model: type[BaseModel], at: Path, values: set[Any]
) -> None:
    located = _locate(model, at)
    assert located is not None, f"{where}: not modelled in {model.__name__}"
    owner, name, annotation = located
    expected = ({v for v in values if v is not None} | REAL_SERVER_EXTRAS.get(at, set()), None in values)
    closed = closed_values(annotation)
    assert closed is not None, f"{where}: {owner.__name__}.{name} is {annotation}, not a closed Literal"
    assert closed[0] == expected[0], f"{where}: {owner.__name__}.{name} values {closed[0]} != spec {expected[0]}"
    if expected[1]:
        assert closed[1], f"{where}: {owner.__name__}.{name} must accept None (the spec lists null)"
    setter = _setter_type(owner, name)
    assert closed_values(setter) == closed, f"{where}: {owner.__name__}.{name}: builder setter is {setter}"


def _model_classes(base: type[BaseModel]) -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    todo = list(base.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("dify_oapi.api."):
            found.append(cls)
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__qualname__}")


def test_no_request_literal_is_left_open() -> None:
    """Every Literal in a request model (those the spec does not reach too: the JSON ``data`` part of an upload)
    is closed: no ``Literal[...] | str``."""
    BUILDERS  # noqa: B018 - imports every model module
    open_ones = [
        f"{cls.__qualname__}.{name}: {info.annotation}"
        for cls in _model_classes(Request)
        for name, info in cls.model_fields.items()
        if any(typing.get_origin(m) is typing.Literal for m in _members(info.annotation))
        and closed_values(info.annotation) is None
    ]
    assert open_ones == []


def test_responses_stay_open() -> None:
    """A new server value never breaks parsing: no response field is a Literal (stream event names aside)."""
    closed = [
        f"{cls.__qualname__}.{name}: {info.annotation}"
        for cls in _model_classes(Response)
        for name, info in cls.model_fields.items()
        if name != "event" and any(typing.get_origin(m) is typing.Literal for m in _members(info.annotation))
    ]
    assert closed == []


def test_a_wrong_literal_fails_in_build() -> None:
    """At run time too (a value from configuration, code not type-checked): ``build()`` raises InvalidRequestError."""
    from dify_oapi.api.knowledge_base.v1.model.dataset import CreateDatasetRequest
    from dify_oapi.api.knowledge_base.v1.model.retrieval import RetrievalModel

    typo: Any = "econmy"
    with pytest.raises(InvalidRequestError, match="indexing_technique"):
        CreateDatasetRequest.builder().name("kb").indexing_technique(typo).build()
    semantic: Any = "semantic"
    retrieval = RetrievalModel.builder().reranking_enable(False).top_k(3).score_threshold_enabled(False)
    with pytest.raises(InvalidRequestError, match="search_method"):
        retrieval.search_method(semantic).build()
    assert retrieval.search_method("semantic_search").build().search_method == "semantic_search"
