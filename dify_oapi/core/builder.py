"""One generic, typed builder.

A builder is declared with one typed line per field::

    class ChatMessageRequestBuilder(Builder[ChatMessageRequest]):
        query: Setter[Self, str]
        user: Setter[Self, str]

The setters are installed from those annotations when the class is created, so a misspelt setter or a value of the
wrong type is a mypy/pyright error, and ``build()`` validates the whole request (raising
:class:`~dify_oapi.core.errors.InvalidRequestError`) before anything is sent.

Builders are immutable values: every setter returns a new builder and leaves the one it was called on as it was, so
``base = X.builder().user("u"); a = base.query("one"); b = base.query("two")`` gives two different requests.
"""

from __future__ import annotations

import inspect
import typing
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError

from .errors import InvalidRequestError

__all__ = ["Builder", "Setter", "format_validation_error"]

M = TypeVar("M", bound=BaseModel)
B_co = TypeVar("B_co", covariant=True)
T_contra = TypeVar("T_contra", contravariant=True)


class Setter(Protocol[B_co, T_contra]):
    """The type of a builder setter: takes the field's value, returns the builder."""

    def __call__(self, value: T_contra, /) -> B_co: ...


class Builder(Generic[M]):
    """Collects field values and builds a validated model ``M``."""

    _model: ClassVar[type[BaseModel]]
    _setters: ClassVar[tuple[str, ...]] = ()

    __slots__ = ("_values",)

    def __init__(self, **values: Any) -> None:
        self._values: dict[str, Any] = dict(values)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        model = _model_of(cls)
        if model is not None:
            cls._model = model
        names = [name for name, hint in inspect.get_annotations(cls).items() if _is_setter(hint)]
        for name in names:
            setattr(cls, name, _make_setter(name))
        cls._setters = (*getattr(cls, "_setters", ()), *names)

    def with_defaults(self, **defaults: Any) -> Self:
        """A copy of this builder with ``defaults`` for the fields not set yet (this builder is left as it is)."""
        return type(self)(**{**defaults, **self._values})

    def build(self) -> M:
        """Validate and return the request; raises ``InvalidRequestError`` with every problem found."""
        try:
            return typing.cast(M, self._model.model_validate(self._values))
        except ValidationError as exc:
            raise InvalidRequestError(format_validation_error(self._model.__name__, exc)) from None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(sorted(self._values))})"


def _make_setter(name: str) -> Any:
    def setter(self: Builder[Any], value: Any, /) -> Builder[Any]:
        # A new builder every time (one small dict copy): a builder is a value, so a shared base never aliases.
        new = object.__new__(type(self))
        new._values = {**self._values, name: value}
        return new

    setter.__name__ = setter.__qualname__ = name
    setter.__doc__ = f"Set ``{name}``."
    return setter


def _is_setter(hint: object) -> bool:
    if isinstance(hint, str):
        return hint.startswith("Setter[") or ".Setter[" in hint
    return get_origin(hint) is Setter or hint is Setter


def _model_of(cls: type) -> type[BaseModel] | None:
    for base in getattr(cls, "__orig_bases__", ()):
        if get_origin(base) is Builder:
            (arg,) = get_args(base)
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
    return None


def format_validation_error(model_name: str, exc: ValidationError) -> str:
    """A short, readable message: which fields are missing or wrong, never the values themselves."""
    problems: list[str] = []
    for err in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in err.get("loc", ())) or "(request)"
        kind = err.get("type", "")
        if kind == "missing" and where == "user":
            problems.append(
                "user is required by the server: call .user(...), or give the Client a default_user and pass it the "
                "unbuilt builder"
            )
        elif kind == "missing":
            problems.append(f"{where} is required")
        elif kind == "not_json":  # dify_oapi.core.model: the message names the field, never the value
            problems.append(str(err.get("msg", "")))
        elif kind == "extra_forbidden":
            problems.append(f"{where} is not a field of {model_name}")
        else:
            problems.append(f"{where}: {err.get('msg', 'invalid')}")
    return f"invalid {model_name}: " + "; ".join(problems)
