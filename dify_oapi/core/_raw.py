"""Raw requests, for operations this SDK does not model yet (Dify adds endpoints often).

A raw request is an ad-hoc :class:`Endpoint` plus the HTTP parts the caller gives (already encoded): it goes through
the one transport like every modelled call, with the same retries (by method: GET, PUT and DELETE are safe, POST is
not unless ``retry_safe=True``), typed errors, key choice (``/datasets...`` and ``/workspaces...`` use the dataset
key) and logging."""

from __future__ import annotations

import json as _json
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Literal, TypeAlias, TypedDict, cast
from urllib.parse import unquote

from .endpoint import Encoded, Endpoint, HttpMethod, _query_value
from .errors import InvalidRequestError
from .events import StreamEvent, event_union
from .files import FileInput, is_file_input
from .model import Request

__all__ = ["Auth", "Files", "Params", "RawCall", "RawEndpoint", "plan"]

Params: TypeAlias = Mapping[str, Any] | Sequence[tuple[str, Any]]
Files: TypeAlias = Mapping[str, FileInput] | Sequence[tuple[str, FileInput]]
Auth: TypeAlias = Literal["app", "dataset"]


class RawCall(TypedDict, total=False):
    """The keyword arguments every raw call takes (``Client.request`` / ``arequest`` / ``stream`` / ``astream``), in
    one place: ``params`` the query (lists repeated), ``json`` the JSON body, ``files`` and ``data`` a multipart form,
    ``auth`` which key (default: by path), ``retry_safe`` whether a POST may be re-sent."""

    params: Params | None
    json: Mapping[str, Any] | None
    files: Files | None
    data: Mapping[str, Any] | None
    auth: Auth | None
    retry_safe: bool | None


_METHODS: frozenset[str] = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
_RAW_EVENTS: Any = event_union()  # ErrorEvent (raised as its typed error) or StreamEvent (everything else)


class RawEndpoint(Endpoint[Request, Any]):
    """An endpoint made for one raw call: an empty answer (204) parses as None."""

    __slots__ = ()

    def parse(self, content: bytes) -> Any:
        if not content.strip():
            return None
        parsed: Any = Endpoint[Request, Any].parse(self, content)
        return parsed


def plan(
    method: str,
    path: str,
    *,
    params: Params | None = None,
    json: Mapping[str, Any] | None = None,
    files: Files | None = None,
    data: Mapping[str, Any] | None = None,
    auth: Auth | None = None,
    retry_safe: bool | None = None,
    cast_to: Any = dict,
    stream: bool = False,
    terminal: Collection[str] = (),
    **unknown: Any,
) -> tuple[RawEndpoint, Encoded]:
    """The endpoint and the encoded parts of one raw call; raises ``InvalidRequestError`` before any I/O (and
    ``TypeError`` for a keyword that is not a :class:`RawCall` one, as a misspelt keyword argument always does)."""
    if unknown:
        raise TypeError(
            f"unexpected keyword argument {', '.join(map(repr, sorted(unknown)))}: a raw call takes "
            f"{', '.join(RawCall.__annotations__)}, option (and cast_to / terminal)"
        )
    verb = cast(HttpMethod, method.upper() if isinstance(method, str) else "")
    if verb not in _METHODS:
        raise InvalidRequestError(f"method must be one of {', '.join(sorted(_METHODS))} (got {method!r})")
    if auth not in (None, "app", "dataset"):
        raise InvalidRequestError(f"auth must be 'app' or 'dataset' (got {auth!r})")
    where = _path(path)
    if json is not None and (files or data):
        raise InvalidRequestError("give json= or files=/data= (a multipart form), not both")
    if json is not None and not isinstance(json, Mapping):
        raise InvalidRequestError(f"json= must be a mapping (a JSON object), not {type(json).__name__}")
    query = [(str(k), _query_value(v)) for k, v in _pairs(params, "params") if v is not None]
    parts = _pairs(files, "files")
    for name, value in parts:
        if not is_file_input(value):
            raise InvalidRequestError(f"files[{name!r}]: not a file input (bytes, a file object, a path or a tuple)")
    form = {
        str(k): v if isinstance(v, str) else _json.dumps(v, ensure_ascii=False)
        for k, v in _pairs(data, "data")
        if v is not None
    }
    multipart = bool(parts or form)
    body = dict(json) if json is not None else None
    if stream:
        endpoint = RawEndpoint(
            verb, where, Request, StreamEvent, kind="stream", parse_as=_RAW_EVENTS, retry_safe=retry_safe, auth=auth,
            terminal=frozenset(terminal),
        )  # fmt: skip
    else:
        endpoint = RawEndpoint(verb, where, Request, cast_to, retry_safe=retry_safe, auth=auth)
    return endpoint, Encoded(path=where, query=query, body=body, files=list(parts), form=form, multipart=multipart)


def _path(path: str) -> str:
    if not isinstance(path, str) or not path.strip("/ "):
        raise InvalidRequestError(f"path must name an operation relative to base_url, e.g. '/info' (got {path!r})")
    if "://" in path or path.startswith("//"):
        raise InvalidRequestError("path is relative to base_url: give '/datasets', not a URL")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in path):
        raise InvalidRequestError("path must not contain control characters")
    if "?" in path or "#" in path:
        raise InvalidRequestError("put the query in params=, not in the path")
    where = path if path.startswith("/") else "/" + path
    segments = where.split("/")[1:]
    if where.endswith("/"):
        segments.pop()
    for segment in segments:
        if segment == "":
            raise InvalidRequestError(f"path {where!r} has an empty segment (an id left empty?)")
        if unquote(segment) in (".", ".."):
            raise InvalidRequestError(f"path {where!r}: '.' and '..' segments are not allowed")
    return where


def _pairs(values: Mapping[str, Any] | Sequence[tuple[str, Any]] | None, what: str) -> list[tuple[str, Any]]:
    """``values`` as (name, value) pairs; a list value of a mapping is repeated (``tag=a&tag=b``)."""
    if values is None:
        return []
    if isinstance(values, Mapping):
        out: list[tuple[str, Any]] = []
        for key, value in values.items():
            if what == "params" and isinstance(value, list | tuple):
                items: list[Any] = list(value)  # pyright: ignore[reportUnknownArgumentType]
                out.extend((key, item) for item in items)
            else:
                out.append((key, value))
        return out
    if isinstance(values, str | bytes) or not all(isinstance(p, tuple) and len(p) == 2 for p in values):
        raise InvalidRequestError(f"{what}= must be a mapping or a list of (name, value) pairs")
    return [(str(k), v) for k, v in values]
