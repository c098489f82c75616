"""Base models: requests (strict, built with builders), responses and events (lenient), field placement markers,
and the lenient scalar types the real server needs (timestamps as int, float or ISO string; JSON sent as a string)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, get_args

import httpx
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, GetCoreSchemaHandler, ValidationError
from pydantic._internal._model_construction import ModelMetaclass  # pyright: ignore[reportPrivateImportUsage]
from pydantic_core import PydanticCustomError, PydanticSerializationError, core_schema, to_jsonable_python

from .builder import format_validation_error
from .errors import InvalidRequestError

__all__ = [
    "ALWAYS",
    "APP_INPUTS",
    "Body",
    "Field",
    "File",
    "Form",
    "FormJson",
    "JsonObject",
    "LenientStr",
    "Path",
    "Query",
    "Request",
    "Response",
    "SimpleResult",
    "Timestamp",
    "User",
]

# ---- where a request field goes -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Path:
    """A path parameter: ``/datasets/{dataset_id}``. Percent-encoded; empty, ``.`` and ``..`` are rejected."""


@dataclass(frozen=True, slots=True)
class Query:
    """A query parameter. Lists repeat the key (``tag_ids=a&tag_ids=b``); booleans are sent as ``true``/``false``."""


@dataclass(frozen=True, slots=True)
class Body:
    """A JSON body field (the default). ``always=True`` sends the field's default even when it was not set;
    ``app_inputs=True`` marks the app's ``inputs`` (checked against the app's form when ``check_inputs`` is on)."""

    always: bool = False
    app_inputs: bool = False


ALWAYS = Body(always=True)
APP_INPUTS = Body(always=True, app_inputs=True)
"""The ``inputs`` of a chat, completion or workflow run: always sent; checked before sending with ``check_inputs``."""


@dataclass(frozen=True, slots=True)
class File:
    """A multipart file part (see :mod:`dify_oapi.core.files` for what it accepts)."""


@dataclass(frozen=True, slots=True)
class Form:
    """A plain multipart form field (``user`` of ``/files/upload``)."""


@dataclass(frozen=True, slots=True)
class FormJson:
    """A multipart form field that carries JSON: Dify's ``data`` part of ``create-by-file``."""


@dataclass(frozen=True, slots=True)
class User:
    """The end-user id. When it is not set, the Client's ``default_user`` is used; the server requires it."""


# ---- models ---------------------------------------------------------------------------------------------------


if TYPE_CHECKING:  # type checkers see pydantic's own metaclass (the one below only changes the error raised)
    _RequestMeta = ModelMetaclass
else:

    class _RequestMeta(ModelMetaclass):
        """``SomeRequest(...)`` raises ``InvalidRequestError`` instead of pydantic's ``ValidationError``. Only direct
        construction goes through here (``model_validate`` and nested models do not), so parsing pays nothing."""

        def __call__(cls, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().__call__(*args, **kwargs)
            except ValidationError as exc:
                raise InvalidRequestError(format_validation_error(cls.__name__, exc)) from None


class Request(BaseModel, metaclass=_RequestMeta):
    """Base of every request. Unknown fields are an error; assignment is validated; built with a builder.

    Constructing one directly (``ChatMessageRequest(query=...)``) or assigning a field validates like ``build()``
    and raises :class:`~dify_oapi.InvalidRequestError` (a ``ValueError``) with the same message, never the values.
    NaN and infinities are refused (JSON has no such numbers), and so is a value in a free-form field (``inputs``)
    that cannot be sent as JSON."""

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, populate_by_name=True, frozen=False, defer_build=True,
        allow_inf_nan=False,
    )  # fmt: skip

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            super().__setattr__(name, value)
        except ValidationError as exc:
            raise InvalidRequestError(format_validation_error(type(self).__name__, exc)) from None
        cls: type[BaseModel] = type(self)
        if name in _free_json_fields(cls):
            try:
                _check_json(name, value)
            except PydanticCustomError as exc:
                raise InvalidRequestError(f"invalid {type(self).__name__}: {exc.message()}") from None

    def model_post_init(self, context: Any, /) -> None:
        cls: type[BaseModel] = type(self)
        always = _always_fields(cls)
        if always:
            self.model_fields_set.update(always)
        free = _free_json_fields(cls)
        if free:
            values = self.__dict__
            for name in free:
                _check_json(name, values.get(name))


@cache
def _always_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields marked ``ALWAYS``: sent with their default even when not set."""
    return tuple(
        name for name, info in cls.model_fields.items() if any(isinstance(m, Body) and m.always for m in info.metadata)
    )


@cache
def _free_json_fields(cls: type[BaseModel]) -> frozenset[str]:
    """The fields whose type lets anything in (``dict[str, Any]``, ``list[Any]``, ``Any``): checked to be JSON."""
    return frozenset(
        name
        for name, info in cls.model_fields.items()
        if _has_any(info.annotation) and not any(isinstance(m, File) for m in info.metadata)
    )


def _has_any(tp: Any) -> bool:
    if tp is Any or tp is dict or tp is list:
        return True
    return any(_has_any(arg) for arg in get_args(tp))


NOT_JSON = "not_json"


def _check_json(name: str, value: Any) -> None:
    """Raise a pydantic error (type ``not_json``) when ``value`` cannot be sent as JSON (never quoting the value)."""
    if value is None or isinstance(value, str | bool | int):
        return
    try:
        plain = to_jsonable_python(value)
    except (PydanticSerializationError, ValueError, TypeError, RecursionError):
        problem = f"{name}: a value cannot be sent as JSON (use str, int, float, bool, None, lists and dicts of them)"
    else:
        where = _non_finite(plain, name)
        if where is None:
            return
        problem = f"{where}: NaN and infinity cannot be sent as JSON"
    # Raised inside validation (model_post_init), so pydantic reports it like any field error; build() words it.
    raise PydanticCustomError(NOT_JSON, "{problem}", {"problem": problem})


def _non_finite(value: Any, where: str) -> str | None:
    if isinstance(value, float):
        return where if not math.isfinite(value) else None
    if isinstance(value, dict):
        for key, item in value.items():  # pyright: ignore[reportUnknownVariableType]
            found = _non_finite(item, f"{where}.{key}")
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
            found = _non_finite(item, f"{where}.{index}")
            if found is not None:
                return found
    return None


class Response(BaseModel):
    """Base of every response and event: unknown fields are kept (``model_extra``), missing optional ones default.

    The top-level answer of a call also carries its HTTP facts: ``status_code``, ``headers``, ``raw_body`` and
    ``request_id``; they are not fields (not in ``model_dump()``, not compared by ``==``)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=(), defer_build=True)

    def _set_http(self, status_code: int, headers: httpx.Headers, raw: bytes) -> None:
        """Attach the answer's HTTP facts (the transport calls this once, after validation). They live in pydantic's
        private slot, declared nowhere, so models pay no private-attribute set-up per instance."""
        facts = _HttpFacts(status_code, headers, raw)
        private: dict[str, Any] | None = self.__pydantic_private__
        if private is None:
            object.__setattr__(self, "__pydantic_private__", {_HTTP: facts})
        else:
            private[_HTTP] = facts

    def _http(self) -> _HttpFacts | None:
        private: dict[str, Any] | None = self.__pydantic_private__
        return private.get(_HTTP) if private else None

    @property
    def raw_body(self) -> bytes | None:
        """The exact bytes the server answered (for the top-level answer of a call; None for nested models)."""
        facts = self._http()
        return facts.raw if facts is not None else None

    @property
    def request_id(self) -> str | None:
        """The request id header of the answer, when the server sent one."""
        facts = self._http()
        if facts is None:
            return None
        value: str | None = facts.headers.get("x-request-id") or facts.headers.get("x-trace-id")
        return value

    @property
    def status_code(self) -> int | None:
        """The HTTP status of the answer (None for nested models and models built by hand)."""
        facts = self._http()
        return facts.status_code if facts is not None else None

    @property
    def headers(self) -> httpx.Headers:
        """The answer's HTTP headers, case-insensitive (empty for nested models and models built by hand)."""
        facts = self._http()
        return facts.headers if facts is not None else httpx.Headers()

    def __eq__(self, other: object) -> bool:
        """Equal when the same model holds the same fields and extra fields (where it came from does not count)."""
        if not isinstance(other, BaseModel):
            return NotImplemented
        return (
            type(self) is type(other)
            and self.__dict__ == other.__dict__
            and self.__pydantic_extra__ == other.__pydantic_extra__
        )

    __hash__ = None  # type: ignore[assignment]  # mutable, like every pydantic model


_HTTP = "_dify_http"


class _HttpFacts:
    __slots__ = ("headers", "raw", "status_code")

    def __init__(self, status_code: int, headers: httpx.Headers, raw: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.raw = raw

    def __reduce__(self) -> tuple[Any, ...]:
        return (_HttpFacts, (self.status_code, httpx.Headers(self.headers), self.raw))


class SimpleResult(Response):
    """``{"result": "success"}``, or an empty 204 answer (then ``result`` is ``"success"`` too)."""

    result: str = "success"


# ---- lenient scalars ------------------------------------------------------------------------------------------


def _to_timestamp(value: Any) -> Any:
    """Dify sends Unix seconds as int, float, numeric string or ISO 8601 string depending on the endpoint. A value
    no clock can hold (NaN, infinity, a date out of range, a string that is no date) is read as None, like a missing
    one."""
    if type(value) is int or value is None or isinstance(value, bool):  # an int first: nearly every value is one
        return value
    if isinstance(value, int):
        return value
    try:
        if isinstance(value, float):
            return int(value) if math.isfinite(value) else None
        if isinstance(value, datetime):
            return int((value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp())
        if isinstance(value, str):
            return _timestamp_of_text(value)
    except (OverflowError, OSError, ValueError):
        return None
    return value


def _timestamp_of_text(value: str) -> Any:
    text = value.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        return int(number) if math.isfinite(number) else None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None  # not a date at all: read like a missing one rather than failing the whole answer
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


class _TimestampSchema:
    """A plain int (nearly every value: a stream event's ``created_at``) or null validates without a Python call;
    anything else goes through :func:`_to_timestamp` first, as a ``BeforeValidator`` would take it. One error, the
    int error, when nothing fits (as before); the JSON schema is ``int | None``'s."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        lenient = core_schema.no_info_before_validator_function(
            _to_timestamp, core_schema.nullable_schema(core_schema.int_schema())
        )
        return core_schema.union_schema(
            [core_schema.int_schema(strict=True), core_schema.none_schema(), lenient],
            mode="left_to_right",
            custom_error_type="int_type",
        )


Timestamp = Annotated[int | None, _TimestampSchema()]
"""Unix seconds, accepted as int, float, numeric string or ISO 8601 string; None when missing or out of range."""


def _to_json_object(value: Any) -> Any:
    if isinstance(value, str | bytes):
        text = value.decode() if isinstance(value, bytes) else value
        if not text.strip():
            return {}
        try:
            value = json.loads(text)
        except ValueError:
            return value
    return {} if value is None else value


JsonObject = Annotated[dict[str, Any], BeforeValidator(_to_json_object)]
"""A JSON object the server may send as an object, a JSON string or ``null`` (``inputs`` of a run detail, ``outputs``
of a failed run): always a dict here, ``{}`` for ``null`` or an empty string."""

LenientStr = Annotated[str, BeforeValidator(lambda v: v if v is None or isinstance(v, str) else str(v))]
"""A string the server sometimes sends as a number (``binding_count``, prices)."""
