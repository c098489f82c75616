"""Stream events: a lenient base, the in-stream ``error`` event, and typed unions that keep unknown events.

Each stream endpoint has ONE definition of its events, a type alias that is both what type checkers see and what the
runtime parses with::

    ChatEvent: TypeAlias = MessageEvent | MessageEndEvent | ... | StreamEvent   # known events + the fallback

    STREAM: Endpoint[ChatMessageRequest, ChatEvent] = Endpoint(..., StreamEvent, kind="stream", parse_as=ChatEvent)

``Endpoint.adapter()`` turns such a union into the parser with :func:`event_union` (an event goes to the model whose
``event`` literal matches, else to ``StreamEvent``), so ``Stream[ChatEvent]`` narrows with ``isinstance``/``match``
exactly as the runtime parses. Members that are not events (the JSON answer some stream endpoints give instead,
``Endpoint.json_answer``) are left out of the event parser.
"""

from __future__ import annotations

import types
import typing
from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Tag

from .model import Response

__all__ = ["ErrorEvent", "StreamEvent", "event_models", "event_union", "is_event_union"]


class StreamEvent(Response):
    """Any event. Known events have their own subclass; an event this SDK does not know yet arrives as this class,
    with every field the server sent kept (``model_extra``)."""

    event: str = ""


class ErrorEvent(StreamEvent):
    """``event: error`` in the middle of a stream. Streams raise it as the typed ``APIStatusError`` (its ``status``,
    ``code`` and ``message``); the model exists so that the error can be parsed like any other event."""

    event: Literal["error"] = "error"
    status: int | None = None
    code: str | None = None
    message: str | None = None
    task_id: str | None = None
    message_id: str | None = None
    conversation_id: str | None = None
    workflow_run_id: str | None = None


def _event_name(value: object) -> str:
    if isinstance(value, dict):
        name: object = typing.cast(dict[str, object], value).get("event")
    else:
        name = getattr(value, "event", None)
    return name if isinstance(name, str) else ""


def _members(tp: Any) -> tuple[Any, ...]:
    if typing.get_origin(tp) in (Union, types.UnionType):
        return tuple(m for arg in typing.get_args(tp) for m in _members(arg))
    return (tp,)


def event_models(*members: Any) -> tuple[type[StreamEvent], ...]:
    """The event models of unions and models (``StreamEvent`` itself and non-event members left out), in order."""
    found: dict[type[StreamEvent], None] = {}
    for member in members:
        for model in _members(member):
            if isinstance(model, type) and issubclass(model, StreamEvent) and model is not StreamEvent:
                found[model] = None
    return tuple(found)


def is_event_union(tp: Any) -> bool:
    """Whether ``tp`` is a union with event models in it (a stream endpoint's event type alias)."""
    return typing.get_origin(tp) in (Union, types.UnionType) and bool(event_models(tp))


def event_union(*members: Any) -> Any:
    """A type that parses an event into the model whose ``event`` literal matches, else a plain ``StreamEvent``.

    ``members`` are event models or unions of them (an endpoint's event type alias). Each model must declare
    ``event: Literal["name", ...]``. ``ErrorEvent`` is always included (streams raise it as a typed error).
    """
    return _event_union(event_models(*members))


@cache
def _event_union(models: tuple[type[StreamEvent], ...]) -> Any:
    by_name: dict[str, type[StreamEvent]] = {}
    every: tuple[type[StreamEvent], ...] = (*models, ErrorEvent)
    for model in every:
        annotation = model.model_fields["event"].annotation
        for name in getattr(annotation, "__args__", ()):
            by_name[name] = model
    members = tuple(Annotated[model, Tag(model.__name__)] for model in dict.fromkeys(by_name.values()))

    def pick(value: Any) -> str:
        model = by_name.get(_event_name(value))
        return model.__name__ if model is not None else "StreamEvent"

    return Annotated[Union[(*members, Annotated[StreamEvent, Tag("StreamEvent")])], Discriminator(pick)]
