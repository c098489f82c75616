"""Resources and the methods derived from an :class:`Endpoint`.

::

    class Message(Resource):
        create = call(CREATE)            # sync, returns the typed answer
        acreate = acall(CREATE)          # async twin
        stream = call_stream(STREAM)     # typed event stream
        astream = acall_stream(STREAM)

Reading a method on the resource *class* gives the descriptor itself, whose ``.endpoint`` is what it sends.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, Protocol, Self, TypeVar, overload

from .builder import Builder
from .endpoint import Endpoint
from .errors import APIConnectionError
from .model import Request
from .option import RequestOption
from .pagination import AsyncPager, Cursor, Order, Page, Pager
from .streaming import AsyncBinaryResponse, AsyncStream, BinaryResponse, Stream

if TYPE_CHECKING:
    from ._transport import Transport

__all__ = [
    "BoundMethod",
    "Collector",
    "HistoryBoundMethod",
    "HistoryMethod",
    "Method",
    "OptionalBoundMethod",
    "OptionalMethod",
    "Resource",
    "acall",
    "acall_binary",
    "acall_collect",
    "acall_stream",
    "apaginate",
    "call",
    "call_binary",
    "call_collect",
    "call_stream",
    "iter_endpoints",
    "optional_request",
    "paginate",
]

ReqT = TypeVar("ReqT", bound=Request)
ReqT_contra = TypeVar("ReqT_contra", bound=Request, contravariant=True)
RespT = TypeVar("RespT")
OutT = TypeVar("OutT")
OutT_co = TypeVar("OutT_co", covariant=True)
ItemT = TypeVar("ItemT")


class Resource:
    """A group of operations on one noun (``message``, ``dataset``...), sharing the Client's transport."""

    __slots__ = ("_transport",)

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__qualname__}>"


class BoundMethod(Protocol[ReqT_contra, OutT_co]):
    """A resource method whose request has required fields: takes that request, built or as its unbuilt builder
    (which the Client completes with its ``default_user`` and builds), and an optional :class:`RequestOption`.
    Another request type, another request's builder, or no request at all is a type error."""

    def __call__(self, request: ReqT_contra | Builder[ReqT_contra], option: RequestOption | None = None) -> OutT_co: ...


class OptionalBoundMethod(Protocol[ReqT_contra, OutT_co]):
    """A resource method whose request has no required field: the request may be left out (``app.info()``)."""

    def __call__(
        self, request: ReqT_contra | Builder[ReqT_contra] | None = None, option: RequestOption | None = None
    ) -> OutT_co: ...


class HistoryBoundMethod(Protocol[ReqT_contra, OutT_co]):
    """A pager over a message history (cursor ``first_id``): ``order="oldest"`` yields the conversation in reading
    order, ``"newest"`` newest first; by default the server's order (newest page first, each page oldest first)."""

    def __call__(
        self,
        request: ReqT_contra | Builder[ReqT_contra],
        option: RequestOption | None = None,
        *,
        order: Order | None = None,
    ) -> OutT_co: ...


Runner = Callable[..., Any]  # (transport, endpoint, request, option, **method-specific keywords) -> answer


class Method(Generic[ReqT, OutT]):
    """A resource method derived from an endpoint. ``Resource.method.endpoint`` is the :class:`Endpoint`.

    It takes a request (a :class:`BoundMethod`); :func:`optional_request` makes the kind whose request may be left
    out, for requests without required fields (``request_optional``)."""

    __slots__ = ("__dict__", "_run", "endpoint", "kind", "name")

    request_optional: ClassVar[bool] = False

    def __init__(self, endpoint: Endpoint[ReqT, Any], run: Runner, kind: str) -> None:
        self.endpoint = endpoint
        self._run = run
        self.kind = kind
        self.name = ""
        self.__doc__ = f"{kind}: {endpoint.method} {endpoint.path}" + (
            f"\n\n{endpoint.summary}" if endpoint.summary else ""
        )

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...
    @overload
    def __get__(self, obj: Resource, owner: type | None = None) -> BoundMethod[ReqT, OutT]: ...
    def __get__(self, obj: Resource | None, owner: type | None = None) -> Self | BoundMethod[ReqT, OutT]:
        if obj is None:
            return self
        transport = obj._transport
        endpoint = self.endpoint
        run = self._run

        def bound(request: ReqT | Builder[ReqT] | None = None, option: RequestOption | None = None, **kw: Any) -> OutT:
            return run(transport, endpoint, request, option, **kw)  # type: ignore[no-any-return]

        bound.__name__ = bound.__qualname__ = self.name
        bound.__doc__ = self.__doc__
        bound.endpoint = endpoint  # type: ignore[attr-defined]
        return bound

    def __repr__(self) -> str:
        return f"<{self.kind} {self.endpoint.method} {self.endpoint.path}>"


class OptionalMethod(Method[ReqT, OutT]):
    """A :class:`Method` whose request may be left out (its request model has no required field)."""

    __slots__ = ()

    request_optional: ClassVar[bool] = True

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...
    @overload
    def __get__(self, obj: Resource, owner: type | None = None) -> OptionalBoundMethod[ReqT, OutT]: ...
    def __get__(self, obj: Resource | None, owner: type | None = None) -> Self | OptionalBoundMethod[ReqT, OutT]:
        return super().__get__(obj, owner)  # type: ignore[return-value]  # the same function; its request may be None


class HistoryMethod(Method[ReqT, OutT]):
    """A pager :class:`Method` over a message history: it also takes ``order`` (:class:`HistoryBoundMethod`)."""

    __slots__ = ()

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...
    @overload
    def __get__(self, obj: Resource, owner: type | None = None) -> HistoryBoundMethod[ReqT, OutT]: ...
    def __get__(self, obj: Resource | None, owner: type | None = None) -> Self | HistoryBoundMethod[ReqT, OutT]:
        return super().__get__(obj, owner)  # type: ignore[return-value]  # the same function, with its ``order``


def optional_request(method: Method[ReqT, OutT]) -> OptionalMethod[ReqT, OutT]:
    """``method`` as the kind that may be called without a request: ``info = optional_request(call(INFO))``. Only for
    requests without required fields (a test over every endpoint checks it)."""
    return OptionalMethod(method.endpoint, method._run, method.kind)


def _run_json(transport: Transport, ep: Endpoint[Any, Any], req: Any, opt: RequestOption | None) -> Any:
    return transport.request(ep, req, opt)


def _run_ajson(transport: Transport, ep: Endpoint[Any, Any], req: Any, opt: RequestOption | None) -> Any:
    return transport.arequest(ep, req, opt)


def _run_stream(transport: Transport, ep: Endpoint[Any, Any], req: Any, opt: RequestOption | None) -> Any:
    return Stream[Any](transport.send(ep, req, opt), ep, transport)


def _run_astream(transport: Transport, ep: Endpoint[Any, Any], req: Any, opt: RequestOption | None) -> Any:
    request = transport.prepare(ep, req)
    transport.encode(ep, request, opt)  # bad input fails here, before anything is awaited
    return AsyncStream[Any](lambda: transport.asend(ep, request, opt), ep, transport)


def _run_binary(transport: Transport, ep: Endpoint[Any, Any], req: Any, opt: RequestOption | None) -> Any:
    return BinaryResponse(transport.send(ep, req, opt), transport)


async def _run_abinary(transport: Transport, ep: Endpoint[Any, Any], req: Any, opt: RequestOption | None) -> Any:
    return AsyncBinaryResponse(await transport.asend(ep, req, opt), transport)


def call(endpoint: Endpoint[ReqT, RespT]) -> Method[ReqT, RespT]:
    """Sync method returning the parsed answer."""
    return Method(endpoint, _run_json, "sync")


def acall(endpoint: Endpoint[ReqT, RespT]) -> Method[ReqT, Awaitable[RespT]]:
    """Async method returning the parsed answer."""
    return Method(endpoint, _run_ajson, "async")


def call_stream(endpoint: Endpoint[ReqT, RespT]) -> Method[ReqT, Stream[RespT]]:
    """Sync method returning a typed :class:`Stream` of events."""
    return Method(endpoint, _run_stream, "stream")


def acall_stream(endpoint: Endpoint[ReqT, RespT]) -> Method[ReqT, AsyncStream[RespT]]:
    """Async method returning an :class:`AsyncStream` (iterate it directly, ``async with`` it or await it)."""
    return Method(endpoint, _run_astream, "async stream")


def call_binary(endpoint: Endpoint[ReqT, Any]) -> Method[ReqT, BinaryResponse]:
    """Sync method returning a :class:`BinaryResponse` (read it, iterate it or write it to a file)."""
    return Method(endpoint, _run_binary, "binary")


def acall_binary(endpoint: Endpoint[ReqT, Any]) -> Method[ReqT, Awaitable[AsyncBinaryResponse]]:
    """Async method returning an :class:`AsyncBinaryResponse`."""
    return Method(endpoint, _run_abinary, "async binary")


class Collector(Protocol[OutT_co]):
    """Turns a stream's events into one answer: ``add`` each event, then ``result()``.

    A collector may also have a ``complete`` attribute, True once its answer is final (the chat answer after
    ``message_end``): a connection lost after that point returns the answer instead of raising (raising would make
    the caller run, and pay for, the same request again)."""

    def add(self, event: object, /) -> None: ...

    def result(self) -> OutT_co: ...


def _complete(collector: object) -> bool:
    return getattr(collector, "complete", False) is True


def call_collect(endpoint: Endpoint[ReqT, Any], collector: Callable[[], Collector[RespT]]) -> Method[ReqT, RespT]:
    """Sync method that streams ``endpoint`` and returns what ``collector`` makes of its events: the blocking answer
    without a blocking request (cloud gateways cut long blocking calls; agent apps only stream)."""

    def run(transport: Transport, ep: Endpoint[Any, Any], req: Any, opt: RequestOption | None) -> Any:
        into = collector()
        try:
            with Stream[Any](transport.send(ep, req, opt), ep, transport) as events:
                for event in events:
                    into.add(event)
        except APIConnectionError:  # a reset, a timeout, a stream cut before its last event
            if not _complete(into):
                raise
        return into.result()

    return Method(endpoint, run, "collect")


def acall_collect(
    endpoint: Endpoint[ReqT, Any], collector: Callable[[], Collector[RespT]]
) -> Method[ReqT, Awaitable[RespT]]:
    """Async twin of :func:`call_collect`."""

    async def run(transport: Transport, ep: Endpoint[Any, Any], req: Any, opt: RequestOption | None) -> Any:
        into = collector()
        try:
            async with AsyncStream[Any](lambda: transport.asend(ep, req, opt), ep, transport) as events:
                async for event in events:
                    into.add(event)
        except APIConnectionError:
            if not _complete(into):
                raise
        return into.result()

    return Method(endpoint, run, "async collect")


def _label(endpoint: Endpoint[Any, Any]) -> str:
    return f"{endpoint.method} {endpoint.path}"


@overload
def paginate(
    endpoint: Endpoint[ReqT, Page[ItemT]], cursor: Literal["first_id"]
) -> HistoryMethod[ReqT, Pager[ItemT]]: ...
@overload
def paginate(
    endpoint: Endpoint[ReqT, Page[ItemT]], cursor: Literal["page", "last_id"] = "page"
) -> Method[ReqT, Pager[ItemT]]: ...
def paginate(endpoint: Endpoint[ReqT, Page[ItemT]], cursor: Cursor = "page") -> Method[ReqT, Pager[ItemT]]:
    """Sync method returning a :class:`Pager` over every item of every page (with ``order=`` for ``first_id``)."""

    def run(
        transport: Transport, ep: Endpoint[Any, Any], req: Any, opt: RequestOption | None, order: Order | None = None
    ) -> Any:
        first = transport.prepare(ep, req)
        transport.encode(ep, first, opt)
        return Pager(lambda r: transport.request(ep, r, opt), first, cursor, endpoint=_label(ep), order=order)

    return (HistoryMethod if cursor == "first_id" else Method)(endpoint, run, "pager")


@overload
def apaginate(
    endpoint: Endpoint[ReqT, Page[ItemT]], cursor: Literal["first_id"]
) -> HistoryMethod[ReqT, AsyncPager[ItemT]]: ...
@overload
def apaginate(
    endpoint: Endpoint[ReqT, Page[ItemT]], cursor: Literal["page", "last_id"] = "page"
) -> Method[ReqT, AsyncPager[ItemT]]: ...
def apaginate(endpoint: Endpoint[ReqT, Page[ItemT]], cursor: Cursor = "page") -> Method[ReqT, AsyncPager[ItemT]]:
    """Async method returning an :class:`AsyncPager` (``async for item in ...``)."""

    def run(
        transport: Transport, ep: Endpoint[Any, Any], req: Any, opt: RequestOption | None, order: Order | None = None
    ) -> Any:
        first = transport.prepare(ep, req)
        transport.encode(ep, first, opt)
        return AsyncPager(lambda r: transport.arequest(ep, r, opt), first, cursor, endpoint=_label(ep), order=order)

    return (HistoryMethod if cursor == "first_id" else Method)(endpoint, run, "async pager")


def iter_endpoints(client: Any) -> Iterator[tuple[str, Method[Any, Any]]]:
    """Every resource method reachable from a Client, as (``"chat.v1.message.create"``, method)."""
    from ..client import SERVICES

    for service_name in SERVICES:
        version: object = getattr(client, service_name).v1
        for resource_name in sorted(n for n in dir(type(version)) if not n.startswith("_")):
            resource: object = getattr(version, resource_name)
            if not isinstance(resource, Resource):
                continue
            for method_name in sorted(dir(type(resource))):
                method = getattr(type(resource), method_name, None)
                if isinstance(method, Method):
                    yield f"{service_name}.v1.{resource_name}.{method_name}", method
