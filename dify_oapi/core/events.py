"""Stream events: a lenient base, the in-stream ``error`` event, and typed unions that keep unknown events."""

from __future__ import annotations

import typing
from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Tag

from .model import Response

__all__ = ["ErrorEvent", "StreamEvent", "event_union"]


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


def event_union(*models: type[StreamEvent]) -> Any:
    """A type that parses an event into the model whose ``event`` literal matches, else a plain ``StreamEvent``.

    Each model must declare ``event: Literal["name", ...]``. ``ErrorEvent`` is always included.
    """
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
