"""Iterate every item of a paged list, sync or async, by item or by page.

Two styles exist in the Dify API: ``page``/``limit``/``has_more`` (knowledge base, annotations, logs) and cursors
(``last_id`` for conversations, ``first_id`` for message history, each with ``has_more``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Generic, Literal, Protocol, TypeVar

from .model import Request

__all__ = ["AsyncPager", "Cursor", "Page", "Pager"]

ItemT = TypeVar("ItemT")
ReqT = TypeVar("ReqT", bound=Request)
Cursor = Literal["page", "last_id", "first_id"]


class Page(Protocol[ItemT]):
    """What a paged answer has: its items (and, where the server sends it, ``has_more``)."""

    @property
    def data(self) -> list[ItemT]: ...


def next_request(request: ReqT, page: Page[Any], cursor: Cursor) -> ReqT | None:
    """The request for the page after ``page``, or None when ``page`` is the last one."""
    items = page.data
    has_more = getattr(page, "has_more", None)
    if not items or has_more is False:
        return None
    if has_more is None:
        # No has_more in the answer (Dify's app feedbacks): a page shorter than the limit asked for is the last one.
        limit = getattr(request, "limit", None) or 20
        if len(items) < int(limit):
            return None
    if cursor == "page":
        current = getattr(request, "page", None) or 1
        return request.model_copy(update={"page": int(current) + 1})
    anchor = items[-1] if cursor == "last_id" else items[0]
    anchor_id = getattr(anchor, "id", None) if not isinstance(anchor, dict) else anchor.get("id")  # pyright: ignore
    if anchor_id is None:
        return None
    return request.model_copy(update={cursor: anchor_id})


class Pager(Generic[ItemT]):
    """Every item over every page: ``for item in pager``; ``pager.by_page()`` yields the pages themselves."""

    def __init__(self, fetch: Callable[[Any], Page[ItemT]], request: Any, cursor: Cursor) -> None:
        self._fetch = fetch
        self._request = request
        self._cursor: Cursor = cursor

    def by_page(self) -> Iterator[Page[ItemT]]:
        request = self._request
        while request is not None:
            page = self._fetch(request)
            yield page
            request = next_request(request, page, self._cursor)

    def __iter__(self) -> Iterator[ItemT]:
        for page in self.by_page():
            yield from page.data


class AsyncPager(Generic[ItemT]):
    """Async twin of :class:`Pager`: ``async for item in pager``; ``pager.by_page()``."""

    def __init__(self, fetch: Callable[[Any], Awaitable[Page[ItemT]]], request: Any, cursor: Cursor) -> None:
        self._fetch = fetch
        self._request = request
        self._cursor: Cursor = cursor

    async def by_page(self) -> AsyncIterator[Page[ItemT]]:
        request = self._request
        while request is not None:
            page = await self._fetch(request)
            yield page
            request = next_request(request, page, self._cursor)

    async def _items(self) -> AsyncIterator[ItemT]:
        async for page in self.by_page():
            for item in page.data:
                yield item

    def __aiter__(self) -> AsyncIterator[ItemT]:
        return self._items()
