"""End users: the people your app serves, known to Dify by the ``user`` string your requests send."""

from __future__ import annotations

from typing import Annotated, Self

from .....core.builder import Builder, Setter
from .....core.model import Path, Request, Response, Timestamp

__all__ = ["EndUserDetail", "GetEndUserRequest", "GetEndUserRequestBuilder"]


class GetEndUserRequest(Request):
    """``GET /end-users/{end_user_id}``. The id is Dify's (``created_by`` of an upload, ``from_end_user_id`` of a
    feedback), not the ``user`` string you send."""

    end_user_id: Annotated[str, Path()]

    @staticmethod
    def builder() -> GetEndUserRequestBuilder:
        return GetEndUserRequestBuilder()


class GetEndUserRequestBuilder(Builder[GetEndUserRequest]):
    end_user_id: Setter[Self, str]


class EndUserDetail(Response):
    """An end user. ``external_user_id`` is the ``user`` string your requests sent; ``type`` is ``service-api``."""

    id: str
    tenant_id: str | None = None
    app_id: str | None = None
    type: str | None = None
    external_user_id: str | None = None
    name: str | None = None
    is_anonymous: bool | None = None
    session_id: str | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None
