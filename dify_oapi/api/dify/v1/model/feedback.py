"""Feedback: end users rate answers (like, dislike, or revoke); the app lists what it received."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field

from .....core.builder import Builder, Setter
from .....core.model import Path, Query, Request, Response, Timestamp, User

__all__ = [
    "AppFeedback",
    "AppFeedbackList",
    "CreateFeedbackRequest",
    "CreateFeedbackRequestBuilder",
    "ListFeedbacksRequest",
    "ListFeedbacksRequestBuilder",
    "Rating",
]

Rating = Literal["like", "dislike"]


class CreateFeedbackRequest(Request):
    """``POST /messages/{message_id}/feedbacks``. ``rating``: ``"like"``, ``"dislike"``, or ``None`` (sent as
    ``null``) to revoke an earlier rating. ``user`` must be the end user who received the message. ``content``:
    optional text."""

    message_id: Annotated[str, Path()]
    rating: Rating | None = None
    user: Annotated[str, User()]
    content: str | None = None

    @staticmethod
    def builder() -> CreateFeedbackRequestBuilder:
        return CreateFeedbackRequestBuilder()


class CreateFeedbackRequestBuilder(Builder[CreateFeedbackRequest]):
    message_id: Setter[Self, str]
    rating: Setter[Self, Rating | None]
    user: Setter[Self, str]
    content: Setter[Self, str | None]


class ListFeedbacksRequest(Request):
    """``GET /app/feedbacks``: ``page`` (from 1) and ``limit`` (1 to 101, default 20)."""

    page: Annotated[int | None, Query(), Field(ge=1)] = None
    limit: Annotated[int | None, Query(), Field(ge=1, le=101)] = None

    @staticmethod
    def builder() -> ListFeedbacksRequestBuilder:
        return ListFeedbacksRequestBuilder()


class ListFeedbacksRequestBuilder(Builder[ListFeedbacksRequest]):
    page: Setter[Self, int | None]
    limit: Setter[Self, int | None]


class AppFeedback(Response):
    """A feedback. ``from_source``: ``user`` (through the API, ``from_end_user_id`` set) or ``admin`` (console,
    ``from_account_id`` set)."""

    id: str
    app_id: str | None = None
    conversation_id: str | None = None
    message_id: str | None = None
    rating: str | None = None
    content: str | None = None
    from_source: str | None = None
    from_end_user_id: str | None = None
    from_account_id: str | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None


class AppFeedbackList(Response):
    """One page of feedbacks. Dify 1.14.1 sends only ``data`` (no ``has_more``): ask for the next ``page`` until a
    page comes back shorter than ``limit``."""

    data: list[AppFeedback] = []
    has_more: bool | None = None
