"""Iterate every item of a paged list, sync or async, by item or by page.

Two styles exist in the Dify API: ``page``/``limit``/``has_more`` (knowledge base, annotations, logs) and cursors
(``last_id`` for conversations, ``first_id`` for message history, each with ``has_more``).

A pager never loops forever on a server that contradicts itself:

- a page with the same items as a page already yielded (a server or proxy that ignores ``page``), or a cursor
  already followed (one that ignores ``last_id`` / ``first_id``), raises :class:`PaginationError`: the rest of the
  list cannot be reached, and ending quietly would pass a truncated list off as whole;
- a page that says ``has_more`` although the items yielded already reach its ``total`` (or, page style, it is page
  ``total_pages``) ends the walk cleanly: every item the server counted has been delivered."""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Generic, Literal, Protocol, TypeVar

from .errors import InvalidRequestError, PaginationError
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


def _item_key(item: Any) -> object:
    """What tells one item from another: its ``id``, else its whole content."""
    if isinstance(item, dict):
        fields = typing.cast(dict[str, Any], item)
        found = fields.get("id")
        return found if found is not None else repr(sorted(fields.items(), key=lambda kv: str(kv[0])))
    found = getattr(item, "id", None)
    if found is not None:
        return found
    dump = getattr(item, "model_dump_json", None)
    return dump() if callable(dump) else repr(item)


class _Walk:
    """One walk over the pages: what it has seen, to stop on a server that repeats itself."""

    __slots__ = ("cursors", "items", "pages")

    def __init__(self) -> None:
        self.pages: set[tuple[object, ...]] = set()
        self.cursors: set[object] = set()
        self.items = 0


class _PagerBase:
    """What both pagers share: where they are (for ``repr``), the order of their items, the loop guards."""

    def __init__(self, request: Any, cursor: Cursor, endpoint: str, order: Order | None) -> None:
        if order not in (None, "newest", "oldest"):
            raise InvalidRequestError(f"order must be 'newest' or 'oldest' (got {order!r})")
        self._request = request
        self._cursor: Cursor = cursor
        self._endpoint = endpoint
        self._order: Order | None = order
        self._pages = 0
        self._next: Any = request

    def _sending(self, walk: _Walk, request: Any) -> None:
        """Before fetching ``request``: a cursor already followed would fetch the same pages again, forever."""
        if self._cursor == "page":
            return
        position = getattr(request, self._cursor, None)
        if position is None:
            return
        if position in walk.cursors:
            self._next = None
            raise self._repeated(f"the server led back to {self._cursor}={position!r}, a cursor already followed")
        walk.cursors.add(position)

    def _advance(self, walk: _Walk, request: Any, page: Page[Any]) -> Any:
        self._pages += 1
        items = page.data
        if items:
            key = tuple(_item_key(item) for item in items)
            if key in walk.pages:
                self._next = None
                raise self._repeated("the server sent the same page again")
            walk.pages.add(key)
        walk.items += len(items)
        self._next = next_request(request, page, self._cursor)
        if self._next is not None and self._past_the_end(walk, request, page):
            self._next = None  # has_more, yet every item (or page) the server counted is out: the list is complete
        return self._next

    def _past_the_end(self, walk: _Walk, request: Any, page: Page[Any]) -> bool:
        total = getattr(page, "total", None)
        if isinstance(total, int) and not isinstance(total, bool) and walk.items >= total:
            return True
        total_pages = getattr(page, "total_pages", None)
        if self._cursor != "page" or not isinstance(total_pages, int) or isinstance(total_pages, bool):
            return False
        return int(getattr(request, "page", None) or 1) >= total_pages

    def _repeated(self, what: str) -> PaginationError:
        where = self._endpoint or "a pager"
        return PaginationError(
            f"{where}: {what} (after {self._pages} page(s)); stopped rather than loop forever",
            endpoint=self._endpoint, pages=self._pages,
        )  # fmt: skip

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
        walk = _Walk()
        while request is not None:
            self._sending(walk, request)
            page = self._fetch(request)
            following = self._advance(walk, request, page)
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
        walk = _Walk()
        while request is not None:
            self._sending(walk, request)
            page = await self._fetch(request)
            following = self._advance(walk, request, page)
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
