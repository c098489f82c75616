"""Pagers over page/limit/has_more and last_id/first_id cursors, sync and async, through the real transport."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Annotated

import httpx
import pytest

from dify_oapi import DifyError, PaginationError
from dify_oapi.core import Endpoint, Query, Request, Resource, Response
from dify_oapi.core.resource import apaginate, paginate
from tests.support import MODES, Recorder, make_client


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class Item(Response):
    id: str


class ItemPage(Response):
    data: list[Item] = []
    has_more: bool | None = None
    page: int | None = None
    total: int | None = None
    total_pages: int | None = None


class ListItems(Request):
    page: Annotated[int | None, Query()] = None
    limit: Annotated[int | None, Query()] = None
    last_id: Annotated[str | None, Query()] = None
    first_id: Annotated[str | None, Query()] = None


PAGED = Endpoint("GET", "/datasets", ListItems, ItemPage)
CURSOR = Endpoint("GET", "/conversations", ListItems, ItemPage)


class Items(Resource):
    iter = paginate(PAGED)
    aiter = apaginate(PAGED)
    iter_after = paginate(CURSOR, cursor="last_id")
    aiter_before = apaginate(CURSOR, cursor="first_id")


def pages(request: httpx.Request) -> httpx.Response:
    params = request.url.params
    if "page" in params or request.url.path.endswith("/datasets"):
        page = int(params.get("page", "1"))
        ids = [f"p{page}-{i}" for i in range(2)]
        return httpx.Response(200, json={"data": [{"id": i} for i in ids], "has_more": page < 3, "page": page})
    anchor = params.get("last_id") or params.get("first_id") or "start"
    step = {"start": "a", "a0": "c", "a1": "b", "b1": "c"}.get(anchor, "z")
    ids = [f"{step}0", f"{step}1"] if step != "z" else []
    return httpx.Response(200, json={"data": [{"id": i} for i in ids], "has_more": step in ("a", "b")})


def test_page_style_walks_every_page() -> None:
    rec = Recorder(default=pages)
    items = Items(make_client(rec)._transport)
    assert [i.id for i in items.iter(ListItems(limit=2))] == ["p1-0", "p1-1", "p2-0", "p2-1", "p3-0", "p3-1"]
    assert [r.url.params.get("page") for r in rec.requests] == [None, "2", "3"]
    assert all(r.url.params["limit"] == "2" for r in rec.requests)
    assert len(list(items.iter(ListItems()).by_page())) == 3


async def test_async_page_and_cursor_styles() -> None:
    rec = Recorder(default=pages)
    items = Items(make_client(rec)._transport)
    assert [i.id async for i in items.aiter(ListItems())][-1] == "p3-1"
    got = [i.id async for i in items.aiter_before(ListItems())]
    assert got == ["a0", "a1", "c0", "c1"]  # first_id follows the first item of each page
    assert rec.requests[-1].url.params["first_id"] == "a0"


def test_last_id_cursor() -> None:
    rec = Recorder(default=pages)
    items = Items(make_client(rec)._transport)
    assert [i.id for i in items.iter_after(ListItems())] == ["a0", "a1", "b0", "b1", "c0", "c1"]
    assert [r.url.params.get("last_id") for r in rec.requests] == [None, "a1", "b1"]


def test_pager_stops_on_an_empty_page_even_if_has_more() -> None:
    rec = Recorder(default=lambda r: httpx.Response(200, json={"data": [], "has_more": True}))
    assert list(Items(make_client(rec)._transport).iter(ListItems())) == []
    assert len(rec.requests) == 1


def test_pager_errors_propagate() -> None:
    rec = Recorder(answers=[httpx.Response(200, json={"data": [{"id": "x"}], "has_more": True}), httpx.Response(404)])
    with pytest.raises(Exception, match="404"):
        list(Items(make_client(rec)._transport).iter(ListItems()))


class BarePage(Response):
    data: list[Item] = []


BARE = Endpoint("GET", "/app/feedbacks", ListItems, BarePage)


class BareItems(Resource):
    iter = paginate(BARE)


def test_answers_without_has_more_stop_at_a_short_page() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        count = 2 if page < 3 else 1
        return httpx.Response(200, json={"data": [{"id": f"{page}-{i}"} for i in range(count)]})

    rec = Recorder(default=answer)
    items = list(BareItems(make_client(rec)._transport).iter(ListItems(limit=2)))
    assert [i.id for i in items] == ["1-0", "1-1", "2-0", "2-1", "3-0"]
    assert len(rec.requests) == 3


# ---- a server that contradicts itself: the pager stops (PaginationError, or a clean end at ``total``) -------------


def _page(ids: list[str], has_more: bool = True, **extra: object) -> httpx.Response:
    return httpx.Response(200, json={"data": [{"id": i} for i in ids], "has_more": has_more, **extra})


def bounded(answer: Callable[[httpx.Request], httpx.Response]) -> Recorder:
    """A Recorder answering with ``answer``, then (from the 10th request on) an empty last page: a pager without
    the loop guards ends there instead of hanging the suite, and the test fails on its assertions."""
    rec = Recorder()

    def respond(request: httpx.Request) -> httpx.Response:
        if len(rec.requests) >= 10:
            return _page([], has_more=False)
        return answer(request)

    rec.default = respond
    return rec


def test_page_style_server_that_ignores_page_raises_pagination_error() -> None:
    rec = bounded(lambda r: _page(["x0", "x1"]))  # the same page, has_more forever
    got: list[str] = []
    with pytest.raises(PaginationError, match="same page again") as info:
        got.extend(i.id for i in Items(make_client(rec)._transport).iter(ListItems(limit=2)))
    assert got == ["x0", "x1"]  # each item once
    assert len(rec.requests) == 2
    assert info.value.pages == 2 and "GET /datasets" in info.value.endpoint
    assert isinstance(info.value, DifyError)
    clone = pickle.loads(pickle.dumps(info.value))
    assert type(clone) is PaginationError and str(clone) == str(info.value) and clone.pages == 2


async def test_async_page_style_server_that_ignores_page_raises_pagination_error() -> None:
    rec = bounded(lambda r: _page(["x0", "x1"]))
    pager = Items(make_client(rec)._transport).aiter(ListItems(limit=2))
    with pytest.raises(PaginationError):
        _ = [i async for i in pager]
    assert len(rec.requests) == 2
    assert "done" in repr(pager)


def test_last_id_server_that_ignores_the_cursor_raises() -> None:
    rec = bounded(lambda r: _page(["a0", "a1"]))
    with pytest.raises(PaginationError):
        list(Items(make_client(rec)._transport).iter_after(ListItems()))
    assert [r.url.params.get("last_id") for r in rec.requests] == [None, "a1"]


async def test_first_id_cursor_that_leads_back_raises() -> None:
    """Page 3 is new but its first item is a cursor already followed: the next request would repeat page 2."""
    answers = {None: ["a0", "a1"], "a0": ["b0", "b1"], "b0": ["a0", "c1"]}
    rec = bounded(lambda r: _page(answers.get(r.url.params.get("first_id"), ["z"])))
    with pytest.raises(PaginationError, match="first_id='a0'"):
        _ = [i.id async for i in Items(make_client(rec)._transport).aiter_before(ListItems())]
    assert [r.url.params.get("first_id") for r in rec.requests] == [None, "a0", "b0"]


def test_page_style_past_total_ends_cleanly() -> None:
    """has_more forever with new items, but ``total`` says 5: the walk ends once 5 are out."""

    def answer(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        return _page([f"p{page}-0", f"p{page}-1"], total=5)

    rec = bounded(answer)
    got = [i.id for i in Items(make_client(rec)._transport).iter(ListItems(limit=2))]
    assert got == ["p1-0", "p1-1", "p2-0", "p2-1", "p3-0", "p3-1"]
    assert len(rec.requests) == 3


async def test_async_past_total_ends_cleanly() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        return _page([f"p{page}"], total=2)

    rec = bounded(answer)
    assert [i.id async for i in Items(make_client(rec)._transport).aiter(ListItems(limit=1))] == ["p1", "p2"]
    assert len(rec.requests) == 2


async def test_page_style_past_total_pages_ends_cleanly(mode: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        return _page([f"p{page}"], total_pages=2)

    rec = bounded(answer)
    items = Items(make_client(rec)._transport)
    if mode == "sync":
        got = [i.id for i in items.iter(ListItems(limit=1))]
    else:
        got = [i.id async for i in items.aiter(ListItems(limit=1))]
    assert got == ["p1", "p2"] and len(rec.requests) == 2


def test_a_pager_walks_again_from_the_start() -> None:
    """The loop guards belong to one walk: iterating the same pager twice is not a repeat."""
    rec = Recorder(default=pages)
    pager = Items(make_client(rec)._transport).iter(ListItems(limit=2))
    assert len(list(pager)) == len(list(pager)) == 6


def _history(request: httpx.Request) -> httpx.Response:
    first = request.url.params.get("first_id")
    ids = ["m3", "m4"] if first is None else ["m1", "m2"]  # a server that forgets after the second page
    return httpx.Response(200, json={"data": [{"id": i, "conversation_id": "c"} for i in ids], "has_more": True})


@pytest.mark.parametrize("order", [None, "newest", "oldest"])
def test_iter_messages_on_a_looping_history_raises(order: str | None) -> None:
    from dify_oapi.api.chat.v1.model.conversation import ListMessagesRequest

    rec = bounded(_history)
    client = make_client(rec)
    req = ListMessagesRequest.builder().conversation_id("c").user("u").build()
    with pytest.raises(PaginationError):
        list(client.chat.v1.conversation.iter_messages(req, order=order))  # type: ignore[arg-type]
    assert [r.url.params.get("first_id") for r in rec.requests] == [None, "m3", "m1"]


async def test_aiter_messages_on_a_looping_history_raises() -> None:
    from dify_oapi.api.chat.v1.model.conversation import ListMessagesRequest

    rec = bounded(_history)
    req = ListMessagesRequest.builder().conversation_id("c").user("u").build()
    with pytest.raises(PaginationError):
        _ = [m async for m in make_client(rec).chat.v1.conversation.aiter_messages(req, order="oldest")]
    assert len(rec.requests) == 3
