"""Stream events: a lenient base, the in-stream ``error`` event, and typed unions that keep unknown events.

Each stream endpoint has ONE definition of its events, a type alias that is both what type checkers see and what the
runtime parses with::

    ChatEvent: TypeAlias = MessageEvent | MessageEndEvent | ... | StreamEvent   # known events + the fallback

    STREAM: Endpoint[ChatMessageRequest, ChatEvent] = Endpoint(..., StreamEvent, kind="stream", parse_as=ChatEvent)

``Endpoint.adapter()`` turns such a union into the parser with :func:`event_union` (an event goes to the model whose
``event`` literal matches, else to ``StreamEvent``), so ``Stream[ChatEvent]`` narrows with ``isinstance``/``match``
exactly as the runtime parses. Members that are not events (the JSON answer some stream endpoints give instead,
``Endpoint.json_answer``) are left out of the event parser.

Streams parse with :class:`EventParser`, the same rule made fast: the model is looked up by the event name the text
starts with (Dify writes ``{"event": "message", ...}``) and validated directly; text that does not start so, or that
the picked model refuses, goes through the union (which raises the error, if any).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Tag, TypeAdapter, ValidationError

from .model import Response

__all__ = ["ErrorEvent", "EventParser", "LazyType", "StreamEvent", "event_models", "event_union", "is_event_union"]


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


class LazyType:
    """A type (an endpoint's ``parse_as``) imported on first use: ``LazyType("package.module", "ChatEvent")``. The
    chat stream's event union takes in every workflow event class; a chat call imports them when it first parses."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def resolve(self) -> Any:
        import importlib

        return getattr(importlib.import_module(self.module), self.name)

    def __repr__(self) -> str:
        return f"LazyType({self.module!r}, {self.name!r})"


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


def _by_name(models: tuple[type[StreamEvent], ...]) -> dict[str, type[StreamEvent]]:
    """Each event name of ``models`` (and ``ErrorEvent``) with its model (a later model wins a name)."""
    by_name: dict[str, type[StreamEvent]] = {}
    every: tuple[type[StreamEvent], ...] = (*models, ErrorEvent)
    for model in every:
        annotation = model.model_fields["event"].annotation
        for name in getattr(annotation, "__args__", ()):
            by_name[name] = model
    return by_name


@cache
def _event_union(models: tuple[type[StreamEvent], ...]) -> Any:
    by_name = _by_name(models)
    members = tuple(Annotated[model, Tag(model.__name__)] for model in dict.fromkeys(by_name.values()))

    def pick(value: Any) -> str:
        model = by_name.get(_event_name(value))
        return model.__name__ if model is not None else "StreamEvent"

    return Annotated[Union[(*members, Annotated[StreamEvent, Tag("StreamEvent")])], Discriminator(pick)]


class EventParser:
    """Parses the JSON text of one event of a union (``models``) exactly like :func:`event_union`, faster.

    The model is picked from a dict by the event name the text starts with (``{"event": "message", ...`` or without
    the space) and validates the text itself: no discriminator function, no union. Anything else goes through the
    union: text that does not start with the name, a name with escapes, a model that refuses the text (its error is
    then the union's, as before), a parsed name that is not the leading one (a repeated key). An unknown name is a
    plain :class:`StreamEvent`. Validators are made on first use of each name; the union only when needed."""

    __slots__ = ("_by_name", "_fast", "_models", "_union", "validators")

    def __init__(self, models: tuple[type[StreamEvent], ...]) -> None:
        self._models = models
        self._by_name = _by_name(models)
        self.validators: dict[str, Callable[[str], Any]] = {}
        """The validator of each event name seen so far (read-only outside this class)."""
        self._union: Callable[[str], Any] | None = None
        self._fast: dict[frozenset[str], dict[str, Callable[[str], Any]]] = {}

    def fast(self, terminal: frozenset[str]) -> dict[str, Callable[[str], Any]]:
        """A stream's fast table (read-only for it; filled as names are seen): the validator of each event name seen
        so far that is the one name of its model's ``event`` literal, but ``ping``, ``error`` and ``terminal``.

        Whatever name a caller picks from a text, a validator of this table that accepts the text gives exactly what
        this parser gives: its model accepts one ``event`` value, the name the union's discriminator picks that model
        for. (A text it refuses, or a name not in the table, is for the parser, which may raise.)"""
        table = self._fast.get(terminal)
        if table is None:
            # In before it is filled, from a copy (streams of other threads may add names meanwhile: each name
            # added is then in the copy, or added to this table by _validator).
            table = self._fast.setdefault(terminal, {})
            for name, validate in list(self.validators.items()):
                if self._is_fast(name, terminal):
                    table[name] = validate
        return table

    def _is_fast(self, name: str, terminal: frozenset[str]) -> bool:
        model = self._by_name.get(name)
        if model is None or name in ("ping", "error") or name in terminal:
            return False
        return getattr(model.model_fields["event"].annotation, "__args__", ()) == (name,)

    def __call__(self, data: str) -> Any:
        """The event parsed from ``data``; raises pydantic's ``ValidationError`` like the union would."""
        if data.startswith('{"event": "'):
            start = 11
        elif data.startswith('{"event":"'):
            start = 10
        else:
            return self._parse_union(data)
        end = data.find('"', start)
        name = data[start:end]
        if end < 0 or "\\" in name:
            return self._parse_union(data)
        validate = self.validators.get(name)
        if validate is None:
            validate = self._validator(name)
        try:
            event = validate(data)
        except ValidationError:
            return self._parse_union(data)
        if event.event != name:  # a later "event" key won
            return self._parse_union(data)
        return event

    def _validator(self, name: str) -> Callable[[str], Any]:
        model = self._by_name.get(name, StreamEvent)
        if not model.__pydantic_complete__:
            model.model_rebuild()
        validate: Callable[[str], Any] = model.__pydantic_validator__.validate_json
        self.validators[name] = validate
        for terminal, table in list(self._fast.items()):  # a copy: another thread may add a table
            if self._is_fast(name, terminal):
                table[name] = validate
        return validate

    def _parse_union(self, data: str) -> Any:
        if self._union is None:
            self._union = TypeAdapter[Any](_event_union(self._models)).validate_json
        return self._union(data)


@cache
def event_parser(tp: Any) -> Callable[[str], Any] | None:
    """The fast parser of an event type alias (an :class:`EventParser`), or None when ``tp`` is no event union."""
    return EventParser(event_models(tp)) if is_event_union(tp) else None
