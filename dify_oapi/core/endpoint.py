"""An endpoint is data: one frozen :class:`Endpoint` per operation. Resources derive their sync, async and streaming
methods from it and the transport reads it; there is no per-endpoint transport code."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import cache
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError, to_jsonable_python

from .errors import InvalidRequestError
from .events import LazyType, event_parser, event_union, is_event_union
from .files import FileInput, is_file_input
from .model import Body, File, Form, FormJson, Path, Query, Request, User, _non_finite

__all__ = ["Encoded", "Endpoint", "HttpMethod", "Kind", "with_extras"]

ReqT = TypeVar("ReqT", bound=Request)
RespT = TypeVar("RespT", covariant=True)
HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
Kind = Literal["json", "stream", "binary"]
Where = Literal["path", "query", "body", "file", "form", "form_json"]

_SAFE_METHODS = frozenset({"GET", "PUT", "DELETE"})
_DATASET_PREFIXES = ("/datasets", "/workspaces")


@dataclass(frozen=True, slots=True)
class Endpoint(Generic[ReqT, RespT]):
    """One operation of the Dify Service API.

    ``response`` is the model of the answer (``kind="json"``), the base class of its events (``kind="stream"``, with
    ``parse_as`` the union of event models that the events are parsed into) or :class:`bytes` for binary answers.
    ``fixed`` values are added to every JSON body (``response_mode``).
    ``retry_safe`` defaults to True for GET, PUT and DELETE; ``auth`` to ``"dataset"`` for knowledge endpoints.
    ``terminal`` names the events that complete a stream. ``json_answer`` is the model of a 200 JSON answer that a
    stream endpoint may give instead of events (the pipeline run does): the stream yields it as its one item.
    """

    method: HttpMethod
    path: str
    request: type[ReqT]
    response: type[RespT]
    kind: Kind = "json"
    fixed: Mapping[str, Any] = field(default_factory=dict[str, Any])
    retry_safe: bool | None = None
    auth: Literal["app", "dataset"] | None = None
    terminal: frozenset[str] = frozenset()
    parse_as: Any = None
    summary: str = ""
    json_answer: Any = None

    @property
    def is_retry_safe(self) -> bool:
        return self.retry_safe if self.retry_safe is not None else self.method in _SAFE_METHODS

    @property
    def key_kind(self) -> Literal["app", "dataset"]:
        if self.auth is not None:
            return self.auth
        return "dataset" if self.path.startswith(_DATASET_PREFIXES) else "app"

    @property
    def parse_type(self) -> Any:
        """What answers or events are parsed into: ``parse_as`` (imported now if it is a ``LazyType``), else
        ``response``."""
        target: Any = self.parse_as if self.parse_as is not None else self.response
        return target.resolve() if isinstance(target, LazyType) else target

    def adapter(self) -> TypeAdapter[Any]:
        target = self.parse_type
        return _stream_adapter(target) if self.kind == "stream" else _adapter(target)

    def event_parser(self) -> Callable[[str], Any]:
        """The parser of one event's JSON text (a stream endpoint): fast by event name for an event union
        (:class:`~dify_oapi.core.events.EventParser`), else the adapter's ``validate_json``."""
        target = self.parse_type
        parser = event_parser(target)
        return parser if parser is not None else _stream_adapter(target).validate_json

    def parse(self, content: bytes) -> RespT:
        """Parse a JSON answer (an empty 204 body counts as ``{}``) into ``response``; raises ``ValidationError``."""
        parsed: RespT = self.adapter().validate_json(content if content.strip() else b"{}")
        return parsed

    def encode(self, request: ReqT, default_user: str | None = None) -> Encoded:
        """Split a request into path, query, JSON body and multipart parts. Raises ``InvalidRequestError``."""
        if not isinstance(request, self.request):
            raise InvalidRequestError(
                f"{self.method} {self.path} takes a {self.request.__name__}, not {type(request).__name__}"
            )
        cls = type(request)
        values = request.__dict__
        fields_set = request.model_fields_set
        user_field = plan_user_field(cls)
        path_values: dict[str, str] = {}
        query: list[tuple[str, str]] = []
        files: list[tuple[str, FileInput]] = []
        form: dict[str, str] = {}
        body_names: set[str] = set()
        extra_body: dict[str, Any] = {}
        for name, alias, where in _plan(cls):
            value = values.get(name)
            if where == "path":
                path_values[alias] = _path_segment(alias, value)
                continue
            if name == user_field and value is None:
                if default_user is None:
                    raise InvalidRequestError(
                        f"user is required by the server for {self.method} {self.path}: set .user(...) on the "
                        "request builder, or give the Client a default_user"
                    )
                value = default_user
                if where == "body":
                    extra_body[alias] = value
                    continue
            elif name not in fields_set or value is None:
                if where == "body" and name in fields_set:
                    body_names.add(name)  # explicitly set to None: sent as null
                continue
            if where == "query":
                items: list[Any] = list(value) if isinstance(value, list | tuple) else [value]  # pyright: ignore
                query.extend((alias, _query_value(v)) for v in items)  # pyright: ignore[reportUnknownVariableType]
            elif where == "body":
                body_names.add(name)
            elif where == "file":
                if not is_file_input(value):
                    raise InvalidRequestError(f"{name}: not a file input (bytes, a file object, a path or a tuple)")
                files.append((alias, value))
            elif where == "form":
                form[alias] = value if isinstance(value, str) else json.dumps(_jsonable(value))
            else:  # form_json
                form[alias] = json.dumps(_jsonable(value), ensure_ascii=False)
        try:
            path = self.path.format_map(path_values)
        except KeyError as exc:
            raise InvalidRequestError(f"{cls.__name__} has no path field {exc}") from None
        body: dict[str, Any] | None = None
        multipart = _is_multipart(cls)
        if not multipart and (body_names or extra_body or self.fixed or self.method in ("POST", "PUT", "PATCH")):
            body = request.model_dump(mode="json", include=body_names, by_alias=True, exclude_unset=True)
            body.update(extra_body)
            body.update(self.fixed)
        elif multipart:
            for key, val in request.model_dump(mode="json", include=body_names, by_alias=True).items():
                form[key] = val if isinstance(val, str) else json.dumps(val)
            for key, val in {**extra_body, **self.fixed}.items():
                form[key] = val if isinstance(val, str) else json.dumps(val)
        return Encoded(path=path, query=query, body=body, files=files, form=form, multipart=multipart)


@dataclass(frozen=True, slots=True)
class Encoded:
    """A request split into its HTTP parts (files are opened per attempt by the transport)."""

    path: str
    query: list[tuple[str, str]]
    body: dict[str, Any] | None
    files: list[tuple[str, FileInput]]
    form: dict[str, str]
    multipart: bool = False


@cache
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


@cache
def _stream_adapter(tp: Any) -> TypeAdapter[Any]:
    """An event type alias (a union of event models) parses each event by its name (core/events.py)."""
    return _adapter(event_union(tp) if is_event_union(tp) else tp)


@cache
def _plan(cls: type[BaseModel]) -> tuple[tuple[str, str, Where], ...]:
    out: list[tuple[str, str, Where]] = []
    for name, info in cls.model_fields.items():
        where: Where = "body"
        for marker in info.metadata:
            if isinstance(marker, Path):
                where = "path"
            elif isinstance(marker, Query):
                where = "query"
            elif isinstance(marker, File):
                where = "file"
            elif isinstance(marker, FormJson):
                where = "form_json"
            elif isinstance(marker, Form):
                where = "form"
            elif isinstance(marker, Body | User):
                pass
        out.append((name, info.alias or name, where))
    return tuple(out)


@cache
def _is_multipart(cls: type[BaseModel]) -> bool:
    """A request with any File, Form or FormJson field is sent as multipart, even when no file is given."""
    return any(where in ("file", "form", "form_json") for _, _, where in _plan(cls))


@cache
def plan_user_field(cls: type[BaseModel]) -> str | None:
    """The field marked ``User()`` (filled from the Client's ``default_user`` when unset), if any."""
    for name, info in cls.model_fields.items():
        if any(isinstance(m, User) for m in info.metadata):
            return name
    return None


def _path_segment(name: str, value: Any) -> str:
    text = "" if value is None else str(value.value if hasattr(value, "value") else value)
    if text in ("", ".", ".."):
        raise InvalidRequestError(f"path parameter {name} must not be empty, '.' or '..' (got {text!r})")
    if any(ch in text for ch in "\r\n\x00"):
        raise InvalidRequestError(f"path parameter {name} must not contain control characters")
    return quote(text, safe="")


def _query_value(value: Any) -> str:
    """One query value: bools as true/false, enums by value, datetimes ISO 8601, models, dicts and lists as JSON."""
    if isinstance(value, Enum) or (hasattr(value, "value") and not isinstance(value, BaseModel)):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict | list | tuple | BaseModel):
        return json.dumps(to_jsonable_python(_jsonable(value)))
    return str(value)


def with_extras(
    encoded: Encoded, extra_query: Mapping[str, Any] | None, extra_body: Mapping[str, Any] | None
) -> Encoded:
    """``encoded`` with a call's ``extra_query`` / ``extra_body`` (``RequestOption``) added, encoded like the SDK's own
    fields: in the query a list or tuple repeats the name and None is left out; in a JSON body values are dumped like
    fields (datetimes ISO 8601, enums by value, models by alias, None as null) and replace a field of the same name; in
    a multipart form a str is sent as it is, None is left out, anything else as JSON. A value that cannot be sent
    raises InvalidRequestError (naming the key, never quoting the value). A body-less request ignores ``extra_body``."""
    query = encoded.query
    if extra_query:
        query = list(query)
        for name, value in extra_query.items():
            items: list[Any] = list(value) if isinstance(value, list | tuple) else [value]  # pyright: ignore
            query.extend((name, _extra_query_value(name, v)) for v in items if v is not None)
    body = encoded.body
    form = encoded.form
    if extra_body:
        if encoded.multipart:
            form = dict(form)
            for name, value in extra_body.items():
                if value is not None:
                    plain = _extra_json(name, value)
                    form[name] = plain if isinstance(plain, str) else json.dumps(plain, ensure_ascii=False)
        elif body is not None:
            body = {**body, **{name: _extra_json(name, value) for name, value in extra_body.items()}}
    return replace(encoded, query=query, body=body, form=form)


def _extra_query_value(name: str, value: Any) -> str:
    try:
        text = _query_value(value)
    except (PydanticSerializationError, ValueError, TypeError, RecursionError):
        raise InvalidRequestError(f"extra_query[{name!r}]: the value cannot be sent in a query") from None
    return text


def _extra_json(name: str, value: Any) -> Any:
    try:
        plain = to_jsonable_python(_jsonable(value))
    except (PydanticSerializationError, ValueError, TypeError, RecursionError):
        raise InvalidRequestError(
            f"extra_body[{name!r}]: the value cannot be sent as JSON (use str, int, float, bool, None, datetimes, enums, "
            "models, and lists and dicts of them)"
        ) from None
    if _non_finite(plain, name) is not None:
        raise InvalidRequestError(f"extra_body[{name!r}]: NaN and infinity cannot be sent as JSON")
    return plain


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_unset=True, by_alias=True)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value


def validation_message(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ())) or '(body)'}: {e.get('msg', '')}"
        for e in exc.errors(include_url=False, include_input=False)[:5]
    )
