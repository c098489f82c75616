"""Pagers over page/limit/has_more and last_id/first_id cursors, sync and async, through the real transport."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest

from dify_oapi.core import Endpoint, Query, Request, Resource, Response
from dify_oapi.core.resource import apaginate, paginate
from tests.support import Recorder, make_client


class Item(Response):
    id: str


class ItemPage(Response):
    data: list[Item] = []
    has_more: bool | None = None
    page: int | None = None


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
