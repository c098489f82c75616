"""Iterate every item of a paged list, sync or async, by item or by page.

Two styles exist in the Dify API: ``page``/``limit``/``has_more`` (knowledge base, annotations, logs) and cursors
(``last_id`` for conversations, ``first_id`` for message history, each with ``has_more``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Generic, Literal, Protocol, TypeVar

from .errors import InvalidRequestError
from .model import Request

__all__ = ["AsyncPager", "Cursor", "Order", "Page", "Pager"]

ItemT = TypeVar("ItemT")
ReqT = TypeVar("ReqT", bound=Request)
Cursor = Literal["page", "last_id", "first_id"]
Order = Literal["newest", "oldest"]


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


class _PagerBase:
    """What both pagers share: where they are (for ``repr``) and the order of their items."""

    def __init__(self, request: Any, cursor: Cursor, endpoint: str, order: Order | None) -> None:
        if order not in (None, "newest", "oldest"):
            raise InvalidRequestError(f"order must be 'newest' or 'oldest' (got {order!r})")
        self._request = request
        self._cursor: Cursor = cursor
        self._endpoint = endpoint
        self._order: Order | None = order
        self._pages = 0
        self._next: Any = request

    def _advance(self, request: Any, page: Page[Any]) -> Any:
        self._pages += 1
        self._next = next_request(request, page, self._cursor)
        return self._next

    def __repr__(self) -> str:
        parts = [self._endpoint or "?", f"cursor={self._cursor}"]
        if self._order is not None:
            parts.append(f"order={self._order}")
        parts.append(f"pages_fetched={self._pages}")
        if self._next is None:
            parts.append("done")
        else:
            position = getattr(self._next, self._cursor, None)
            if position is not None:
                parts.append(f"next {self._cursor}={position!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


class Pager(_PagerBase, Generic[ItemT]):
    """Every item over every page: ``for item in pager``; ``pager.by_page()`` yields the pages themselves, as the
    server sends them.

    ``order`` (message history, cursor ``first_id``, whose pages go from the newest back, each oldest first):
    ``"oldest"`` yields the whole conversation in reading order (every page is fetched first), ``"newest"`` newest
    first (page by page)."""

    def __init__(
        self,
        fetch: Callable[[Any], Page[ItemT]],
        request: Any,
        cursor: Cursor,
        *,
        endpoint: str = "",
        order: Order | None = None,
    ) -> None:
        super().__init__(request, cursor, endpoint, order)
        self._fetch = fetch

    def by_page(self) -> Iterator[Page[ItemT]]:
        request = self._request
        while request is not None:
            page = self._fetch(request)
            following = self._advance(request, page)
            yield page
            request = following

    def __iter__(self) -> Iterator[ItemT]:
        if self._order == "oldest":
            pages = list(self.by_page())
            for page in reversed(pages):
                yield from page.data
            return
        for page in self.by_page():
            yield from (reversed(page.data) if self._order == "newest" else page.data)


class AsyncPager(_PagerBase, Generic[ItemT]):
    """Async twin of :class:`Pager`: ``async for item in pager``; ``pager.by_page()``."""

    def __init__(
        self,
        fetch: Callable[[Any], Awaitable[Page[ItemT]]],
        request: Any,
        cursor: Cursor,
        *,
        endpoint: str = "",
        order: Order | None = None,
    ) -> None:
        super().__init__(request, cursor, endpoint, order)
        self._fetch = fetch

    async def by_page(self) -> AsyncIterator[Page[ItemT]]:
        request = self._request
        while request is not None:
            page = await self._fetch(request)
            following = self._advance(request, page)
            yield page
            request = following

    async def _items(self) -> AsyncIterator[ItemT]:
        if self._order == "oldest":
            pages = [page async for page in self.by_page()]
            for page in reversed(pages):
                for item in page.data:
                    yield item
            return
        async for page in self.by_page():
            for item in reversed(page.data) if self._order == "newest" else page.data:
                yield item

    def __aiter__(self) -> AsyncIterator[ItemT]:
        return self._items()
