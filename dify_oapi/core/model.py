"""Base models: requests (strict, built with builders), responses and events (lenient), field placement markers,
and the lenient scalar types the real server needs (timestamps as int, float or ISO string; JSON sent as a string)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr

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


class Request(BaseModel):
    """Base of every request. Unknown fields are an error; assignment is validated; built with a builder."""

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, populate_by_name=True, frozen=False, defer_build=True
    )

    def model_post_init(self, context: Any, /) -> None:
        always = _always_fields(type(self))
        if always:
            self.model_fields_set.update(always)


@cache
def _always_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields marked ``ALWAYS``: sent with their default even when not set."""
    return tuple(
        name for name, info in cls.model_fields.items() if any(isinstance(m, Body) and m.always for m in info.metadata)
    )


class Response(BaseModel):
    """Base of every response and event: unknown fields are kept (``model_extra``), missing optional ones default."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=(), defer_build=True)

    _raw: bytes | None = PrivateAttr(default=None)
    _request_id: str | None = PrivateAttr(default=None)

    @property
    def raw_body(self) -> bytes | None:
        """The exact bytes the server answered (for the top-level answer of a call; None for nested models)."""
        return self._raw

    @property
    def request_id(self) -> str | None:
        """The request id header of the answer, when the server sent one."""
        return self._request_id

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


class SimpleResult(Response):
    """``{"result": "success"}``, or an empty 204 answer (then ``result`` is ``"success"`` too)."""

    result: str = "success"


# ---- lenient scalars ------------------------------------------------------------------------------------------


def _to_timestamp(value: Any) -> Any:
    """Dify sends Unix seconds as int, float, numeric string or ISO 8601 string depending on the endpoint."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, datetime):
        return int((value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp())
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return int(float(text))
        except ValueError:
            pass
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return value
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return int(parsed.timestamp())
    return value


Timestamp = Annotated[int, BeforeValidator(_to_timestamp)]
"""Unix seconds, accepted as int, float, numeric string or ISO 8601 string."""


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
